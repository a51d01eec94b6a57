"""Texts of the receipt and the rejection sent to the note-taker, built from structured minutes.

Plain text in short lines, so that it reads well on a phone: no tables, no wide columns. The words are
the workplace's language (:mod:`service.domain.wording`); warnings come already worded by structuring.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from service.domain.minutes import Action, Meeting, Minutes, PrivacyFinding
from service.domain.wording import DEFAULT_LANGUAGE, RECEIPT, meeting_phrase, short_date, words

_NUMBER = re.compile(r"^\s*(?:§\s*|punkt\s*|p\.\s*)?\d{1,3}[a-h]?\s*[.):\-–]?\s*", re.IGNORECASE)

EXCERPT_CHARS = 140
"""How much of each item's notes (and of each privacy finding) the receipt quotes."""

CORRECTION = RECEIPT["sv"]["correction"]
"""How to send a correction (Swedish)."""

SIGNATURE = RECEIPT["sv"]["signature"]
"""The last line of every Swedish text."""


def excerpt(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= EXCERPT_CHARS:
        return flat
    cut = flat[:EXCERPT_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + " …"


def _action_line(action: Action, w: Mapping[str, str], language: str) -> str:
    who = action.owner or w["no_owner"]
    when = w["due"].format(date=short_date(action.due, language)) if action.due else w["no_due"]
    return w["action"].format(what=action.what, who=who, when=when)


def _names(names: tuple[str, ...] | list[str]) -> str:
    return ", ".join(names) if names else "–"


def meeting_line(meeting: Meeting, w: Mapping[str, str], language: str) -> str:
    kind = meeting_phrase("samverkansgrupp" if meeting.kind == "samverkansgrupp" else "apt", language)
    parts = [w["meeting_of"].format(kind=kind, name=meeting.workplace_name or w["workplace"])]
    if meeting.date:
        parts.append(w["on_date"].format(date=short_date(meeting.date, language)))
    if meeting.start:
        span = meeting.start + (f"–{meeting.end}" if meeting.end else "")
        parts.append(w["at_time"].format(span=span))
    return " ".join(parts)


def _privacy_lines(findings: tuple[PrivacyFinding, ...], w: Mapping[str, str]) -> list[str]:
    """List each privacy finding with where it is and its sentence, then why and what to do."""
    lines = [w["privacy"]]
    for finding in findings:
        item = finding.item
        where = w["privacy_item"].format(item=item) if item is not None else w["privacy_elsewhere"]
        key = {"personnummer": "privacy_personnummer", "health": "privacy_health"}.get(
            finding.code, "privacy_other")
        lines.append("- " + w[key].format(where=where, excerpt=excerpt(finding.excerpt)))
    lines += [w["privacy_why"], ""]
    return lines


def _subject(m: Minutes, w: Mapping[str, str], key: str = "subject") -> str:
    parts = (w[key], m.meeting.workplace_name, m.meeting.date or "")
    return " ".join(p for p in parts if p)


def understood_lines(m: Minutes, w: Mapping[str, str], language: str) -> list[str]:
    """Return what was understood of the minutes, item by item: the part every answer to a draft shares."""
    lines = [w["understood"], ""]
    lines.append(w["present"].format(count=len(m.attendance.present), names=_names(m.attendance.present)))
    lines.append(w["absent"].format(count=len(m.attendance.absent), names=_names(m.attendance.absent)))
    if m.meeting.location:
        lines.append(w["place"].format(place=m.meeting.location))
    if m.roles.chair:
        lines.append(w["chair"].format(name=m.roles.chair))
    if m.roles.note_taker:
        lines.append(w["note_taker"].format(name=m.roles.note_taker))
    if m.roles.adjusters:
        lines.append(w["adjusters"].format(names=_names(m.roles.adjusters)))
    lines += ["", w["agenda"]]
    for item in m.items:
        if not m.covered(item):
            lines.append(w["not_covered"].format(number=item.number, title=item.title))
            continue
        lines.append(w["covered"].format(number=item.number, title=item.title))
        if item.heading and _plain(item.heading) != _plain(item.title):
            lines.append(w["heading_was"].format(heading=item.heading))
        if item.text:
            lines.append(f"   {excerpt(item.text)}")
        lines += ["   " + w["decision"].format(text=d) for d in item.decisions]
        lines += [f"   {_action_line(a, w, language)}" for a in item.actions]
    lines.append("")
    if m.missing:
        numbers = ", ".join(str(n) for n in m.missing)
        lines += [w["missing_one" if len(m.missing) == 1 else "missing_many"].format(numbers=numbers), ""]
    if m.unplanned:
        lines.append(w["unplanned"])
        for section in m.unplanned:
            lines.append(f"- {section.heading}")
            lines += ["   " + w["decision"].format(text=d) for d in section.decisions]
            lines += [f"   {_action_line(a, w, language)}" for a in section.actions]
        lines.append("")
    if m.privacy:
        lines += _privacy_lines(m.privacy, w)
    if m.warnings:
        lines.append(w["warnings"])
        lines += [f"- {x.message or x.code}" for x in m.warnings]
        lines.append("")
    return lines


def _greeting(m: Minutes, w: Mapping[str, str]) -> str:
    first = (m.sender.name or "").split(" ")[0]
    return w["hello_name"].format(name=first) if first else w["hello"]


def render_receipt(
    minutes: Minutes | dict, *, archive_url: str | None = None, language: str = DEFAULT_LANGUAGE,
    waiting: list[str] | None = None, followup: list[str] | None = None,
) -> tuple[str, str]:
    """Return the (subject, plain-text body) of the receipt for accepted minutes.

    ``waiting`` are the lines that say what the minutes wait for (a gate); without them the receipt
    says they are sent to everyone now. ``followup`` are lines about earlier meetings' actions (still
    open, closed by this draft), shown after what was understood.
    """
    m = Minutes.of(minutes)
    w = words(RECEIPT, language)
    lines = [_greeting(m, w), ""]
    lines.append(w["received"].format(meeting=meeting_line(m.meeting, w, language)))
    lines += waiting if waiting else [w["sent_to_all"]]
    lines += understood_lines(m, w, language)
    if followup:
        lines += [*followup, ""]
    if archive_url:
        lines += [w["archive"], archive_url, ""]
    lines += [w["correction"], "", w["signature"]]
    return _subject(m, w), "\n".join(lines) + "\n"


def render_confirm_request(
    minutes: Minutes | dict, *, link: str, expires: str, language: str = DEFAULT_LANGUAGE
) -> tuple[str, str]:
    """Return the (subject, plain-text body) of the confirm-request to an unauthenticated draft's sender.

    ``expires`` is the date (ISO) after which the draft is dropped unconfirmed.
    """
    m = Minutes.of(minutes)
    w = words(RECEIPT, language)
    lines = [_greeting(m, w), ""]
    lines.append(w["confirm_received"].format(meeting=meeting_line(m.meeting, w, language)))
    lines += [w["confirm_why"], "", w["confirm_how"], "", link, "", w["confirm_stop"],
              w["confirm_expires"].format(date=short_date(expires, language)), ""]
    lines += understood_lines(m, w, language)
    lines += [w["confirm_not_you"], "", w["signature"]]
    return _subject(m, w, "confirm_subject"), "\n".join(lines) + "\n"


def _plain(text: str) -> str:
    """Return a heading without its number, case or spacing, to tell whether it differs from the title."""
    return " ".join(_NUMBER.sub("", text).casefold().split())


def render_rejection(
    output: dict, *, subject: str = "", language: str = DEFAULT_LANGUAGE
) -> tuple[str, str]:
    """Return the (subject, plain-text body) of a rejection."""
    w = words(RECEIPT, language)
    err = output.get("error") or {}
    about = w["rejected_about"].format(subject=subject) if subject else ""
    lines = [
        w["hello"],
        "",
        w["rejected"].format(about=about),
        w["none_sent"],
        "",
        w["why"],
        err.get("message") or w["unknown_error"],
        "",
        w["questions"],
        "",
        w["signature"],
    ]
    title = w["rejected_subject"].format(subject=subject) if subject else w["rejected_title"]
    return title, "\n".join(lines) + "\n"
