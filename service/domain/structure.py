"""Structure a draft against its workplace's agenda: the output of ``minnes structure``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from service.domain.cleaning import clean, strip_header_block
from service.domain.dates import find_dates, find_times, resolve_nearest, resolve_on_or_after
from service.domain.document import Line
from service.domain.fields import Preamble, RawAction, read_fields, read_section
from service.domain.headings import Heading, find_headings
from service.domain.matching import matcher_for
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


_HEALTH = re.compile(
    r"\b(?:sjukskriv\w*|sjukdom\w*|diagnos\w*|cancer|gravid\w*|depression\w*|utbränd\w*|utmattning\w*|"
    r"sjukhus\w*|opererad\w*|missbruk\w*|föräldraledig\w*|sjuk)\b",
    re.IGNORECASE,
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


def _health_details(text: str, names: set[str]) -> bool:
    """Tell whether a sentence names a person together with a health detail (GDPR art. 9)."""
    for sentence in _SENTENCES.split(text):
        if _HEALTH.search(sentence):
            words = {w.casefold() for w in re.findall(r"[^\W\d_]+", sentence)}
            if words & names:
                return True
    return False


def _warning(code: str, message: str) -> dict:
    return {"code": code, "message": message}


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


def _meeting_date(
    pre: Preamble, preamble: list[Line], draft: Draft, warnings: list[dict]
) -> dt.date | None:
    reference = draft.sent or draft.today or dt.date.today()
    for text in pre.date_texts:
        for found in find_dates(text):
            d = resolve_nearest(found, reference)
            if d:
                return d
    for i, ln in enumerate(preamble):
        if i in pre.used:
            continue
        for found in find_dates(ln.text):
            d = resolve_nearest(found, reference)
            if d:
                return d
    for found in find_dates(draft.subject):
        d = resolve_nearest(found, reference)
        if d:
            return d
    if draft.sent:
        warnings.append(_warning(
            "date_from_header",
            f"Inget mötesdatum hittades i anteckningarna, så datumet {draft.sent.isoformat()} togs från "
            "mejlets sändningsdatum. Stämmer det inte: skriv till exempel ”Datum: 2026-11-20” överst "
            "och skicka igen.",
        ))
        return draft.sent
    warnings.append(_warning(
        "date_missing",
        "Inget mötesdatum hittades. Skriv till exempel ”Datum: 2026-11-20” överst och skicka igen.",
    ))
    return None


def _times(pre: Preamble, preamble: list[Line]) -> tuple[str | None, str | None]:
    for text in pre.time_texts:
        start, end = find_times(text)
        if start:
            return start, end
    for i, ln in enumerate(preamble[:15]):
        if i not in pre.used and "kl" in ln.text.casefold():
            start, end = find_times(ln.text)
            if start:
                return start, end
    return None, None


def _has_note(pre: Preamble, *words: str) -> list[str]:
    return [name for name, note in pre.notes if any(w in note for w in words)]


def _unique(names: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for n in names:
        k = n.casefold()
        if k not in seen:
            seen.add(k)
            out.append(n)
    return out


def _action(raw: RawAction, meeting: dt.date | None, reference: dt.date) -> tuple[dict, bool]:
    due = None
    unreadable = False
    if raw.due_text:
        dates = find_dates(raw.due_text)
        if dates:
            due = resolve_on_or_after(dates[0], meeting or reference)
        unreadable = due is None
    return {"what": raw.what, "owner": raw.owner, "due": due.isoformat() if due else None}, unreadable


def structure_draft(draft: Draft, workplace: Workplace) -> dict:
    """Return the structured minutes (``contracts/structure-output.md``); raise NoMinutesFound if none."""
    matcher = matcher_for(workplace.agenda)
    cleaned = clean(list(draft.lines), draft.sender_name)
    lines = cleaned.lines
    headings = find_headings(lines, matcher)
    warnings: list[dict] = []
    if not any(h.match for h in headings) and cleaned.quoted:
        # A forwarded draft: the notes are in the forwarded part.
        requoted = clean(strip_header_block(cleaned.quoted), draft.sender_name)
        lines = requoted.lines
        headings = find_headings(lines, matcher)
    if not any(h.match for h in headings):
        raise NoMinutesFound("no heading matches the agenda")
    preamble, sections = _split(lines, headings)
    pre = read_fields(preamble, range(len(preamble)))
    date = _meeting_date(pre, preamble, draft, warnings)
    start, end = _times(pre, preamble)

    section_skips: list[set[int]] = [set() for _ in sections]
    if pre.present is None and pre.absent is None:
        for k, sec in enumerate(sections):
            found = read_fields(sec.lines, range(len(sec.lines)), attendance_only=True)
            if found.present is not None or found.absent is not None:
                pre.present, pre.absent = found.present, found.absent
                pre.notes += found.notes
                section_skips[k] = found.used
                break

    reference = draft.sent or draft.today or dt.date.today()
    agenda = workplace.agenda
    items = [
        {"number": n + 1, "title": entry.title, "heading": None, "text": "", "decisions": [], "actions": []}
        for n, entry in enumerate(agenda)
    ]
    texts: list[list[str]] = [[] for _ in agenda]
    unplanned: list[dict] = []
    for sec, skip in zip(sections, section_skips, strict=True):
        body = read_section(sec.lines, skip)
        actions = []
        for raw in body.actions:
            action, unreadable = _action(raw, date, reference)
            actions.append(action)
            where = sec.heading.candidate.title
            if not action["owner"]:
                warnings.append(_warning(
                    "action_without_owner",
                    f"Åtgärden ”{action['what']}” under ”{where}” saknar ansvarig. "
                    "Skriv till exempel ”Ansvarig: Anna Svensson”.",
                ))
            if unreadable:
                warnings.append(_warning(
                    "action_due_unreadable",
                    f"Datumet ”{raw.due_text}” för åtgärden ”{action['what']}” kunde inte läsas. "
                    "Skriv till exempel ”Klart: 2026-12-15”.",
                ))
            elif not action["due"]:
                warnings.append(_warning(
                    "action_without_due",
                    f"Åtgärden ”{action['what']}” under ”{where}” saknar datum. "
                    "Skriv till exempel ”Klart: 2026-12-15”.",
                ))
        match = sec.heading.match
        if match is None:
            unplanned.append({"heading": sec.heading.candidate.title, "text": body.text,
                              "decisions": body.decisions, "actions": actions})
            continue
        item = items[match.index]
        if item["heading"] is None:
            item["heading"] = sec.heading.candidate.line
            if match.loose:
                warnings.append(_warning(
                    "loose_heading_match",
                    f"Rubriken ”{sec.heading.candidate.line}” tolkades som punkt {match.index + 1} "
                    f"”{agenda[match.index].title}”. Stämmer det inte: ändra rubriken och skicka igen.",
                ))
        if body.text:
            texts[match.index].append(body.text)
        item["decisions"] += body.decisions
        item["actions"] += actions
    for item, parts in zip(items, texts, strict=True):
        item["text"] = "\n\n".join(parts)
    missing = [it["number"] for it in items
               if not (it["text"] or it["decisions"] or it["actions"])]

    people = [m.name for m in workplace.members] + (pre.present or []) + (pre.absent or [])
    names = {w.casefold() for n in people for w in n.split() if len(w) > 2}
    for item in items + unplanned:
        bits = "\n".join([item["text"], *item["decisions"], *(a["what"] for a in item["actions"])])
        if _health_details(bits, names):
            where = (f"punkt {item['number']} ”{item['title']}”" if "number" in item
                     else f"”{item['heading']}”")
            warnings.append(_warning(
                "health_details",
                f"Anteckningarna under {where} verkar nämna en persons hälsa. Uppgifter om enskildas "
                "hälsa hör inte hemma i minnesanteckningar (GDPR art. 9): ta bort dem och skicka "
                "en rättad version.",
            ))
    present = _unique(pre.present or [])
    absent = _unique(pre.absent or [])
    if pre.present is None:
        warnings.append(_warning(
            "attendance_missing",
            "Ingen närvarolista hittades. Skriv till exempel ”Närvarande: Maria Lind, Karin Berg” "
            "och ”Frånvarande: …” överst.",
        ))
    roster_reps = [m.name for m in workplace.members if m.role == "safety_rep"]
    present_keys = {n.casefold() for n in present}
    safety = _unique(pre.safety_reps + _has_note(pre, "skyddsombud", "arbetsmiljöombud")
                     + [n for n in roster_reps if n.casefold() in present_keys])
    roles = {
        "chair": pre.chair or next(iter(_has_note(pre, "ordf", "mötesledare")), None),
        "note_taker": pre.note_taker or next(iter(_has_note(pre, "antecknare", "sekreterare")), None)
        or (draft.sender_name or None),
        "adjusters": _unique(pre.adjusters + _has_note(pre, "justerare")),
        "safety_reps": safety,
    }
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
            "location": pre.place,
        },
        "sender": {"name": draft.sender_name or None, "email": draft.sender_email or None,
                   "authenticated": draft.sender_authenticated},
        "roles": roles,
        "attendance": {"present": present, "absent": absent},
        "items": items,
        "unplanned": unplanned,
        "missing": missing,
        "warnings": warnings,
    }
