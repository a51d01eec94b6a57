"""Texts of justering: the approval-request, the reminder, the comment, the notice, the receipt's lines,
and the PDF's "Justerat av … den …".

Plain text in short paragraphs, for a phone; Swedish, or English for a workplace with ``language = "en"``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from service.domain.justering import (
    SOURCE_CONFIGURED,
    SOURCE_MANAGERS,
    SOURCE_NOBODY,
    Approval,
    Choice,
)
from service.domain.minutes import Minutes
from service.domain.receipt import meeting_line, understood_lines
from service.domain.wording import DEFAULT_LANGUAGE, RECEIPT, language_of, long_date, words
from service.domain.workplace import Member

JUSTERING_TEXTS = {
    "sv": {
        "and": " och ",
        "request_subject": "Justera: minnesanteckningar {name} {date}",
        "request_intro": "Du är justerare för minnesanteckningarna från {meeting}.",
        "request_pdf": "Utkastet finns som PDF i mejlet, märkt ”Utkast – ej justerat”.",
        "nobody_else": "Ingen annan får dem förrän alla justerare har godkänt dem.",
        "how_approve": "Stämmer de? Svara på det här mejlet med JUSTERAT på första raden, eller öppna "
        "länken och tryck på knappen:",
        "how_comment": "Ska något ändras? Svara med vad som ska ändras. Det går till "
        "antecknaren{note_taker}, och anteckningarna väntar på en rättad version.",
        "note_taker_named": " ({name})",
        "all_asked": "Justerare: {names}",
        "reminder_subject": "Påminnelse: justera minnesanteckningar {name} {date}",
        "reminder_intro": "Den {date} bad Minnes dig justera minnesanteckningarna från {meeting}. Minnes har "
        "inte fått något svar från dig än.",
        "reminder_pdf": "Utkastet finns som PDF i det första mejlet, som det här är ett svar på.",
        "comment_subject": "Kommentar från justerare: minnesanteckningar {name} {date}",
        "comment_intro": "{who} svarade på förfrågan om att justera minnesanteckningarna från {meeting}, men "
        "godkände dem inte. Svaret:",
        "comment_empty": "(inget annat än svaret självt)",
        "comment_wait": "Anteckningarna skickas inte ut. Rätta dem och skicka hela de rättade anteckningarna "
        "igen, på samma sätt och till samma adress som förut. Den rättade versionen ersätter den här och går "
        "till justering igen.",
        "comment_approved": "Har redan godkänt den här versionen: {names}",
        "comment_waiting": "Har inte svarat än: {names}",
        "notice_subject": "Väntar på justering: minnesanteckningar {name} {date}",
        "notice_intro": "Minnesanteckningarna från {meeting} väntar på justering sedan den {date}. Ingen "
        "annan har fått dem.",
        "notice_waiting": "Har inte svarat, trots två påminnelser:",
        "notice_what": "Be dem svara på förfrågan från Minnes (svaret JUSTERAT räcker), eller be "
        "antecknaren{note_taker} skicka rättade anteckningar med andra justerare.",
        "notice_why": "Du får det här som chef.",
        "receipt_wait": "De skickas inte till någon annan förrän alla justerare har godkänt dem.",
        "receipt_asked": "Justerare som tillfrågas: {names}.",
        "receipt_configured": "Anteckningarna namnger ingen justerare som finns i listan, så de som är "
        "angivna för arbetsplatsen tillfrågas.",
        "receipt_managers": "Anteckningarna namnger ingen justerare som finns i listan, och ingen är angiven "
        "för arbetsplatsen, så chefen tillfrågas.",
        "receipt_not_on_roster": "Finns inte i listan och tillfrågas inte: {names}.",
        "receipt_union_added": "En samverkansgrupps protokoll ska justeras av minst en facklig företrädare, "
        "så även {names} tillfrågas.",
        "receipt_union_missing": "Obs! Ingen av justerarna är facklig företrädare, och ingen finns i listan. "
        "En samverkansgrupps protokoll ska justeras av minst en.",
        "receipt_nobody": "Ingen justerare kunde hittas, så anteckningarna väntar. Skriv ”Justerare: Namn” i "
        "anteckningarna och skicka dem igen.",
        "receipt_comment": "Kommenterar en justerare i stället för att godkänna, får du kommentaren och kan "
        "skicka rättade anteckningar.",
        "pdf_label": "Justering",
        "pdf_line": "Justerat av {people}",
        "pdf_person_date": "{name} den {date}",
        "pdf_names_date": "{names} den {date}",
        "pdf_person_time": "{name}, justerat den {date} kl. {time}",
        "time_format": "%H.%M",
        "draft_mark": "UTKAST – EJ JUSTERAT",
        "draft_band": "Utkast – ej justerat. Skicka det inte vidare.",
        "draft_signature": "Utkastet signeras när alla justerare har godkänt det.",
        "request_signature": "/Minnes (automatiskt meddelande – ditt svar registreras av Minnes)",
    },
    "en": {
        "and": " and ",
        "request_subject": "Please approve: minutes {name} {date}",
        "request_intro": "You are asked to approve the minutes of {meeting}.",
        "request_pdf": "The draft is attached as a PDF, marked “Draft – not yet approved”.",
        "nobody_else": "Nobody else receives them until every approver has approved them.",
        "how_approve": "Are they right? Reply to this email with APPROVED on the first line, or open the "
        "link and press the button:",
        "how_comment": "Should something change? Reply saying what. It goes to the note-taker{note_taker}, "
        "and the minutes wait for a corrected version.",
        "note_taker_named": " ({name})",
        "all_asked": "Approvers: {names}",
        "reminder_subject": "Reminder: please approve minutes {name} {date}",
        "reminder_intro": "On {date} Minnes asked you to approve the minutes of {meeting}. Minnes has not "
        "received your answer yet.",
        "reminder_pdf": "The draft is attached as a PDF to the first email, which this one replies to.",
        "comment_subject": "Comment from an approver: minutes {name} {date}",
        "comment_intro": "{who} answered the request to approve the minutes of {meeting}, but did not "
        "approve them. The answer:",
        "comment_empty": "(nothing but the answer itself)",
        "comment_wait": "The minutes are not sent out. Correct them and send the whole corrected minutes "
        "again, in the same way and to the same address as before. The corrected version replaces this one "
        "and goes to the approvers again.",
        "comment_approved": "Have approved this version already: {names}",
        "comment_waiting": "Have not answered yet: {names}",
        "notice_subject": "Waiting for approval: minutes {name} {date}",
        "notice_intro": "The minutes of {meeting} have been waiting for approval since {date}. Nobody else "
        "has received them.",
        "notice_waiting": "Not answered, despite two reminders:",
        "notice_what": "Ask them to answer Minnes's request (the answer APPROVED is enough), or ask the "
        "note-taker{note_taker} to send corrected minutes naming other approvers.",
        "notice_why": "You receive this as the manager.",
        "receipt_wait": "They are not sent to anyone else until every approver has approved them.",
        "receipt_asked": "Approvers asked: {names}.",
        "receipt_configured": "The minutes name no approver on the roster, so the workplace's configured "
        "approvers are asked.",
        "receipt_managers": "The minutes name no approver on the roster, and none is configured for the "
        "workplace, so the manager is asked.",
        "receipt_not_on_roster": "Not on the roster, so not asked: {names}.",
        "receipt_union_added": "A joint consultation group's minutes must be approved by at least one union "
        "representative, so {names} are asked as well.",
        "receipt_union_missing": "Note: none of the approvers is a union representative, and the roster has "
        "none. A joint consultation group's minutes must be approved by at least one.",
        "receipt_nobody": "No approver could be found, so the minutes wait. Write “Approvers: Name” in the "
        "minutes and send them again.",
        "receipt_comment": "If an approver comments instead of approving, you get the comment and can send "
        "corrected minutes.",
        "pdf_label": "Approval",
        "pdf_line": "Approved by {people}",
        "pdf_person_date": "{name} on {date}",
        "pdf_names_date": "{names} on {date}",
        "pdf_person_time": "{name}, approved on {date} at {time}",
        "time_format": "%H:%M",
        "draft_mark": "DRAFT – NOT YET APPROVED",
        "draft_band": "Draft – not yet approved. Do not pass it on.",
        "draft_signature": "The draft is signed once every approver has approved it.",
        "request_signature": "/Minnes (automatic message – your answer is recorded by Minnes)",
    },
}
"""Words of justering, per language."""


def _w(language: str) -> dict[str, str]:
    return dict(words(JUSTERING_TEXTS, language))


def joined(names: Sequence[str], language: str = DEFAULT_LANGUAGE) -> str:
    """Join names as prose: ``A``, ``A och B``, ``A, B och C``."""
    names = [n for n in names if n]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + _w(language)["and"] + names[-1]


def display_name(member: Member) -> str:
    """Return how a justerare is named in texts: the roster's name, else the address."""
    return member.name or member.email


