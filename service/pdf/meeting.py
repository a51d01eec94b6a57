"""The top of the minutes PDF: what the meeting was (workplace, kind, date, time, place, version) and
who was there in which role; the skyddsombud is always named."""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, Paragraph, Spacer

from service.domain.justering import approvals
from service.domain.justering_texts import justering_line, pdf_words
from service.domain.wording import long_date, meeting_phrase
from service.domain.workplace import Workplace
from service.pdf.styles import Styles, text
from service.pdf.tables import label_table


def prose_date(value: str | None, language: str) -> str:
    """Format an ISO date as prose (``20 november 2026``, ``20 November 2026``); '–' for none."""
    return long_date(value, language) or "–"


def _time_span(start: str | None, end: str | None, w: dict[str, str]) -> str:
    """Format the meeting's time as ``13:00–14:30``."""
    if start and end:
        return f"{start}–{end}"
    return start or (w["until"].format(end=end) if end else "–")


def _names(names: Any) -> str:
    """Join a list of names, or a dash for nobody."""
    if not names:
        return "–"
    if isinstance(names, str):
        return names
    return ", ".join(str(n) for n in names if n) or "–"


def _subtitle(meeting: dict[str, Any], workplace: Workplace, name: str, w: dict[str, str]) -> str:
    """Say what the document is: ``Minnesanteckningar – Arbetsplatsträff (APT)``, ``Minutes of … on …``."""
    kind = meeting.get("kind") or workplace.kind
    date = meeting.get("date")
    key = "subtitle_date" if date and "subtitle_date" in w else "subtitle"
    language = w["language"]
    return w[key].format(kind=w.get(f"kind_{kind}", kind), meeting=meeting_phrase(kind, language), name=name,
                         date=long_date(date, language))


def title_block(minutes: dict[str, Any], workplace: Workplace, st: Styles, w: dict[str, str], *,
                version: int, archive_url: str | None,
                replaces: tuple[int, str | None] | None = None) -> list[Flowable]:
    """Workplace, kind of meeting, date, time, place, which version this is and what it replaces, and who
    justerade it (``minutes["justering"]``, when it was justerat)."""
    meeting = minutes.get("meeting") or {}
    name = meeting.get("workplace_name") or workplace.name
    out: list[Flowable] = [
        Paragraph(text(name), st.title),
        Paragraph(text(_subtitle(meeting, workplace, name, w)), st.subtitle),
    ]
    rows = [
        [w["date"], prose_date(meeting.get("date"), w["language"])],
        [w["time"], _time_span(meeting.get("start"), meeting.get("end"), w)],
        [w["place"], meeting.get("location") or "–"],
    ]
    if workplace.organisation:
        rows.append([w["organisation"], workplace.organisation])
    if version and version > 1:
        if replaces is not None and replaces[1]:
            old, when = replaces
            day = prose_date(when, w["language"])
            label = w["version_replaces"].format(version=version, old=old, date=day)
        else:
            label = w["version_text"].format(version=version)
        rows.append([w["version"], label])
    approved = approvals(minutes.get("justering"))
    if approved:
        rows.append([pdf_words(w["language"])["pdf_label"], justering_line(approved, w["language"])])
    if archive_url:
        rows.append([w["archive"], archive_url])
    return [*out, label_table(rows, st, w["language"], framed=True), Spacer(1, 4)]


def attendance_block(minutes: dict[str, Any], workplace: Workplace, st: Styles,
                     w: dict[str, str]) -> list[Flowable]:
    """Present, absent and the roles; the skyddsombud is always named."""
    roles = minutes.get("roles") or {}
    attendance = minutes.get("attendance") or {}
    safety_reps = list(roles.get("safety_reps") or []) or [m.name for m in workplace.safety_reps]
    rows = [
        [w["present"], _names(attendance.get("present"))],
        [w["absent"], _names(attendance.get("absent"))],
        [w["chair"], _names(roles.get("chair"))],
        [w["note_taker"], _names(roles.get("note_taker"))],
    ]
    if roles.get("adjusters"):
        rows.append([w["adjusters"], _names(roles.get("adjusters"))])
    rows.append([w["safety_reps"], _names(safety_reps) if safety_reps else w["no_safety_rep"]])
    return [Paragraph(w["attendance"], st.h1), label_table(rows, st, w["language"], split_in_row=True)]
