"""Texts of the privacy hold and the review window: the hold-notice, and what the receipt says.

Plain text in short lines, for a phone; Swedish, or English for a workplace with ``language = "en"``.
"""

from __future__ import annotations

from service.domain.minutes import Minutes
from service.domain.receipt import excerpt, meeting_line
from service.domain.wording import DEFAULT_LANGUAGE, RECEIPT, words

GATE_TEXTS = {
    "sv": {
        "hold_subject": "Stoppade: minnesanteckningar {name} {date}",
        "hold_intro": "Minnesanteckningarna från {meeting} har inte skickats till någon.",
        "hold_found": "De innehåller uppgifter som inte får gå ut till alla:",
        "hold_personnummer": "- Personnummer{where}: ”{excerpt}”",
        "hold_health": "- Hälsouppgift om en namngiven person{where}: ”{excerpt}”",
        "hold_other": "- Känslig personuppgift{where}: ”{excerpt}”",
        "hold_where": " under punkt {item}",
        "hold_fix": "Så rättar du: ta bort uppgifterna och skicka hela de rättade anteckningarna igen, på "
        "samma sätt och till samma adress. Den rättade versionen ersätter den här och går ut som vanligt.",
        "hold_manager": "Du får det här som chef. Är uppgifterna ändå rätt att sprida kan du släppa "
        "anteckningarna som de är via länken (det registreras):",
        "hold_why": "Personnummer och hälsouppgifter om enskilda hör inte hemma i minnesanteckningar "
        "(GDPR art. 9).",
        "review_until": "De skickas till alla på arbetsplatsen och till skyddsombudet kl. {time} den {date}.",
        "review_stop": "Vill du stoppa dem innan dess? Svara på det här mejlet med STOPP på första raden. "
        "Skickar du rättade anteckningar före dess, går den rättade versionen ut i stället.",
    },
    "en": {
        "hold_subject": "Held: minutes {name} {date}",
        "hold_intro": "The minutes of {meeting} have not been sent to anyone.",
        "hold_found": "They contain details that must not go out to everyone:",
        "hold_personnummer": "- A personal identity number{where}: “{excerpt}”",
        "hold_health": "- A health detail about a named person{where}: “{excerpt}”",
        "hold_other": "- A sensitive personal detail{where}: “{excerpt}”",
        "hold_where": " under item {item}",
        "hold_fix": "To correct it: remove those details and send the whole corrected minutes again, in the "
        "same way and to the same address. The corrected version replaces this one and goes out as usual.",
        "hold_manager": "You receive this as the manager. If the details may be shared after all, you can "
        "release the minutes as they are through the link (this is recorded):",
        "hold_why": "Personal identity numbers and health details about individuals do not belong in minutes "
        "(GDPR Article 9).",
        "review_until": "They will be sent to everyone at the workplace and to the safety representative at "
        "{time} on {date}.",
        "review_stop": "Want to stop them before then? Reply to this email with STOP on the first line. If "
        "you send corrected minutes before then, the corrected version goes out instead.",
    },
}
"""Words of the privacy hold and the review window."""


def render_hold_notice(
    minutes: Minutes | dict, *, release_link: str | None = None, language: str = DEFAULT_LANGUAGE
) -> tuple[str, str]:
    """Return the (subject, body) of a hold-notice; ``release_link`` only in the manager's copy."""
    m = Minutes.of(minutes)
    w, r = words(GATE_TEXTS, language), words(RECEIPT, language)
    subject = w["hold_subject"].format(name=m.meeting.workplace_name, date=m.meeting.date or "").strip()
    lines = [r["hello"], "", w["hold_intro"].format(meeting=meeting_line(m.meeting, r, language)), "",
             w["hold_found"]]
    for finding in m.privacy:
        key = {"personnummer": "hold_personnummer", "health": "hold_health"}.get(finding.code, "hold_other")
        where = w["hold_where"].format(item=finding.item) if finding.item is not None else ""
        lines.append(w[key].format(where=where, excerpt=excerpt(finding.excerpt)))
    lines += ["", w["hold_why"], "", w["hold_fix"], ""]
    if release_link:
        lines += [w["hold_manager"], "", release_link, ""]
    lines.append(r["signature"])
    return subject, "\n".join(lines) + "\n"


def review_lines(*, until_date: str, until_time: str, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Return what the receipt says about the review window: when the minutes go out, and how to stop."""
    w = words(GATE_TEXTS, language)
    return [w["review_until"].format(time=until_time, date=until_date), w["review_stop"]]
