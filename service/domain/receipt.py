"""Texts of the receipt and the rejection sent to the note-taker, built from structured minutes.

Plain text in short lines, so that it reads well on a phone: no tables, no wide columns. The words are
the workplace's language (:mod:`service.domain.wording`); warnings come already worded by structuring.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from service.domain.wording import DEFAULT_LANGUAGE, RECEIPT, meeting_phrase, short_date, words

_NUMBER = re.compile(r"^\s*(?:§\s*|punkt\s*|p\.\s*)?\d{1,3}[a-h]?\s*[.):\-–]?\s*", re.IGNORECASE)

EXCERPT_CHARS = 140
"""How much of each item's notes (and of each privacy finding) the receipt quotes."""

CORRECTION = RECEIPT["sv"]["correction"]
"""How to send a correction (Swedish)."""

SIGNATURE = RECEIPT["sv"]["signature"]
"""The last line of every Swedish text."""


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    if len(flat) <= EXCERPT_CHARS:
        return flat
    cut = flat[:EXCERPT_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + " …"


def _action_line(action: dict, w: Mapping[str, str], language: str) -> str:
    who = action.get("owner") or w["no_owner"]
    when = w["due"].format(date=short_date(action["due"], language)) if action.get("due") else w["no_due"]
    return w["action"].format(what=action.get("what") or "", who=who, when=when)


def _names(names: list[str]) -> str:
    return ", ".join(names) if names else "–"


def _meeting_line(meeting: dict, w: Mapping[str, str], language: str) -> str:
    kind = meeting_phrase("samverkansgrupp" if meeting.get("kind") == "samverkansgrupp" else "apt", language)
    parts = [w["meeting_of"].format(kind=kind, name=meeting.get("workplace_name") or w["workplace"])]
    if meeting.get("date"):
        parts.append(w["on_date"].format(date=short_date(meeting["date"], language)))
    if meeting.get("start"):
        span = meeting["start"] + (f"–{meeting['end']}" if meeting.get("end") else "")
        parts.append(w["at_time"].format(span=span))
    return " ".join(parts)


def _privacy_lines(findings: list, w: Mapping[str, str]) -> list[str]:
    """List each privacy finding with where it is and its sentence, then why and what to do."""
    lines = [w["privacy"]]
    for finding in findings:
        if not isinstance(finding, dict):
            continue
        item = finding.get("item")
        where = w["privacy_item"].format(item=item) if item not in (None, "") else w["privacy_elsewhere"]
        key = {"personnummer": "privacy_personnummer", "health": "privacy_health"}.get(
            str(finding.get("code") or ""), "privacy_other")
        lines.append("- " + w[key].format(where=where, excerpt=_excerpt(str(finding.get("excerpt") or ""))))
    lines += [w["privacy_why"], ""]
    return lines


def render_receipt(
    output: dict, *, archive_url: str | None = None, language: str = DEFAULT_LANGUAGE
) -> tuple[str, str]:
    """Return the (subject, plain-text body) of the receipt for accepted minutes."""
    w = words(RECEIPT, language)
    meeting = output.get("meeting") or {}
    sender = output.get("sender") or {}
    parts = (w["subject"], meeting.get("workplace_name") or "", meeting.get("date") or "")
    subject = " ".join(p for p in parts if p)
    first = (sender.get("name") or "").split(" ")[0]
    lines = [w["hello_name"].format(name=first) if first else w["hello"], ""]
    lines.append(w["received"].format(meeting=_meeting_line(meeting, w, language)))
    lines.append(w["sent_to_all"])
    lines.append(w["understood"])
    lines.append("")
    attendance = output.get("attendance") or {}
    present, absent = attendance.get("present") or [], attendance.get("absent") or []
    lines.append(w["present"].format(count=len(present), names=_names(present)))
    lines.append(w["absent"].format(count=len(absent), names=_names(absent)))
    if meeting.get("location"):
        lines.append(w["place"].format(place=meeting["location"]))
    roles = output.get("roles") or {}
    for key in ("chair", "note_taker"):
        if roles.get(key):
            lines.append(w[key].format(name=roles[key]))
    if roles.get("adjusters"):
        lines.append(w["adjusters"].format(names=_names(roles["adjusters"])))
    lines.append("")

    lines.append(w["agenda"])
    for item in output.get("items") or []:
        covered = bool(item.get("text") or item.get("decisions") or item.get("actions"))
        if not covered:
            lines.append(w["not_covered"].format(number=item.get("number"), title=item.get("title")))
            continue
        lines.append(w["covered"].format(number=item.get("number"), title=item.get("title")))
        if item.get("heading") and _plain(item["heading"]) != _plain(item.get("title") or ""):
            lines.append(w["heading_was"].format(heading=item["heading"]))
        if item.get("text"):
            lines.append(f"   {_excerpt(item['text'])}")
        for decision in item.get("decisions") or []:
            lines.append("   " + w["decision"].format(text=decision))
        for action in item.get("actions") or []:
            lines.append(f"   {_action_line(action, w, language)}")
    lines.append("")

    missing = output.get("missing") or []
    if missing:
        numbers = ", ".join(str(n) for n in missing)
        lines += [w["missing_one" if len(missing) == 1 else "missing_many"].format(numbers=numbers), ""]

    unplanned = output.get("unplanned") or []
    if unplanned:
        lines.append(w["unplanned"])
        for section in unplanned:
            lines.append(f"- {section.get('heading')}")
            for decision in section.get("decisions") or []:
                lines.append("   " + w["decision"].format(text=decision))
            for action in section.get("actions") or []:
                lines.append(f"   {_action_line(action, w, language)}")
        lines.append("")

    privacy = [p for p in output.get("privacy") or [] if isinstance(p, dict)]
    if privacy:
        lines += _privacy_lines(privacy, w)

    warnings = [x for x in output.get("warnings") or [] if isinstance(x, dict)]
    if warnings:
        lines.append(w["warnings"])
        lines += [f"- {x.get('message') or x.get('code')}" for x in warnings]
        lines.append("")

    if archive_url:
        lines += [w["archive"], archive_url, ""]
    lines += [w["correction"], "", w["signature"]]
    return subject, "\n".join(lines) + "\n"


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
