"""Texts of actions that come back: the receipt's lines, the owner's reminder and the manager's notices.

Plain text in short lines, for a phone; Swedish, or English for a workplace with ``language = "en"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.domain.followup import SafetyWarning, days_left
from service.domain.minutes import Meeting
from service.domain.receipt import excerpt, meeting_line
from service.domain.wording import DEFAULT_LANGUAGE, RECEIPT, short_date, words

FOLLOWUP_TEXTS = {
    "sv": {
        "open_heading": "ÖPPNA ÅTGÄRDER FRÅN TIDIGARE MÖTEN",
        "open_line": "- {what} ({who}, {when}, från mötet {meeting}){late}",
        "late": " – FÖRSENAD",
        "open_hint": "Är någon av dem klar? Skriv det i anteckningarna, till exempel ”{example}: klart”, så "
        "markeras den som klar.",
        "closed_heading": "MARKERAS SOM KLARA MED DE HÄR ANTECKNINGARNA",
        "closed_line": "✓ {what} ({who}, från mötet {meeting})",
        "safety_heading": "SKYDDSKOMMITTÉ",
        "no_safety_rep": "Inget skyddsombud fanns med bland de närvarande. Minst ett skyddsombud ska vara "
        "med i skyddskommitténs arbete (AML 6 kap. 8–9 §§).",
        "long_gap": "Det har gått mer än tre månader sedan förra mötet ({date}). Skyddskommittén bör "
        "sammanträda minst en gång i kvartalet (AML 6 kap. 8–9 §§, AFS 2023:1).",
        "safety_told": "Chefen får ett meddelande om det.",
        "what": "Åtgärd: {what}",
        "owner": "Ansvarig: {who}",
        "due_line": "Klart senast: {date}{left}",
        "today": " (i dag)",
        "tomorrow": " (i morgon)",
        "in_days": " (om {days} dagar)",
        "archive": "Minnesanteckningarna i arkivet:",
        "reminder_subject": "Påminnelse: {what} – senast {date}",
        "reminder_intro": "En påminnelse om en åtgärd från {meeting}:",
        "reminder_done": "När den är klar: se till att det står i nästa mötes anteckningar, till exempel "
        "”{example}: klart”. Då markeras den som klar.",
        "overdue_subject": "Försenad åtgärd: {name} – {what}",
        "overdue_intro": "En åtgärd från {meeting} skulle ha varit klar {date} och har inte rapporterats "
        "som klar:",
        "overdue_why": "Du får det här som chef. Åtgärden står kvar som öppen och listas i nästa mötes "
        "anteckningar tills de säger att den är klar, till exempel ”{example}: klart”.",
        "safety_subject": "Skyddskommitté: {name} {date}",
        "safety_intro": "Minnesanteckningarna från {meeting} är klara, men skyddskommitténs möte behöver "
        "ses över:",
        "safety_why": "Du får det här som chef, eftersom {name} är skyddskommitté.",
    },
    "en": {
        "open_heading": "OPEN ACTIONS FROM EARLIER MEETINGS",
        "open_line": "- {what} ({who}, {when}, from the meeting on {meeting}){late}",
        "late": " – OVERDUE",
        "open_hint": "Is one of them done? Say so in the minutes, for example “{example}: done”, and it is "
        "marked done.",
        "closed_heading": "MARKED DONE BY THESE MINUTES",
        "closed_line": "✓ {what} ({who}, from the meeting on {meeting})",
        "safety_heading": "SAFETY COMMITTEE",
        "no_safety_rep": "No safety representative was among those present. At least one safety "
        "representative is to take part in the safety committee's work (Work Environment Act, ch. 6 §§ 8–9).",
        "long_gap": "More than three months have passed since the previous meeting ({date}). The safety "
        "committee should meet at least once a quarter (Work Environment Act, ch. 6 §§ 8–9, AFS 2023:1).",
        "safety_told": "The manager is told of it.",
        "what": "Action: {what}",
        "owner": "Owner: {who}",
        "due_line": "Due: {date}{left}",
        "today": " (today)",
        "tomorrow": " (tomorrow)",
        "in_days": " (in {days} days)",
        "archive": "The minutes in the archive:",
        "reminder_subject": "Reminder: {what} – due {date}",
        "reminder_intro": "A reminder of an action from {meeting}:",
        "reminder_done": "When it is done, make sure the next meeting's minutes say so, for example "
        "“{example}: done”. It is then marked done.",
        "overdue_subject": "Overdue action: {name} – {what}",
        "overdue_intro": "An action from {meeting} was due on {date} and has not been reported done:",
        "overdue_why": "You receive this as the manager. The action stays open and is listed in the next "
        "meeting's minutes until they say it is done, for example “{example}: done”.",
        "safety_subject": "Safety committee: {name} {date}",
        "safety_intro": "The minutes of {meeting} are finished, but the safety committee's meeting needs "
        "looking into:",
        "safety_why": "You receive this as the manager, since {name} is a safety committee.",
    },
}
"""Words of the follow-up of actions and of the skyddskommitté warnings."""

SUBJECT_WHAT_CHARS = 48
"""How much of an action's text a subject line quotes."""


