"""Structure a draft against its workplace's agenda: the output of ``minnes structure``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from service.domain.actions import ACTION_LIST, RawAction
from service.domain.attendance import Placeholder, roles_of
from service.domain.cleaning import clean, strip_header_block
from service.domain.dates import find_dates, resolve_on_or_after
from service.domain.document import Line
from service.domain.headings import Heading, find_headings
from service.domain.matching import matcher_for
from service.domain.meeting import meeting_date, meeting_place, meeting_times
from service.domain.minutes import Minutes
from service.domain.notices import notice, where
from service.domain.placement import item_by_words, item_for_ref
from service.domain.preamble import Preamble, read_fields
from service.domain.privacy import privacy_findings
from service.domain.sections import SectionBody, only_actions, read_section
from service.domain.tables import expand_tables
from service.domain.workplace import Workplace


class NoMinutesFound(Exception):
    """The draft has no section that matches the agenda."""


@dataclass(frozen=True)
class Draft:
    """A draft as the mail layer delivers it: lines of text plus what the envelope says."""

    lines: tuple[Line, ...]
    """The draft's text, with heading hints."""

    subject: str = ""
    """The mail's subject."""

    sent: dt.date | None = None
    """The mail's Date header, as a date."""

    sender_name: str = ""
    """The sender's display name."""

    sender_email: str = ""
    """The sender's address."""

    today: dt.date | None = None
    """Reference date when the mail has no Date header."""

    sender_authenticated: bool = False
    """The trusted MX (or the internal header) vouched for the sender."""


@dataclass
class _Section:
    heading: Heading
    lines: list[Line] = field(default_factory=list)


_CHOSEN = re.compile(
    r"(?P<name>[A-ZÅÄÖÉ][\w'’\-]+(?:\s[A-ZÅÄÖÉ][\w'’\-]+){1,2})\s+(?:valdes|utsågs)\s+(?:att\s+)?(?:jämte\s+\w+\s+)?"
    r"(?:till\s+)?(?P<role>justera|justerare|sekreterare|antecknare|ordförande|mötesordförande)",
)


def _split(lines: list[Line], headings: list[Heading]) -> tuple[list[Line], list[_Section]]:
    """Cut the draft at its headings: preamble before the first agenda heading, then sections."""
    first = next((h for h in headings if h.match is not None), None)
    if first is None:
        return lines, []
    start = first.candidate.index
    sections: list[_Section] = []
    current: _Section | None = None
    by_index = {h.candidate.index: h for h in headings if h.candidate.index >= start}
    for i in range(start, len(lines)):
        if i in by_index:
            current = _Section(by_index[i])
            sections.append(current)
            if current.heading.candidate.inline:
                current.lines.append(Line(current.heading.candidate.inline))
        elif current is not None:
            current.lines.append(lines[i])
    return lines[:start], sections