def _subject(m: Minutes, key: str, w: dict[str, str]) -> str:
    return " ".join(w[key].format(name=m.meeting.workplace_name, date=m.meeting.date or "").split())


def _first(name: str, r: dict[str, str]) -> str:
    first = (name or "").split(" ")[0] if name and "@" not in name else ""
    return r["hello_name"].format(name=first) if first else r["hello"]


def _note_taker(m: Minutes, w: dict[str, str]) -> str:
    name = m.roles.note_taker or m.sender.name or ""
    return w["note_taker_named"].format(name=name) if name else ""


def render_approval_request(
    minutes: Minutes | dict, *, name: str, link: str, asked: Sequence[str], language: str = DEFAULT_LANGUAGE
) -> tuple[str, str]:
    """Return the (subject, body) of the approval-request to one justerare; ``asked`` names them all."""
    m = Minutes.of(minutes)
    w, r = _w(language), dict(words(RECEIPT, language))
    lines = [_first(name, r), "", w["request_intro"].format(meeting=meeting_line(m.meeting, r, language)),
             w["request_pdf"], w["nobody_else"], "", w["how_approve"], "", link, "",
             w["how_comment"].format(note_taker=_note_taker(m, w)), ""]
    if asked:
        lines += [w["all_asked"].format(names=", ".join(asked)), ""]
    lines += understood_lines(m, r, language)
    lines.append(w["request_signature"])
    return _subject(m, "request_subject", w), "\n".join(lines) + "\n"


