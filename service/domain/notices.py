"""The warnings structuring gives the note-taker, by code, in Swedish and English."""

from __future__ import annotations

NOTICES: dict[str, dict[str, str]] = {
    "date_from_header": {
        "sv": "Inget mötesdatum hittades i anteckningarna, så datumet {date} togs från mejlets "
        "sändningsdatum. "
        "Stämmer det inte: skriv till exempel ”Datum: 2026-11-20” överst och skicka igen.",
        "en": "No meeting date was found in the minutes, so {date}, the date the email was sent, was used. "
        "If that is wrong, write for example “Date: 20 November 2026” at the top and send them again.",
    },
    "date_missing": {
        "sv": "Inget mötesdatum hittades. Skriv till exempel ”Datum: 2026-11-20” överst och skicka igen.",
        "en": "No meeting date was found. Write for example “Date: 20 November 2026” at the top and send "
        "them again.",
    },
    "action_without_owner": {
        "sv": "Åtgärden ”{what}” under ”{where}” saknar ansvarig. "
        "Skriv till exempel ”Ansvarig: Anna Svensson”.",
        "en": "The action “{what}” under “{where}” has no owner. Write for example “Owner: Anna Svensson”.",
    },
    "action_due_unreadable": {
        "sv": "Datumet ”{due}” för åtgärden ”{what}” kunde inte läsas. "
        "Skriv till exempel ”Klart: 2026-12-15”.",
        "en": "The due date “{due}” of the action “{what}” could not be read. Write for example "
        "“Due: 15 December 2026”.",
    },
    "action_without_due": {
        "sv": "Åtgärden ”{what}” under ”{where}” saknar datum. Skriv till exempel ”Klart: 2026-12-15”.",
        "en": "The action “{what}” under “{where}” has no due date. "
        "Write for example “Due: 15 December 2026”.",
    },
    "loose_heading_match": {
        "sv": "Rubriken ”{heading}” tolkades som punkt {number} ”{title}”. Stämmer det inte: ändra rubriken "
        "och skicka igen.",
        "en": "The heading “{heading}” was read as item {number} “{title}”. If that is wrong, change the "
        "heading and send the minutes again.",
    },
    "attendance_missing": {
        "sv": "Ingen närvarolista hittades. Skriv till exempel ”Närvarande: Maria Lind, Karin Berg” och "
        "”Frånvarande: …” överst.",
        "en": "No attendance list was found. Write for example “Present: Maria Lind, Karin Berg” and "
        "“Apologies: …” at the top.",
    },
    "attendance_placeholder": {
        "sv": "Närvarolistan fanns inte i anteckningarna (”{value}”), så inga namn på närvarande kom med. "
        "Skriv namnen, till exempel ”Närvarande: Maria Lind, Karin Berg”, och skicka igen.",
        "en": "The attendance list was not in the minutes (“{value}”), so no names of those present were "
        "recorded. Write the names, for example “Present: Maria Lind, Karin Berg”, and send them again.",
    },
    "attendance_from_roster": {
        "sv": "Närvarolistan fanns inte i anteckningarna (”{value}”), så alla i personallistan utom de "
        "frånvarande togs med som närvarande. Stämmer det inte: skriv namnen och skicka igen.",
        "en": "The attendance list was not in the minutes (“{value}”), so everyone on the staff list except "
        "those absent was recorded as present. If that is wrong, write the names and send them again.",
    },
    "closing_cut": {
        "sv": "I slutet togs detta bort som hälsning eller signatur, inte anteckningar: ”{text}”.",
        "en": "This was left out at the end as a greeting or signature, not minutes: “{text}”.",
    },
    "action_list_unplaced": {
        "sv": "Åtgärden ”{what}” i åtgärdslistan kunde inte knytas till någon punkt och ligger under "
        "”{where}”.",
        "en": "The action “{what}” in the action list could not be linked to an item and is under “{where}”.",
    },
    "health_details": {
        "sv": "Anteckningarna under {where} verkar nämna en persons hälsa. Uppgifter om enskildas hälsa hör "
        "inte hemma i minnesanteckningar (GDPR art. 9): ta bort dem och skicka en rättad version.",
        "en": "The minutes under {where} seem to mention a person's health. Health details about individuals "
        "do not belong in minutes (GDPR art. 9): remove them and send a corrected version.",
    },
    "personal_number": {
        "sv": "Anteckningarna under {where} innehåller ett personnummer eller samordningsnummer. Sådana hör "
        "inte hemma i minnesanteckningar: ta bort det och skicka en rättad version.",
        "en": "The minutes under {where} contain a Swedish personal identity number. "
        "Such numbers do not belong "
        "in minutes: remove it and send a corrected version.",
    },
}
"""Warning texts by code and language; ``{…}`` fields are filled in by :func:`notice`."""

WHERE = {
    "sv": {"item": "punkt {number} ”{title}”", "section": "”{heading}”", "preamble": "inledningen"},
    "en": {"item": "item {number} “{title}”", "section": "“{heading}”", "preamble": "the opening"},
}
"""How a warning names the part of the minutes it is about."""


def notice(code: str, language: str, **fields: object) -> dict:
    """Return a warning (code and message) in the workplace's language."""
    texts = NOTICES[code]
    return {"code": code, "message": texts.get(language, texts["sv"]).format(**fields)}


def where(language: str, kind: str, **fields: object) -> str:
    """Name an item, an unplanned section or the opening in a warning."""
    return WHERE.get(language, WHERE["sv"])[kind].format(**fields)
