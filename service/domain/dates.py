"""Dates and times as Swedish drafts write them: ISO, ``20 november 2026``, ``20/11``, ``kl. 13.00-14.30``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4,
    "maj": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augusti": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
"""Swedish month names and their usual abbreviations."""

MONTHS_EN = {
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8,
    "october": 10, "oct": 10, "sep": 9, "sept": 9,
}
"""English month names that differ from the Swedish ones (``april``, ``november`` … are shared)."""

_ALL_MONTHS = {**MONTHS, **MONTHS_EN}

_MONTH_ALT = "|".join(sorted(_ALL_MONTHS, key=len, reverse=True))
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_COMPACT = re.compile(r"(?<![\d-])(20\d{2})(\d{2})(\d{2})(?![\d-])")
_NAMED = re.compile(
    rf"(?<!\w)(\d{{1,2}})(?::e|:a|st|nd|rd|th)?\.?\s+(?:of\s+)?({_MONTH_ALT})\.?,?(?:\s+(\d{{4}}))?(?!\w)",
    re.IGNORECASE,
)
_EN_ALT = "january|february|march|april|may|june|july|august|september|october|november|december|" \
    "jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec"
_MONTH_FIRST = re.compile(
    rf"(?<!\w)({_EN_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(\d{{4}}))?(?![\w:.]\d)",
    re.IGNORECASE,
)
_SLASH = re.compile(r"(?<![\d/.-])(\d{1,2})/(\d{1,2})(?:[/-]((?:19|20)?\d{2}))?(?![\d/])")
_DOTTED = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])")
_TIME = r"([01]?\d|2[0-3])(?:[.:]([0-5]\d))?"
_RANGE = re.compile(rf"(?<![\d.:/-]){_TIME}\s*(?:-|–|—|till|to)\s*{_TIME}(?![\d:/-])")
_KL_TIME = re.compile(rf"\bkl(?:ockan|\.)?\s*{_TIME}(?![\d:/-])", re.IGNORECASE)
_CLOCK = re.compile(r"(?<![\d.:/-])([01]?\d|2[0-3])[.:]([0-5]\d)(?![\d:/-])")
_MERIDIEM = r"\s*([ap])\.?m\.?(?!\w)"
_AMPM_RANGE = re.compile(
    rf"(?<![\d.:/-])(1[0-2]|0?[1-9])(?:[.:]([0-5]\d))?(?:{_MERIDIEM})?\s*(?:-|–|—|to|until)\s*"
    rf"(1[0-2]|0?[1-9])(?:[.:]([0-5]\d))?{_MERIDIEM}",
    re.IGNORECASE,
)
_AMPM = re.compile(rf"(?<![\d.:/-])(1[0-2]|0?[1-9])(?:[.:]([0-5]\d))?{_MERIDIEM}", re.IGNORECASE)


def _clock24(hour: str, minute: str | None, meridiem: str | None) -> str:
    h = int(hour) % 12 + (12 if (meridiem or "").casefold() == "p" else 0)
    return f"{h:02d}:{int(minute or 0):02d}"


@dataclass(frozen=True)
class FoundDate:
    """A date found in text."""

    day: int
    """Day of month."""

    month: int
    """Month, 1–12."""

    year: int | None
    """The year when the text gave one."""

    start: int
    """Where in the text the date begins (for ordering)."""


def find_dates(text: str) -> list[FoundDate]:
    """Return the dates written in a text, in order, with or without a year."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], year: int | None, month: int, day: int) -> None:
        if any(a < m.end() and m.start() < b for a, b in taken):
            return
        taken.append((m.start(), m.end()))
        found.append(FoundDate(day, month, year, m.start()))

    for m in _ISO.finditer(text):
        add(m, int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for m in _COMPACT.finditer(text):
        add(m, int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for m in _DOTTED.finditer(text):
        add(m, int(m.group(3)), int(m.group(2)), int(m.group(1)))
    for m in _NAMED.finditer(text):
        add(m, int(m.group(3)) if m.group(3) else None, _ALL_MONTHS[m.group(2).casefold()], int(m.group(1)))
    for m in _MONTH_FIRST.finditer(text):
        if m.group(1)[:1].isupper() or m.group(3):
            year = int(m.group(3)) if m.group(3) else None
            add(m, year, _ALL_MONTHS[m.group(1).casefold()], int(m.group(2)))
    for m in _SLASH.finditer(text):
        year = m.group(3)
        y = None if year is None else int(year) + (2000 if len(year) == 2 else 0)
        add(m, y, int(m.group(2)), int(m.group(1)))
    found = [f for f in found if _valid(f)]
    found.sort(key=lambda f: f.start)
    return found


def _valid(f: FoundDate) -> bool:
    try:
        dt.date(f.year or 2000, f.month, f.day)  # 2000 is a leap year: 29/2 without a year is valid
    except ValueError:
        return False
    return f.year is None or 1990 <= f.year <= 2100


def _make(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def resolve_nearest(found: FoundDate, reference: dt.date) -> dt.date | None:
    """Return the date, choosing a missing year so that it lies nearest the reference date."""
    if found.year is not None:
        return _make(found.year, found.month, found.day)
    options = [d for y in (reference.year - 1, reference.year, reference.year + 1)
               if (d := _make(y, found.month, found.day))]
    return min(options, key=lambda d: (abs((d - reference).days), d)) if options else None


def resolve_on_or_after(found: FoundDate, reference: dt.date) -> dt.date | None:
    """Return the date, choosing a missing year so that it is the first on or after the reference."""
    if found.year is not None:
        return _make(found.year, found.month, found.day)
    for y in (reference.year, reference.year + 1, reference.year + 2, reference.year + 4):
        d = _make(y, found.month, found.day)
        if d and d >= reference:
            return d
    return None


def _hhmm(hour: str, minute: str | None) -> str:
    return f"{int(hour):02d}:{int(minute or 0):02d}"


def find_times(text: str) -> tuple[str | None, str | None]:
    """Return the (start, end) times a text gives, as ``HH:MM``; a range such as ``13.00-14.30`` wins."""
    m = _AMPM_RANGE.search(text)
    if m:
        end = _clock24(m.group(4), m.group(5), m.group(6))
        start_meridiem = m.group(3) or m.group(6)
        start = _clock24(m.group(1), m.group(2), start_meridiem)
        if start > end and not m.group(3):
            start = _clock24(m.group(1), m.group(2), "a")
        return start, end
    m = _AMPM.search(text)
    if m:
        return _clock24(m.group(1), m.group(2), m.group(3)), None
    for m in _RANGE.finditer(text):
        if m.group(2) or m.group(4) or re.search(r"\bkl", text[max(0, m.start() - 8):m.start()], re.I):
            return _hhmm(m.group(1), m.group(2)), _hhmm(m.group(3), m.group(4))
    m = _KL_TIME.search(text)
    if m:
        return _hhmm(m.group(1), m.group(2)), None
    m = _CLOCK.search(text)
    if m:
        return _hhmm(m.group(1), m.group(2)), None
    return None, None