def render_reminder(
    minutes: Minutes | dict, *, name: str, link: str, asked_on: str, language: str = DEFAULT_LANGUAGE
) -> tuple[str, str]:
    """Return the (subject, body) of a reminder to a justerare who has not answered; ``asked_on`` is ISO."""
    m = Minutes.of(minutes)
    w, r = _w(language), dict(words(RECEIPT, language))
    intro = w["reminder_intro"].format(date=long_date(asked_on, language),
                                       meeting=meeting_line(m.meeting, r, language))
    lines = [_first(name, r), "", intro, w["nobody_else"], "", w["how_approve"], "", link, "",
             w["how_comment"].format(note_taker=_note_taker(m, w)), "", w["reminder_pdf"], "",
             w["request_signature"]]
    return _subject(m, "reminder_subject", w), "\n".join(lines) + "\n"


def render_comment(
    minutes: Minutes | dict, *, who: str, comment: str, approved: Sequence[str] = (),
    waiting: Sequence[str] = (), language: str = DEFAULT_LANGUAGE,
) -> tuple[str, str]:
    """Return the (subject, body) of a justerare's comment to the note-taker, the comment quoted.

    ``who`` names the justerare (name and address); ``approved`` and ``waiting`` the other justerare.
    """
    m = Minutes.of(minutes)
    w, r = _w(language), dict(words(RECEIPT, language))
    quoted = [f"> {line}".rstrip() for line in comment.splitlines()] if comment.strip() else [
        f"> {w['comment_empty']}"]
    intro = w["comment_intro"].format(who=who, meeting=meeting_line(m.meeting, r, language))
    lines = [_first(m.sender.name or "", r), "", intro, "", *quoted, "", w["comment_wait"], ""]
    if approved:
        lines.append(w["comment_approved"].format(names=", ".join(approved)))
    if waiting:
        lines.append(w["comment_waiting"].format(names=", ".join(waiting)))
    if approved or waiting:
        lines.append("")
    lines.append(r["signature"])
    return _subject(m, "comment_subject", w), "\n".join(lines) + "\n"


