"""When and where a meeting was: from the fields, the title line and the opening sentences."""

from __future__ import annotations

import datetime as dt
import re

from service.domain.dates import find_dates, find_times, resolve_nearest
from service.domain.document import Line
from service.domain.preamble import Preamble, place_of

OPENING_LINES = 15
"""How many lines of the opening may give the time or place when no field does."""

_ROOM = re.compile(
    r"\b(?:i\s+lokalen|i\s+lokal|i\s+rummet|i\s+rum|i\s+sal(?:en)?|i\s+konferensrummet|i\s+samlingssalen|"
    r"i\s+sammanträdesrummet|in\s+(?:the\s+)?(?:room|meeting\s+room|conference\s+room)|in\s+room|at\s+the\s+)"
    r"\s*(?P<place>[A-ZÅÄÖ0-9][\w\-]*(?:\s[A-ZÅÄÖ0-9][\w\-]*){0,3})",
)
_ROOM_PART = re.compile(
    r"(?:^|[,–—-]\s*)(?P<place>(?i:rum|sal|lokal|lokalen|room|konferensrum\w*|sammanträdesrum\w*|"
    r"meeting\s+room|conference\s+room)\s+[A-ZÅÄÖ0-9][\w\-]*(?:\s[A-ZÅÄÖ0-9][\w\-]*){0,2})\s*(?:[,.]|$)"
)
_TIME_HINT = re.compile(r"\d[.:]\d\d\s*[-–]|\d\s*[ap]\.?m\b")
_TIME_FIRST = re.compile(
    r"^(?:kl(?:ockan|\.)?|tid|time)?\s*\d{1,2}(?:[.:]\d{2})?\s*(?:[-–—]\s*\d{1,2}(?:[.:]\d{2})?)?"
    r"\s*,\s*(?P<rest>.+)$",
    re.IGNORECASE,
)


def meeting_date(pre: Preamble, preamble: list[Line], subject: str, reference: dt.date) -> dt.date | None:
    """Return the meeting date: a date field, then the title or opening lines, then the subject."""
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
    for found in find_dates(subject):
        d = resolve_nearest(found, reference)
        if d:
            return d
    return None


def meeting_times(pre: Preamble, preamble: list[Line]) -> tuple[str | None, str | None]:
    """Return the meeting's start and end as ``HH:MM``: a time field, else ``kl. …`` in the opening."""
    for text in pre.time_texts:
        start, end = find_times(text)
        if start:
            return start, end
    for i, ln in enumerate(preamble[:OPENING_LINES]):
        low = ln.text.casefold()
        if i not in pre.used and ("kl" in low or " at " in low or _TIME_HINT.search(low)):
            start, end = find_times(ln.text)
            if start:
                return start, end
    return None, None


def meeting_place(pre: Preamble, preamble: list[Line]) -> str | None:
    """Return the place: a place field, ``i lokalen Kajen``, or what follows the time on its own line."""
    if pre.place:
        return pre.place
    for i, ln in enumerate(preamble[:OPENING_LINES]):
        if i in pre.used or not ln.text:
            continue
        m = _ROOM.search(ln.text) or _ROOM_PART.search(ln.text)
        if m:
            return m.group("place").strip(" .,")
        m = _TIME_FIRST.match(ln.text)
        if m:
            place = place_of(m.group("rest"))
            if place and len(place.split()) <= 6:
                return place
    return None
