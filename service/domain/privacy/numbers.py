"""Personnummer and samordningsnummer in any common form: a real date, a valid check digit, not inside
longer digit runs."""

from __future__ import annotations

import re

_NUMBER = re.compile(
    r"(?<!\w)(?<!\d[-+/.,:\u2010-\u2015])"
    r"(?P<century>19|20)?(?P<date>\d{6})(?P<sep>[-+\u2010-\u2015\u2212 \u00a0]?)(?P<serial>\d{4})"
    r"(?!\w)(?![-+/.,:\u2010-\u2015]\d)"
)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _real_date(year: int, month: int, day: int) -> bool:
    """Tell whether the date exists; a day over 60 is a samordningsnummer's."""
    if day > 60:
        day -= 60
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS[month - 1]:
        return False
    return not (month == 2 and day == 29) or (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))


def _luhn(digits: str) -> bool:
    """Tell whether the last digit is the Luhn check digit of the others."""
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 - i % 2)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _valid(m: re.Match[str]) -> bool:
    """Tell whether a number shaped like a personnummer has a real date and a valid check digit."""
    date = m.group("date")
    yy = int(date[:2])
    year = int(m.group("century") + date[:2]) if m.group("century") else 2000 + yy
    return _real_date(year, int(date[2:4]), int(date[4:])) and _luhn(date + m.group("serial"))


def number_spans(text: str) -> list[tuple[int, int]]:
    """Return the spans of the valid personnummer and samordningsnummer in text."""
    return [m.span() for m in _NUMBER.finditer(text) if _valid(m)]


def find_personal_numbers(text: str) -> list[str]:
    """Return the personnummer and samordningsnummer in text, as written, in order."""
    return [text[a:b] for a, b in number_spans(text)]
