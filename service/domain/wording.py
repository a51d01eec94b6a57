"""Swedish and English wording and date formats shared by the mails, the PDF and the pages.

Every table is keyed by language (``sv`` or ``en``, as a workplace's ``language`` says) and then by
what the text is for; :func:`words` picks one language's table, Swedish for anything unknown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

DEFAULT_LANGUAGE = "sv"
"""The language of a workplace that names none, and of everything said before a workplace is known."""

MONTHS = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)  # fmt: skip
"""Swedish month names."""

MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
"""English month names."""


def language_of(value: object) -> str:
    """Return ``en`` for English and the default (Swedish) for anything else."""
    return "en" if value == "en" else DEFAULT_LANGUAGE


def words(table: Mapping[str, Mapping[str, str]], language: object) -> Mapping[str, str]:
    """Return one language's entries of a wording table."""
    return table[language_of(language)]


def long_date(iso: str | None, language: object = DEFAULT_LANGUAGE) -> str:
    """Return ``20 november 2026`` or ``20 November 2026`` for ``2026-11-20``; '' for none; text as is."""
    if not iso:
        return ""
    try:
        day = dt.date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    months = MONTHS_EN if language_of(language) == "en" else MONTHS
    return f"{day.day} {months[day.month - 1]} {day.year}"


def swedish_date(iso: str | None) -> str:
    """Return ``20 november 2026`` for ``2026-11-20``; '' when there is no date; unparsable as is."""
    return long_date(iso, "sv")


def short_date(iso: str | None, language: object = DEFAULT_LANGUAGE) -> str:
    """Return a date as a receipt or action table shows it: ISO in Swedish, ``9 March 2027`` in English."""
    if language_of(language) == "en":
        return long_date(iso, "en")
    return str(iso or "")


MEETING_PHRASES = {
    "sv": {"apt": "arbetsplatsträffen", "samverkansgrupp": "samverkansgruppens möte", "": "mötet"},
    "en": {"apt": "the workplace meeting", "samverkansgrupp": "the joint consultation group meeting",
           "": "the meeting"},
}
"""How prose names the meeting, by workplace kind ('' for an unknown kind)."""


def meeting_phrase(kind: str | None, language: object) -> str:
    """Return ``arbetsplatsträffen`` or ``the workplace meeting`` for a kind of meeting."""
    table = words(MEETING_PHRASES, language)
    return table.get(kind or "", table[""])


OTHER_QUESTIONS = {"sv": "Övriga frågor", "en": "Any other business"}
"""The agenda item that unplanned sections are placed under."""

OTHER_QUESTIONS_TITLES = {
    "sv": ("övriga frågor",),
    "en": ("any other business", "aob", "other business", "other matters", "other questions",
           "övriga frågor"),
}
"""Agenda titles (case-folded) that are that item, per workplace language."""


def is_other_questions(title: object, language: object) -> bool:
    """Tell whether an agenda title is the item unplanned sections go under."""
    return str(title or "").strip().casefold() in words(OTHER_QUESTIONS_TITLES, language)