@dataclass(frozen=True)
class Listed:
    """An action as the receipt, the minutes and the mails list it."""

    what: str
    """What is to be done."""

    owner: str = ""
    """Who does it, as written."""

    due: str = ""
    """When it is due, ISO ('' when not given)."""

    meeting_date: str = ""
    """The date of the meeting that agreed it."""

    overdue: bool = False
    """Its due date had passed at the meeting these minutes are of."""


def _short(text: str, chars: int) -> str:
    flat = " ".join(text.split()).rstrip(".")
    if len(flat) <= chars:
        return flat
    return flat[:chars].rsplit(" ", 1)[0].rstrip(",.;:") + " …"


def example(what: str) -> str:
    """Return how a note-taker may name an action when reporting it done: its first few words."""
    words_ = " ".join(what.split()).rstrip(".").split()
    return " ".join(words_[:5]) if words_ else what


def _who(owner: str, r: Mapping[str, str]) -> str:
    return owner or r["no_owner"]


def _when(due: str, r: Mapping[str, str], language: str) -> str:
    return r["due"].format(date=short_date(due, language)) if due else r["no_due"]


def _meeting(date: str, language: str) -> str:
    return short_date(date, language) or "–"


def receipt_lines(
    open_actions: Sequence[Listed], closed: Sequence[Listed], warnings: Sequence[SafetyWarning] = (), *,
    previous: str = "", language: str = DEFAULT_LANGUAGE,
) -> list[str]:
    """Return what the receipt says about earlier actions (still open, closed now) and the skyddskommitté."""
    w, r = words(FOLLOWUP_TEXTS, language), words(RECEIPT, language)
    lines: list[str] = []
    if warnings:
        lines.append(w["safety_heading"])
        lines += [f"- {line}" for line in safety_lines(warnings, previous=previous, language=language)]
        lines += [w["safety_told"], ""]
    if closed:
        lines.append(w["closed_heading"])
        lines += [w["closed_line"].format(what=excerpt(a.what), who=_who(a.owner, r),
                                          meeting=_meeting(a.meeting_date, language)) for a in closed]
        lines.append("")
    if open_actions:
        lines.append(w["open_heading"])
        lines += [
            w["open_line"].format(
                what=excerpt(a.what), who=_who(a.owner, r), when=_when(a.due, r, language),
                meeting=_meeting(a.meeting_date, language), late=w["late"] if a.overdue else "",
            )
            for a in open_actions
        ]
        lines += [w["open_hint"].format(example=example(open_actions[0].what)), ""]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def safety_lines(warnings: Sequence[SafetyWarning], *, previous: str = "",
                 language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Return one sentence per skyddskommitté warning."""
    w = words(FOLLOWUP_TEXTS, language)
    out: list[str] = []
    for warning in warnings:
        if warning is SafetyWarning.NO_SAFETY_REP:
            out.append(w["no_safety_rep"])
        elif warning is SafetyWarning.LONG_GAP:
            out.append(w["long_gap"].format(date=short_date(previous, language)))
    return out


def _action_block(action: Listed, w: Mapping[str, str], r: Mapping[str, str], language: str,
                  left: str = "") -> list[str]:
    lines = [w["what"].format(what=" ".join(action.what.split())),
             w["owner"].format(who=_who(action.owner, r))]
    if action.due:
        lines.append(w["due_line"].format(date=short_date(action.due, language), left=left))
    return lines


def _left(due: str, today: str, w: Mapping[str, str]) -> str:
    days = days_left(due, today)
    if days is None or days < 0:
        return ""
    if days == 0:
        return w["today"]
    return w["tomorrow"] if days == 1 else w["in_days"].format(days=days)


def _tail(archive_url: str | None, w: Mapping[str, str], r: Mapping[str, str]) -> list[str]:
    return ([w["archive"], archive_url, ""] if archive_url else []) + [r["signature"]]


def _hello(name: str, r: Mapping[str, str]) -> str:
    first = name.split()[0] if name.split() else ""
    return r["hello_name"].format(name=first) if first else r["hello"]


def render_reminder(
    action: Listed, meeting: Meeting, *, to_name: str, today: str, archive_url: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> tuple[str, str]:
    """Return the (subject, body) of the reminder an action's owner gets before it is due."""
    w, r = words(FOLLOWUP_TEXTS, language), words(RECEIPT, language)
    subject = w["reminder_subject"].format(what=_short(action.what, SUBJECT_WHAT_CHARS),
                                           date=short_date(action.due, language))
    intro = w["reminder_intro"].format(meeting=meeting_line(meeting, r, language))
    lines = [_hello(to_name, r), "", intro, ""]
    lines += _action_block(action, w, r, language, _left(action.due, today, w))
    lines += ["", w["reminder_done"].format(example=example(action.what)), ""]
    lines += _tail(archive_url, w, r)
    return subject, "\n".join(lines) + "\n"


def render_overdue_notice(
    action: Listed, meeting: Meeting, *, to_name: str, archive_url: str | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> tuple[str, str]:
    """Return the (subject, body) of the notice a manager gets when an action has gone overdue."""
    w, r = words(FOLLOWUP_TEXTS, language), words(RECEIPT, language)
    subject = w["overdue_subject"].format(name=meeting.workplace_name,
                                          what=_short(action.what, SUBJECT_WHAT_CHARS))
    intro = w["overdue_intro"].format(meeting=meeting_line(meeting, r, language),
                                      date=short_date(action.due, language))
    lines = [_hello(to_name, r), "", intro, ""]
    lines += _action_block(action, w, r, language)
    lines += ["", w["overdue_why"].format(example=example(action.what)), ""]
    lines += _tail(archive_url, w, r)
    return subject, "\n".join(lines) + "\n"


def render_safety_notice(
    warnings: Sequence[SafetyWarning], meeting: Meeting, *, to_name: str, previous: str = "",
    archive_url: str | None = None, language: str = DEFAULT_LANGUAGE,
) -> tuple[str, str]:
    """Return the (subject, body) of the notice a manager gets about a skyddskommitté's minutes."""
    w, r = words(FOLLOWUP_TEXTS, language), words(RECEIPT, language)
    subject = w["safety_subject"].format(name=meeting.workplace_name, date=meeting.date or "").strip()
    lines = [_hello(to_name, r), "", w["safety_intro"].format(meeting=meeting_line(meeting, r, language)), ""]
    lines += [f"- {line}" for line in safety_lines(warnings, previous=previous, language=language)]
    lines += ["", w["safety_why"].format(name=meeting.workplace_name), ""]
    lines += _tail(archive_url, w, r)
    return subject, "\n".join(lines) + "\n"


def followup_json(open_actions: Sequence[Listed], closed: Sequence[Listed]) -> dict:
    """Return the ``followup`` key the minutes JSON carries for the distribution mail and the page."""
    return {
        "open": [{"what": a.what, "owner": a.owner, "due": a.due, "meeting_date": a.meeting_date,
                  "overdue": a.overdue} for a in open_actions],
        "closed": [{"what": a.what, "owner": a.owner, "meeting_date": a.meeting_date} for a in closed],
    }


def listed_from_json(data: dict) -> tuple[list[Listed], list[Listed]]:
    """Read the ``followup`` key back: (open, closed); empty lists for minutes without it."""
    def one(x: dict) -> Listed:
        return Listed(str(x.get("what") or ""), str(x.get("owner") or ""), str(x.get("due") or ""),
                      str(x.get("meeting_date") or ""), bool(x.get("overdue")))

    block = data.get("followup") or {}
    return ([one(x) for x in block.get("open") or () if isinstance(x, dict)],
            [one(x) for x in block.get("closed") or () if isinstance(x, dict)])

