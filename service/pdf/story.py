"""The body of the minutes PDF in reading order: the agenda items with their notes, decisions and actions,
the unplanned sections under Övriga frågor, every action once more in a summary, who justerade it and
when, and the space for the signature (a draft says instead that it is signed once justerat)."""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer

from service.domain.justering import approvals
from service.domain.justering_texts import approval_lines, pdf_words
from service.domain.minutes import Minutes
from service.domain.workplace import Workplace
from service.pdf.meeting import attendance_block, title_block
from service.pdf.page import SlotFlowable
from service.pdf.pdfa import SignatureSlot
from service.pdf.styles import SIGNATURE_HEIGHT, SIGNATURE_WIDTH, Styles, text
from service.pdf.tables import action_table, decisions_block


def _notes(notes: Any, st: Styles) -> list[Flowable]:
    """Split notes into paragraphs at blank lines."""
    raw = str(notes or "").replace("\r\n", "\n").strip()
    if not raw:
        return []
    parts = [p.strip("\n") for p in raw.split("\n\n")]
    return [Paragraph(text(p), st.body) for p in parts if p.strip()]


def _actions(section: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the actions of an item or unplanned section (anything else in the list left out)."""
    return [a for a in section.get("actions") or [] if isinstance(a, dict)]


def _section_body(section: dict[str, Any], st: Styles, w: dict[str, str]) -> list[Flowable]:
    """Notes, decisions and actions of one item or unplanned section."""
    out: list[Flowable] = _notes(section.get("text"), st)
    decisions = [d for d in section.get("decisions") or [] if d]
    if decisions:
        out += [Spacer(1, 2), decisions_block(decisions, st, w), Spacer(1, 5)]
    actions = _actions(section)
    if actions:
        out += [Spacer(1, 2), action_table(actions, st, w), Spacer(1, 5)]
    return out


def _item_heading(number: Any, title: Any, w: dict[str, str]) -> str:
    """Format an agenda item heading, e.g. ``§ 4 Arbetsmiljö och hälsa`` or ``4. Budget``."""
    if number in (None, ""):
        return text(title)
    return w["item_heading"].format(number=text(number), title=text(title))


def story(minutes: dict[str, Any], workplace: Workplace, st: Styles, w: dict[str, str], *, version: int,
          archive_url: str | None, slots: list[SignatureSlot],
          replaces: tuple[int, str | None] | None = None, draft: bool = False) -> list[Flowable]:
    """Lay out the whole document with the labels ``w``; the signature's place is appended to ``slots``.

    A ``draft`` has no place for a signature: it says it is signed once every justerare approved it.
    """
    other_questions = w["other_questions"]
    out: list[Flowable] = title_block(minutes, workplace, st, w, version=version, archive_url=archive_url,
                                      replaces=replaces)
    out += attendance_block(minutes, workplace, st, w)

    items = [i for i in minutes.get("items") or [] if isinstance(i, dict)]
    unplanned = [u for u in minutes.get("unplanned") or [] if isinstance(u, dict)]
    all_actions: list[dict[str, Any]] = []

    def unplanned_sections() -> list[Flowable]:
        sections: list[Flowable] = []
        for sec in unplanned:
            sections.append(CondPageBreak(25 * mm))
            sections.append(Paragraph(text(sec.get("heading")) or w["other"], st.h2))
            body = _section_body(sec, st, w)
            sections += body or [Paragraph(w["no_notes"], st.muted)]
            ref = w["unplanned_ref"].format(other=other_questions, heading=sec.get("heading") or "")
            all_actions.extend({**a, "_item": ref} for a in _actions(sec))
        return sections

    # Order, what counts as covered and where unplanned sections go: the typed minutes decide.
    by_number = {item.get("number"): item for item in items}
    for placed in Minutes.from_json(minutes).placed(w["language"]):
        out.append(CondPageBreak(40 * mm))
        if placed.item.number is None:  # no Övriga frågor on the agenda: the unplanned come last
            out.append(Paragraph(text(other_questions), st.h1))
            out += unplanned_sections()
            continue
        item = by_number.get(placed.item.number, {})
        number, title = placed.item.number, placed.item.name
        out.append(Paragraph(_item_heading(number, title, w), st.h1))
        body = _section_body(item, st, w)
        if placed.unplanned:
            out += body
            out += unplanned_sections()
        elif not placed.covered:
            out.append(Paragraph(w["not_covered"], st.muted))
        else:
            out += body
        ref = w["item_ref"].format(number=number) if number is not None else str(title)
        all_actions.extend({**a, "_item": ref} for a in _actions(item))

    out.append(CondPageBreak(40 * mm))
    out.append(Paragraph(w["actions"], st.h1))
    if all_actions:
        out.append(action_table(all_actions, st, w, with_item=True))
    else:
        out.append(Paragraph(w["no_actions"], st.muted))
    out.append(Spacer(1, 4 * mm))
    jw = pdf_words(w["language"])
    ending: list[Flowable] = []
    approved = approvals(minutes.get("justering"))
    if approved:
        ending += [Paragraph(text(jw["pdf_label"]), st.small_bold), Spacer(1, 1 * mm)]
        ending += [Paragraph(text(line), st.small) for line in approval_lines(approved, w["language"])]
        ending.append(Spacer(1, 4 * mm))
    if draft:
        ending.append(Paragraph(text(jw["draft_signature"]), st.muted))
    else:
        ending += [
            Paragraph(w["signature"], st.small_bold),
            Spacer(1, 2 * mm),
            SlotFlowable(SIGNATURE_WIDTH, SIGNATURE_HEIGHT, slots),
        ]
    out.append(KeepTogether(ending))
    return out