RECEIPT = {
    "sv": {
        "subject": "Kvitto: minnesanteckningar",
        "hello_name": "Hej {name}!",
        "hello": "Hej!",
        "received": "Tack! Minnes har tagit emot minnesanteckningarna från {meeting}.",
        "meeting_of": "{kind} i {name}",
        "workplace": "arbetsplatsen",
        "on_date": "den {date}",
        "at_time": "kl. {span}",
        "sent_to_all": "De skickas nu till alla på arbetsplatsen och till skyddsombudet.",
        "understood": "Så här förstods de:",
        "present": "Närvarande ({count}): {names}",
        "absent": "Frånvarande ({count}): {names}",
        "place": "Plats: {place}",
        "chair": "Ordförande: {name}",
        "note_taker": "Antecknare: {name}",
        "adjusters": "Justerare: {names}",
        "agenda": "DAGORDNINGEN",
        "not_covered": "– {number}. {title}: inga anteckningar",
        "covered": "✓ {number}. {title}",
        "heading_was": "   (rubriken ”{heading}”)",
        "decision": "Beslut: {text}",
        "action": "Åtgärd: {what} ({who}, {when})",
        "no_owner": "ansvarig saknas",
        "due": "senast {date}",
        "no_due": "datum saknas",
        "missing_one": "Punkt {numbers} saknar anteckningar. Stämmer det inte, kontrollera rubrikerna.",
        "missing_many": "Punkt {numbers} saknar anteckningar. Stämmer det inte, kontrollera rubrikerna.",
        "unplanned": "ANDRA RUBRIKER (hamnar under Övriga frågor)",
        "privacy": "UPPGIFTER SOM INTE HÖR HEMMA I MINNESANTECKNINGAR",
        "privacy_item": "Under punkt {item}",
        "privacy_elsewhere": "Utanför dagordningens punkter",
        "privacy_personnummer": "{where} finns ett personnummer: ”{excerpt}”",
        "privacy_health": "{where} finns en hälsouppgift om en namngiven person: ”{excerpt}”",
        "privacy_other": "{where} finns en känslig personuppgift: ”{excerpt}”",
        "privacy_why": "Personnummer och hälsouppgifter om enskilda personer hör inte hemma i "
        "minnesanteckningar (GDPR art. 9). Ta bort dem och skicka de rättade anteckningarna igen.",
        "warnings": "ATT KONTROLLERA",
        "archive": "Minnesanteckningarna i arkivet:",
        "correction": "Behöver något rättas? Skicka hela de rättade anteckningarna igen, på samma sätt och "
        "till samma adress som förut. Den nya versionen ersätter den här och skickas ut på nytt, märkt som "
        "rättad.",
        "signature": "/Minnes (automatiskt meddelande – svar läses inte av någon människa)",
        "rejected_subject": "Kunde inte tas emot: {subject}",
        "rejected_title": "Minnesanteckningarna kunde inte tas emot",
        "rejected_about": " (”{subject}”)",
        "rejected": "Minnes kunde inte ta emot meddelandet du skickade{about}.",
        "none_sent": "Inga minnesanteckningar har skickats ut.",
        "why": "Varför och vad du kan göra:",
        "unknown_error": "Okänt fel. Försök igen, eller kontakta den som administrerar Minnes.",
        "questions": "Frågor? Kontakta din chef eller den som administrerar Minnes.",
        "confirm_subject": "Bekräfta: minnesanteckningar",
        "confirm_received": "Minnes har tagit emot minnesanteckningar från {meeting}, skickade i ditt namn.",
        "confirm_why": "E-postsystemet kunde inte intyga att de verkligen kommer från dig, så de skickas "
        "inte till någon förrän du har bekräftat dem.",
        "confirm_how": "Skickade du dem? Svara på det här mejlet med OK på första raden, eller öppna "
        "länken och tryck på knappen:",
        "confirm_stop": "Svara NEJ om du inte skickade dem, så stoppas de.",
        "confirm_expires": "Utan bekräftelse tas utkastet bort efter {date}.",
        "confirm_not_you": "Har du inte skickat några minnesanteckningar? Då kan du bortse från det här "
        "mejlet eller svara NEJ; ingen annan har fått dem.",
    },
    "en": {
        "subject": "Receipt: minutes",
        "hello_name": "Hello {name},",
        "hello": "Hello,",
        "received": "Thank you! Minnes has received the minutes of {meeting}.",
        "meeting_of": "{kind} of {name}",
        "workplace": "the workplace",
        "on_date": "on {date}",
        "at_time": "at {span}",
        "sent_to_all": "They are now being sent to everyone at the workplace and to the safety "
        "representative.",
        "understood": "This is how they were understood:",
        "present": "Present ({count}): {names}",
        "absent": "Absent ({count}): {names}",
        "place": "Place: {place}",
        "chair": "Chair: {name}",
        "note_taker": "Note-taker: {name}",
        "adjusters": "Approvers: {names}",
        "agenda": "AGENDA",
        "not_covered": "– {number}. {title}: not covered",
        "covered": "✓ {number}. {title}",
        "heading_was": "   (heading “{heading}”)",
        "decision": "Decision: {text}",
        "action": "Action: {what} ({who}, {when})",
        "no_owner": "no owner given",
        "due": "due {date}",
        "no_due": "no due date",
        "missing_one": "Item {numbers} has no notes. If that is wrong, check the headings.",
        "missing_many": "Items {numbers} have no notes. If that is wrong, check the headings.",
        "unplanned": "OTHER HEADINGS (placed under Any other business)",
        "privacy": "DETAILS THAT DO NOT BELONG IN MINUTES",
        "privacy_item": "Under item {item}",
        "privacy_elsewhere": "Outside the agenda items",
        "privacy_personnummer": "{where} there is a personal identity number (personnummer): “{excerpt}”",
        "privacy_health": "{where} there is a health detail about a named person: “{excerpt}”",
        "privacy_other": "{where} there is a sensitive personal detail: “{excerpt}”",
        "privacy_why": "Personal identity numbers and health details about individuals do not belong in "
        "minutes (GDPR Article 9). Please remove them and send the corrected minutes again.",
        "warnings": "PLEASE CHECK",
        "archive": "The minutes in the archive:",
        "correction": "Does anything need correcting? Send the whole corrected minutes again, in the same "
        "way and to the same address as before. The new version replaces this one and is sent out again, "
        "marked as corrected.",
        "signature": "/Minnes (automatic message – replies are not read by a person)",
        "rejected_subject": "Could not be accepted: {subject}",
        "rejected_title": "The minutes could not be accepted",
        "rejected_about": " (“{subject}”)",
        "rejected": "Minnes could not accept the message you sent{about}.",
        "none_sent": "No minutes have been sent out.",
        "why": "Why, and what you can do:",
        "unknown_error": "Unknown error. Please try again, or contact whoever runs Minnes.",
        "questions": "Questions? Contact your manager or whoever runs Minnes.",
        "confirm_subject": "Please confirm: minutes",
        "confirm_received": "Minnes has received minutes of {meeting}, sent in your name.",
        "confirm_why": "The mail system could not vouch that they really come from you, so they go to "
        "nobody until you confirm them.",
        "confirm_how": "Did you send them? Reply to this email with OK on the first line, or open the link "
        "and press the button:",
        "confirm_stop": "Reply NO if you did not send them, and they are stopped.",
        "confirm_expires": "Unless confirmed, the draft is dropped after {date}.",
        "confirm_not_you": "Did you not send any minutes? Then ignore this email or reply NO; nobody "
        "else has received them.",
    },
}
"""The note-taker's receipt and rejection."""