def _unique(names: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for n in names:
        k = n.casefold()
        if k not in seen:
            seen.add(k)
            out.append(n)
    return out


def _with_role(pre: Preamble, role: str) -> list[str]:
    return [name for name, note in pre.notes if role in roles_of(note)]


def _action(raw: RawAction, meeting: dt.date | None, reference: dt.date) -> tuple[dict, bool]:
    due = None
    unreadable = False
    if raw.due_text:
        dates = find_dates(raw.due_text)
        if dates:
            due = resolve_on_or_after(dates[0], meeting or reference)
        unreadable = due is None and bool(re.search(r"\d", raw.due_text))
    return {"what": raw.what, "owner": raw.owner, "due": due.isoformat() if due else None}, unreadable


def _attendance(pre: Preamble, workplace: Workplace) -> tuple[list[str], list[str]]:
    absent = _unique(pre.absent or [])
    if pre.present_placeholder is Placeholder.EVERYONE:
        away = {a.casefold() for a in absent}
        away_first = {a.split()[0].casefold() for a in absent if a.split()}
        roster = [
            m.name
            for m in workplace.members
            if m.name.casefold() not in away and m.name.split()[0].casefold() not in away_first
        ]
        return _unique((pre.present or []) + roster), absent
    return _unique(pre.present or []), absent


def _placeholder_value(preamble: list[Line]) -> str:
    for ln in preamble:
        if ":" in ln.text:
            label, _, value = ln.text.partition(":")
            if label.strip().casefold() in ("närvarande", "deltagare", "present", "attendees", "närvaro"):
                return value.strip()
    return ""


def _excerpt(lines: list[str], limit: int = 160) -> str:
    text = " / ".join(lines)
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def structure_draft(draft: Draft, workplace: Workplace) -> dict:
    """Return the structured minutes as the contract's JSON; raise NoMinutesFound if there are none."""
    return structure_minutes(draft, workplace).to_json()


def structure_minutes(draft: Draft, workplace: Workplace) -> Minutes:
    """Return the structured minutes (``contracts/structure-output.md``); raise NoMinutesFound if none."""
    return Minutes.from_json(_structure(draft, workplace))


def _structure(draft: Draft, workplace: Workplace) -> dict:
    lang = workplace.language
    matcher = matcher_for(workplace.agenda)
    people = tuple(m.name for m in workplace.members)
    first_names = frozenset(n.split()[0].casefold() for n in people if n.split())
    cleaned = clean(expand_tables(list(draft.lines)), draft.sender_name, people)
    lines = cleaned.lines
    headings = find_headings(lines, matcher)
    warnings: list[dict] = []
    if not any(h.match for h in headings) and cleaned.quoted:
        # A forwarded draft: the notes are in the forwarded part.
        cleaned = clean(strip_header_block(expand_tables(cleaned.quoted)), draft.sender_name, people)
        lines = cleaned.lines
        headings = find_headings(lines, matcher)
    if not any(h.match for h in headings):
        raise NoMinutesFound("no heading matches the agenda")
    preamble, sections = _split(lines, headings)
    pre = read_fields(preamble, range(len(preamble)), first_names=first_names)
    reference = draft.sent or draft.today or dt.date.today()
    date = meeting_date(pre, preamble, draft.subject, reference)
    if date is None and draft.sent:
        warnings.append(notice("date_from_header", lang, date=draft.sent.isoformat()))
        date = draft.sent
    elif date is None:
        warnings.append(notice("date_missing", lang))
    start, end = meeting_times(pre, preamble)

    section_skips: list[set[int]] = [set() for _ in sections]
    if pre.present is None and pre.absent is None:
        for k, sec in enumerate(sections):
            found = read_fields(
                sec.lines, range(len(sec.lines)), attendance_only=True, first_names=first_names
            )
            if found.present is not None or found.absent is not None:
                pre.present, pre.absent = found.present, found.absent
                pre.present_placeholder = found.present_placeholder
                pre.notes += found.notes
                section_skips[k] = found.used
                break

    agenda = workplace.agenda
    items = [
        {"number": n + 1, "title": entry.title, "heading": None, "text": "", "decisions": [], "actions": []}
        for n, entry in enumerate(agenda)
    ]
    texts: list[list[str]] = [[] for _ in agenda]
    unplanned: list[dict] = []
    bodies = [_body(sec, skip) for sec, skip in zip(sections, section_skips, strict=True)]
    for sec, body in zip(sections, bodies, strict=True):
        match = sec.heading.match
        if match is None:
            continue
        item = items[match.index]
        if item["heading"] is None:
            item["heading"] = sec.heading.candidate.line
            if match.loose:
                warnings.append(
                    notice(
                        "loose_heading_match",
                        lang,
                        heading=sec.heading.candidate.line,
                        number=match.index + 1,
                        title=agenda[match.index].title,
                    )
                )
        if body.text:
            texts[match.index].append(body.text)
    item_texts = ["\n".join(t) for t in texts]
    raw_actions: list[tuple[int, RawAction]] = []  # (item index, action)
    last_matched = max((k for k, sec in enumerate(sections) if sec.heading.match is not None), default=-1)
    previous: int | None = None
    for k, (sec, body) in enumerate(zip(sections, bodies, strict=True)):
        match = sec.heading.match
        title = sec.heading.candidate.title
        action_list = match is None and (ACTION_LIST.match(title) is not None or only_actions(body))
        if action_list and k < last_matched and previous is not None and ACTION_LIST.match(title):
            # A list of actions between two items belongs to the item before it.
            match = sections[previous].heading.match
            if match is not None and body.text:
                texts[match.index].append(body.text)
        if sec.heading.match is not None:
            previous = k
        leftover: list[RawAction] = []
        for raw in body.actions:
            target = match.index if match is not None else None
            if raw.item_ref:
                target = item_for_ref(raw.item_ref, matcher)
                if target is None and action_list:
                    target = item_by_words(f"{raw.item_ref} {raw.what}", item_texts)
            elif action_list:
                target = item_by_words(raw.what, item_texts)
            if target is None and match is not None:
                target = match.index
            if target is None:
                leftover.append(raw)
                if action_list:
                    warnings.append(notice("action_list_unplaced", lang, what=raw.what, where=title))
            else:
                raw_actions.append((target, raw))
        if match is not None:
            items[match.index]["decisions"] += body.decisions
        elif leftover or body.text or body.decisions or not body.actions:
            unplanned.append(
                {
                    "heading": title,
                    "text": body.text,
                    "decisions": body.decisions,
                    "actions": leftover,
                    "_where": title,
                }
            )
    for target, raw in raw_actions:
        items[target]["actions"].append(raw)
    for section in items + unplanned:
        place = section.get("_where") or section["title"]
        converted = []
        for raw in section["actions"]:
            action, unreadable = _action(raw, date, reference)
            converted.append(action)
            if not action["owner"]:
                warnings.append(notice("action_without_owner", lang, what=action["what"], where=place))
            if unreadable:
                warnings.append(notice("action_due_unreadable", lang, due=raw.due_text, what=action["what"]))
            elif not action["due"]:
                warnings.append(notice("action_without_due", lang, what=action["what"], where=place))
        section["actions"] = converted
        section.pop("_where", None)
    for item, parts in zip(items, texts, strict=True):
        item["text"] = "\n\n".join(parts)
    missing = [it["number"] for it in items if not (it["text"] or it["decisions"] or it["actions"])]

    present, absent = _attendance(pre, workplace)
    if pre.present_placeholder is Placeholder.ELSEWHERE:
        warnings.append(notice("attendance_placeholder", lang, value=_placeholder_value(preamble)))
    elif pre.present_placeholder is Placeholder.EVERYONE:
        warnings.append(notice("attendance_from_roster", lang, value=_placeholder_value(preamble)))
    elif pre.present is None:
        warnings.append(notice("attendance_missing", lang))
    roles = _roles(pre, cleaned.signatures, items, workplace, present, draft.sender_name)
    names = _unique(list(people) + present + absent)
    findings = privacy_findings(
        [(None, "\n".join(ln.text for ln in preamble if ln.text))]
        + [(it["number"], _section_text(it)) for it in items]
        + [(None, _section_text(u)) for u in unplanned],
        names,
        lang,
    )
    privacy = [{"code": f.code, "item": f.item, "excerpt": f.excerpt} for f in findings]
    for f in findings:
        kind = "item" if f.item else "preamble"
        place = where(lang, kind, number=f.item, title=agenda[f.item - 1].title if f.item else "")
        warnings.append(
            notice("health_details" if f.code == "health" else "personal_number", lang, where=place)
        )
    if cleaned.closing:
        warnings.append(notice("closing_cut", lang, text=_excerpt(cleaned.closing)))
    return {
        "status": "accepted",
        "error": None,
        "meeting": {
            "workplace": workplace.id,
            "workplace_name": workplace.name,
            "kind": workplace.kind,
            "date": date.isoformat() if date else None,
            "start": start,
            "end": end,
            "location": meeting_place(pre, preamble),
        },
        "sender": {
            "name": draft.sender_name or None,
            "email": draft.sender_email or None,
            "authenticated": draft.sender_authenticated,
        },
        "roles": roles,
        "attendance": {"present": present, "absent": absent},
        "items": items,
        "unplanned": unplanned,
        "missing": missing,
        "warnings": warnings,
        "privacy": privacy,
    }


def _body(sec: _Section, skip: set[int]) -> SectionBody:
    """Read a section; under an unplanned ``Åtgärdslista``/``Actions`` heading the lines are actions."""
    if sec.heading.match is None and ACTION_LIST.match(sec.heading.candidate.title):
        return read_section([Line(sec.heading.candidate.title.rstrip(":") + ":"), *sec.lines],
                            {k + 1 for k in skip})
    return read_section(sec.lines, skip)


def _section_text(section: dict) -> str:
    return "\n".join([section["text"], *section["decisions"], *(a["what"] for a in section["actions"])])


def _roles(
    pre: Preamble,
    signed: object,
    items: list[dict],
    workplace: Workplace,
    present: list[str],
    sender_name: str,
) -> dict:
    """Return chair, note-taker, justerare and skyddsombud from fields, notes, prose and signatures."""
    chosen: dict[str, list[str]] = {}
    for item in items:
        for m in _CHOSEN.finditer(item["text"]):
            chosen.setdefault(m.group("role")[:5], []).append(m.group("name"))
    roster_reps = [m.name for m in workplace.members if m.role == "safety_rep"]
    present_keys = {n.casefold() for n in present}
    safety = _unique(
        pre.safety_reps
        + _with_role(pre, "safety_rep")
        + [n for n in roster_reps if n.casefold() in present_keys]
    )
    chair = (
        pre.chair
        or next(iter(_with_role(pre, "chair")), None)
        or getattr(signed, "chair", None)
        or next(iter(chosen.get("ordfö", []) + chosen.get("möte", [])), None)
    )
    adjusters = _unique(
        pre.adjusters
        + _with_role(pre, "adjuster")
        + list(getattr(signed, "adjusters", []))
        + chosen.get("juste", [])
    )
    note_taker = (
        pre.note_taker
        or next(iter(_with_role(pre, "note_taker")), None)
        or getattr(signed, "note_taker", None)
        or next(iter(chosen.get("sekre", []) + chosen.get("antec", [])), None)
        or (sender_name or None)
    )
    return {
        "chair": chair,
        "note_taker": note_taker,
        "adjusters": [a for a in adjusters if not chair or a.casefold() != chair.casefold()],
        "safety_reps": safety,
    }
