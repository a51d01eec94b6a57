"""A draft as lines of text, with the heading hints its source gave (HTML, Word styles, markdown)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
class TableAction:
    """An action read from a table row, already split into its parts."""

    what: str
    """What is to be done."""

    owner: str | None = None
    """Who does it, as written."""

    due_text: str | None = None
    """When it is due, as written."""

    item_ref: str | None = None
    """The agenda item the row names (a ``Punkt`` column), when it names one."""


@dataclass(frozen=True)
class Line:
    """One line (or paragraph) of a draft."""

    text: str
    """The text, stripped of surrounding whitespace; '' for a blank line."""

    hint: str = HINT_NONE
    """:data:`HINT_HEADING`, :data:`HINT_BOLD` or :data:`HINT_NONE`."""

    cells: tuple[str, ...] = field(default=())
    """The cells of a table row (consecutive rows form one table, the first is its header)."""

    action: TableAction | None = None
    """An action this line stands for, when it was read from an action table."""

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
        raw = raw[:MAX_LINE_CHARS].replace("\ufeff", "").replace("\u200e", "")
        if "\t" in raw.strip():
            cells = tuple(tidy(c) for c in raw.strip().split("\t"))
            if sum(1 for c in cells if c) >= 2:
                lines.append(row_line(cells))
                continue
        t = tidy(raw)
        hint = HINT_NONE
        m = _BOLD_WRAP.match(t)
        if m and "**" not in m.group("inner") and "__" not in m.group("inner"):
            t, hint = m.group("inner").strip(), HINT_BOLD
        elif "**" in t or "__" in t:
            t = tidy(_EMPHASIS.sub("", t))
        lines.append(Line(t, hint))
    return lines


def row_line(cells: tuple[str, ...] | list[str]) -> Line:
    """Return one table row as a line: its cells, and their text joined for rules that read text."""
    cells = tuple(cells)
    return Line(" | ".join(" ".join(c.split()) for c in cells if c.strip()), cells=cells)


def table_lines(rows: list[list[str]]) -> list[Line]:
    """Turn a table into row lines, framed by blank lines; :mod:`tables` reads what the rows mean."""
    cleaned = [tuple("\n".join(tidy(p) for p in c.split("\n") if tidy(p)) for c in row) for row in rows]
    cleaned = [row for row in cleaned if any(row)]
    if not cleaned:
        return []
    return [Line(""), *(row_line(row) for row in cleaned), Line("")]
