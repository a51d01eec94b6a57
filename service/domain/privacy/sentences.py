"""Sentences of a draft's text: full stops of abbreviations, times and initials, wrapped lines and
bullets taken into account."""

from __future__ import annotations

import re

_BREAK = re.compile(r"[.!?…]+[\"'”’»)\]]*|[\n\t|•]")
_ABBREVIATIONS = frozenset(
    "kl ca ev resp nr tel tfn mob st jfr enl ang inkl exkl bl dr mr mrs ms prof approx no vs fr tom".split()
)
_BULLET = re.compile(r"[-–—*•·]\s+")


def _is_abbreviation(text: str, lo: int, pos: int) -> bool:
    """Tell whether the word ending at the full stop at pos is an abbreviation or an initial."""
    k = text.rfind(" ", max(lo, pos - 30), pos)
    word = text[k + 1 if k >= 0 else max(lo, pos - 30):pos].lstrip("([\"'“”«")
    return "." in word or (len(word) == 1 and word.isupper()) or word.casefold() in _ABBREVIATIONS


def _continues(text: str, lo: int, nl: int) -> bool:
    """Tell whether the line break at nl only wraps a sentence (no end mark before, lower case after)."""
    i = nl - 1
    while i >= lo and text[i] in " \r\u00a0":
        i -= 1
    j = nl + 1
    while j < len(text) and text[j] in " \u00a0":
        j += 1
    return i >= lo and text[i] not in ".!?:;…" and j < len(text) and text[j].islower()


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) spans of text's sentences, trimmed of spaces and bullets."""
    spans: list[tuple[int, int]] = []

    def add(a: int, b: int) -> None:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        bullet = _BULLET.match(text, a, b)
        if bullet:
            a = bullet.end()
        if a < b:
            spans.append((a, b))

    start = 0
    for m in _BREAK.finditer(text):
        ch, end = m.group()[0], m.end()
        if ch == "\n" and _continues(text, start, m.start()):
            continue
        if ch in ".!?…":
            if end < len(text) and not text[end].isspace():
                continue  # 9.00, t.ex, 2/11.5
            if ch in ".…":
                j = end
                while j < len(text) and text[j].isspace():
                    j += 1
                if j < len(text) and (text[j].islower() or text[j].isdigit()):
                    continue  # kl. 13, ca. 20, etc. och
                if _is_abbreviation(text, start, m.start()):
                    continue  # t.ex. Sara, bl.a. Maria
            add(start, end)
        else:
            add(start, m.start())
        start = end
    add(start, len(text))
    return spans