def render_notice(
    minutes: Minutes | dict, *, waiting: Sequence[str], asked_on: str, language: str = DEFAULT_LANGUAGE
) -> tuple[str, str]:
    """Return the (subject, body) of the notice to a manager: justerare who have not answered in 7 days."""
    m = Minutes.of(minutes)
    w, r = _w(language), dict(words(RECEIPT, language))
    lines = [r["hello"], "", w["notice_intro"].format(meeting=meeting_line(m.meeting, r, language),
                                                      date=long_date(asked_on, language)), "",
             w["notice_waiting"], *[f"- {who}" for who in waiting], "",
             w["notice_what"].format(note_taker=_note_taker(m, w)), "", w["notice_why"], "", r["signature"]]
    return _subject(m, "notice_subject", w), "\n".join(lines) + "\n"


def receipt_lines(choice: Choice, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Return what the receipt says while the minutes wait for justering: who is asked, and why."""
    w = _w(language)
    if choice.source == SOURCE_NOBODY:
        lines = [w["receipt_nobody"]]
        if choice.not_on_roster:
            lines.append(w["receipt_not_on_roster"].format(names=joined(choice.not_on_roster, language)))
        return [*lines, ""]
    lines = [w["receipt_wait"],
             w["receipt_asked"].format(names=joined([display_name(p) for p in choice.justerare], language))]
    if choice.not_on_roster:
        lines.append(w["receipt_not_on_roster"].format(names=joined(choice.not_on_roster, language)))
    if choice.source == SOURCE_CONFIGURED:
        lines.append(w["receipt_configured"])
    elif choice.source == SOURCE_MANAGERS:
        lines.append(w["receipt_managers"])
    if choice.union_added:
        names = joined([display_name(p) for p in choice.union_added], language)
        lines.append(w["receipt_union_added"].format(names=names))
    if choice.union_missing:
        lines.append(w["receipt_union_missing"])
    return [*lines, "", w["receipt_comment"], ""]


def _moment(at: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return None


def justering_line(approved: Sequence[Approval], language: str = DEFAULT_LANGUAGE) -> str:
    """Return ``Justerat av A och B den 5 maj 2026`` (each with a date when the dates differ); '' for none."""
    if not approved:
        return ""
    w = _w(language)
    days = [(_moment(a.at).date().isoformat() if _moment(a.at) else "") for a in approved]
    if len(set(days)) == 1:
        names = joined([a.name for a in approved], language)
        day = long_date(days[0], language)
        people = w["pdf_names_date"].format(names=names, date=day) if day else names
    else:
        people = joined([w["pdf_person_date"].format(name=a.name, date=long_date(d, language)) if d
                         else a.name for a, d in zip(approved, days, strict=True)], language)
    return w["pdf_line"].format(people=people)


def approval_lines(approved: Sequence[Approval], language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Return one line per justerare with the day and time they approved, for the end of the PDF."""
    w = _w(language)
    lines = []
    for a in approved:
        moment = _moment(a.at)
        if moment is None:
            lines.append(a.name)
            continue
        day = long_date(moment.date().isoformat(), language)
        when = moment.strftime(w["time_format"])
        lines.append(w["pdf_person_time"].format(name=a.name, date=day, time=when))
    return lines


def pdf_words(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return the words the PDF uses for justering and for a draft's stamp."""
    return _w(language_of(language))