MAIL = {
    "sv": {
        "subject": "Minnesanteckningar",
        "corrected": " (rättad version {version})",
        "filename": "minnesanteckningar-{id}-{date}{suffix}.pdf",
        "undated": "odaterat",
        "where_item": "punkt {number}, {title}",
        "where_other": "Övriga frågor: {heading}",
        "no_owner": "inte angiven",
        "no_due": "inget datum angivet",
        "or": " eller ",
        "report_subject": "Leveransrapport: {subject} – {count} nåddes inte",
        "one_person": "en person",
        "people": "{count} personer",
        "distribution_template": "distribution.txt.j2",
        "report_template": "delivery_report.txt.j2",
    },
    "en": {
        "subject": "Minutes",
        "corrected": " (corrected version {version})",
        "filename": "minutes-{id}-{date}{suffix}.pdf",
        "undated": "undated",
        "where_item": "item {number}, {title}",
        "where_other": "Any other business: {heading}",
        "no_owner": "not given",
        "no_due": "no date given",
        "or": " or ",
        "report_subject": "Delivery report: {subject} – {count} not reached",
        "one_person": "one person",
        "people": "{count} people",
        "distribution_template": "distribution.en.txt.j2",
        "report_template": "delivery_report.en.txt.j2",
    },
}
"""The distribution mail and the delivery report (their bodies are in ``templates/mail``)."""

REASONS = {
    "sv": {
        "no_such_address": "adressen finns inte hos mottagarens e-postserver",
        "no_such_domain": "adressens domän går inte att nå",
        "mailbox_full": "mottagarens brevlåda är full",
        "policy": "mottagarens e-postserver vägrade ta emot meddelandet (spärr eller policy)",
        "gave_up": "mottagarens e-postserver svarade inte eller bad om nytt försök, och tiden för försök "
        "gick ut",
        "refused": "mottagarens e-postserver vägrade ta emot meddelandet",
        "unknown": "okänd orsak",
    },
    "en": {
        "no_such_address": "the address does not exist on the recipient's mail server",
        "no_such_domain": "the address's domain cannot be reached",
        "mailbox_full": "the recipient's mailbox is full",
        "policy": "the recipient's mail server refused the message (a block or a policy)",
        "gave_up": "the recipient's mail server did not answer or asked to try again later, and the time for "
        "retrying ran out",
        "refused": "the recipient's mail server refused the message",
        "unknown": "unknown reason",
    },
}
"""Why a recipient was not reached, in plain words, by kind of server answer."""

