"""A draft as lines of text, with the heading hints its source gave (HTML, Word styles, markdown)."""

from __future__ import annotations

import re
from dataclasses import dataclass

HINT_NONE = ""
"""No hint: a line of plain text."""

HINT_HEADING = "heading"
"""The source marked the line as a heading (HTML h1–h6, a document heading style, markdown #)."""

HINT_BOLD = "bold"
"""The line is a paragraph that is wholly bold."""

MAX_LINE_CHARS = 5000
"""Longer lines are cut: no note-taker writes them, and they only slow the rules down."""

MAX_LINES = 20000
"""Drafts longer than this are cut; no minutes are that long."""


@dataclass(frozen=True)
class Line:
    """One line (or paragraph) of a draft."""

    text: str
    """The text, stripped of surrounding whitespace; '' for a blank line."""

    hint: str = HINT_NONE
    """:data:`HINT_HEADING`, :data:`HINT_BOLD` or :data:`HINT_NONE`."""

    @property
    def blank(self) -> bool:
        """Tell whether the line is empty."""
        return not self.text


_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BOLD_WRAP = re.compile(r"^(\*\*|__)(?P<inner>[^*_].*?)(\*\*|__):?$")
_EMPHASIS = re.compile(r"\*\*|__")


def tidy(text: str) -> str:
    """Return text with runs of spaces (including no-break spaces) collapsed and ends stripped."""
    return _SPACES.sub(" ", text).strip()


def lines_from_text(text: str) -> list[Line]:
    """Split plain text (or markdown) into lines; a wholly bold markdown line gets a bold hint."""
    lines: list[Line] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:MAX_LINES]:
        t = tidy(raw[:MAX_LINE_CHARS].replace("\ufeff", "").replace("\u200e", ""))
        hint = HINT_NONE
        m = _BOLD_WRAP.match(t)
        if m and "**" not in m.group("inner") and "__" not in m.group("inner"):
            t, hint = m.group("inner").strip(), HINT_BOLD
        elif "**" in t or "__" in t:
            t = tidy(_EMPHASIS.sub("", t))
        lines.append(Line(t, hint))
    return lines


_ACTION_COLUMN = re.compile(r"^(åtgärd(er)?|att göra|vad)$", re.IGNORECASE)
_OWNER_COLUMN = re.compile(r"^(ansvarig|ansvar|vem)$", re.IGNORECASE)
_DUE_COLUMN = re.compile(r"^(klart|klart senast|senast|deadline|när|datum|klar)$", re.IGNORECASE)


def _column(header: list[str], pattern: re.Pattern[str]) -> int | None:
    for i, cell in enumerate(header):
        if pattern.match(cell.strip().rstrip(":").strip()):
            return i
    return None


def table_lines(rows: list[list[str]]) -> list[Line]:
    """Turn a table into lines: an Åtgärd/Ansvarig/Klart table into action lines, others row by row."""
    rows = [[tidy(c) for c in row] for row in rows if any(tidy(c) for c in row)]
    if not rows:
        return []
    header = rows[0]
    what, owner, due = (_column(header, p) for p in (_ACTION_COLUMN, _OWNER_COLUMN, _DUE_COLUMN))
    out: list[Line] = []
    if what is not None and (owner is not None or due is not None):
        for row in rows[1:]:

            def cell(i: int | None, row: list[str] = row) -> str:
                return row[i] if i is not None and i < len(row) else ""

            if not cell(what):
                continue
            parts = [f"Åtgärd: {cell(what).rstrip('.')}."]
            if cell(owner):
                parts.append(f"Ansvarig: {cell(owner).rstrip('.')}.")
            if cell(due):
                parts.append(f"Klart: {cell(due)}")
            out.append(Line(" ".join(parts)))
        return out
    for row in rows:
        cells = [c for c in row if c]
        if len(cells) == 2 and len(cells[0].split()) <= 3 and ":" not in cells[0][:-1]:
            out.append(Line(f"{cells[0].rstrip(':')}: {cells[1]}"))
        else:
            out.append(Line(" | ".join(cells)))
    return out