PDF = {
    "sv": {
        "lang": "sv-SE",
        "kind_apt": "Arbetsplatsträff (APT)",
        "kind_samverkansgrupp": "Samverkansgrupp",
        "subtitle": "Minnesanteckningar – {kind}",
        "title": "Minnesanteckningar {name} {date}",
        "footer": "{name} – minnesanteckningar {date}",
        "page": "sida {page} av {total}",
        "date": "Datum",
        "time": "Tid",
        "until": "till {end}",
        "place": "Plats",
        "organisation": "Organisation",
        "version": "Version",
        "version_text": "{version} (ersätter tidigare version)",
        "version_replaces": "{version}, ersätter version {old} av den {date}",
        "archive": "Arkiv",
        "attendance": "Närvaro och roller",
        "present": "Närvarande",
        "absent": "Frånvarande",
        "chair": "Ordförande",
        "note_taker": "Antecknare",
        "adjusters": "Justerare",
        "safety_reps": "Skyddsombud",
        "no_safety_rep": "Inget skyddsombud angivet",
        "decisions": "Beslut",
        "action": "Åtgärd",
        "owner": "Ansvarig",
        "due": "Klart senast",
        "item": "Punkt",
        "no_owner": "Ej angiven",
        "item_heading": "§ {number} {title}",
        "item_ref": "§ {number}",
        "unplanned_ref": "{other}: {heading}",
        "other": "Övrigt",
        "no_notes": "Inga anteckningar.",
        "not_covered": "Punkten behandlades inte.",
        "actions": "Sammanställning av åtgärder",
        "no_actions": "Inga åtgärder beslutades.",
        "signature": "Elektronisk underskrift",
    },
    "en": {
        "lang": "en-GB",
        "kind_apt": "Workplace meeting",
        "kind_samverkansgrupp": "Joint consultation group",
        "subtitle": "Minutes of {meeting} of {name}",
        "subtitle_date": "Minutes of {meeting} of {name} on {date}",
        "title": "Minutes {name} {date}",
        "footer": "{name} – minutes {date}",
        "page": "page {page} of {total}",
        "date": "Date",
        "time": "Time",
        "until": "until {end}",
        "place": "Place",
        "organisation": "Organisation",
        "version": "Version",
        "version_text": "{version} (replaces the earlier version)",
        "version_replaces": "{version}, replaces version {old} of {date}",
        "archive": "Archive",
        "attendance": "Attendance and roles",
        "present": "Present",
        "absent": "Absent",
        "chair": "Chair",
        "note_taker": "Note-taker",
        "adjusters": "Approvers",
        "safety_reps": "Safety representative",
        "no_safety_rep": "No safety representative named",
        "decisions": "Decisions",
        "action": "Action",
        "owner": "Owner",
        "due": "Due",
        "item": "Item",
        "no_owner": "Not given",
        "item_heading": "{number}. {title}",
        "item_ref": "{number}",
        "unplanned_ref": "{other}: {heading}",
        "other": "Other",
        "no_notes": "No notes.",
        "not_covered": "Not covered.",
        "actions": "Summary of actions",
        "no_actions": "No actions were agreed.",
        "signature": "Electronic signature",
    },
}
"""Labels and headings of the minutes PDF (the page uses the same words through ``service.web.i18n``)."""

STAMP = {
    "sv": {
        "signed_by": "Elektroniskt signerad av",
        "time": "Tidpunkt: {when}",
        "verify_url": "Kontrollera äktheten: {url}",
        "verify_cli": "Signaturen kan kontrolleras med <i>minnes verify</i>.",
        "clock": "%Y-%m-%d kl. %H:%M",
    },
    "en": {
        "signed_by": "Electronically signed by",
        "time": "Time: {when}",
        "verify_url": "Check authenticity: {url}",
        "verify_cli": "The signature can be checked with <i>minnes verify</i>.",
        "clock": "{day} {month} %Y, %H:%M",
    },
}
"""The visible signature block drawn when the PDF is signed."""


def signing_time(moment: dt.datetime, language: object) -> str:
    """Return a signing time as the stamp shows it: ``2026-11-20 kl. 14:31``, ``20 May 2026, 14:31``."""
    pattern = words(STAMP, language)["clock"]
    pattern = pattern.format(day=moment.day, month=MONTHS_EN[moment.month - 1])
    return moment.strftime(pattern)
