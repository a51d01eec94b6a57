"""HTML mail bodies (Outlook, Gmail, web editors) turned into lines with heading hints."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from service.domain.document import (
    HINT_BOLD,
    HINT_HEADING,
    HINT_NONE,
    MAX_LINES,
    Line,
    table_lines,
    tidy,
)

_BLOCKS = frozenset(
    "p div br li tr h1 h2 h3 h4 h5 h6 ul ol table blockquote pre hr section article header footer"
    " dt dd address center form".split()
)
_SKIP = frozenset("style script head title xml template noscript svg object".split())
_BOLD_TAGS = frozenset(("b", "strong"))
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_VOID = frozenset("br hr img meta link input col area base wbr source embed param track".split())
_BOLD_STYLE = re.compile(r"font-weight\s*:\s*(bold|[6-9]00)", re.IGNORECASE)
_QUOTE_CLASSES = ("gmail_quote", "moz-cite-prefix", "yahoo_quoted")
MAX_DEPTH = 200
"""Deeper element nesting is flattened: text still counts, structure no longer does."""


class _Converter(HTMLParser):
    """Collect paragraphs, noting which are headings or wholly bold."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[Line] = []
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, sets bold, starts a quote)
        self.skip = 0
        self.quote = 0
        self.bold = 0
        self.heading = 0
        self.pre = 0
        self.segments: list[tuple[str, bool]] = []
        self.lists: list[int] = []  # per open list: the count of an <ol>, -1 for a <ul>
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None
        self.cells_stack: list[list[str] | None] = []

    # ------------------------------------------------------------------ paragraph handling
    def flush(self) -> None:
        """End the current paragraph."""
        if self.cell is not None:
            text = "".join(t for t, _ in self.segments)
            if text.strip():
                self.cell.append(text)
            self.segments = []
            return
        text = "".join(t for t, _ in self.segments)
        text_clean = tidy(text)
        if self.segments or text_clean:
            hint = HINT_NONE
            if text_clean:
                if self.heading:
                    hint = HINT_HEADING
                else:
                    letters = [(t, b) for t, b in self.segments if t.strip()]
                    if letters and all(b for _, b in letters):
                        hint = HINT_BOLD
            if len(self.lines) < MAX_LINES:
                self.lines.append(Line(text_clean, hint))
        self.segments = []

    def blank(self) -> None:
        """Record an empty paragraph (a blank line)."""
        if len(self.lines) < MAX_LINES:
            self.lines.append(Line(""))

    # ------------------------------------------------------------------ parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            if tag == "br":
                if self.skip or self.quote:
                    return
                if not "".join(t for t, _ in self.segments).strip() and self.cell is None:
                    self.segments = []
                    self.blank()
                else:
                    self.flush()
            return
        if len(self.stack) >= MAX_DEPTH:
            return
        attr = dict(attrs)
        sets_bold = tag in _BOLD_TAGS or bool(_BOLD_STYLE.search(attr.get("style") or ""))
        quote = tag == "blockquote" or any(c in (attr.get("class") or "") for c in _QUOTE_CLASSES)
        self.stack.append((tag, sets_bold, quote))
        if tag in _SKIP:
            self.skip += 1
        if quote:
            self.quote += 1
        if self.skip or self.quote:
            return
        if sets_bold:
            self.bold += 1
        if tag in _BLOCKS:
            self.flush()
        if tag in _HEADINGS:
            self.heading += 1
        if tag == "pre":
            self.pre += 1
        if tag in ("ol", "ul"):
            self.lists.append(0 if tag == "ol" else -1)
        if tag == "li":
            marker = "- "
            if len(self.lists) == 1 and self.lists[-1] >= 0:  # numbers only on a top-level <ol>
                self.lists[-1] += 1
                marker = f"{self.lists[-1]}. "
            self.segments.append((marker, True))  # a list marker never makes a line less bold
        if tag == "table":
            self.tables.append([])
            self.cells_stack.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            if self.cell is not None:
                self.flush()
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        # Pop up to and including the matching tag; ignore stray end tags.
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                break
        else:
            return
        while len(self.stack) > i:
            name, sets_bold, quote = self.stack.pop()
            self._close(name, sets_bold, quote)

    def _close(self, tag: str, sets_bold: bool, quote: bool) -> None:
        hidden = self.skip or self.quote
        if tag in _SKIP:
            self.skip -= 1
        if quote:
            self.quote -= 1
        if hidden:
            return
        if sets_bold:
            self.bold -= 1
        if tag in ("td", "th") and self.tables and self.cell is not None:
            self.flush()
            row = self.tables[-1][-1] if self.tables[-1] else None
            if row is None:
                self.tables[-1].append([])
                row = self.tables[-1][-1]
            row.append("\n".join(self.cell))
            self.cell = None
            return
        if tag in _BLOCKS:
            self.flush()
        if tag in _HEADINGS:
            self.heading -= 1
        if tag == "pre":
            self.pre -= 1
        if tag in ("ol", "ul") and self.lists:
            self.lists.pop()
        if tag == "table" and self.tables:
            rows = self.tables.pop()
            self.cell = self.cells_stack.pop() if self.cells_stack else None
            if self.cell is not None:  # a table inside a table cell: flatten it into the cell
                self.cell.extend(" ".join(r) for r in rows)
            else:
                self.lines.extend(table_lines(rows))

    def handle_data(self, data: str) -> None:
        if self.skip or self.quote:
            return
        if self.pre:
            parts = data.split("\n")
            for n, part in enumerate(parts):
                if n:
                    self.flush()
                self.segments.append((part, self.bold > 0))
            return
        text = re.sub(r"\s+", " ", data)
        if text:
            self.segments.append((text, self.bold > 0 or self.heading > 0))

    def close(self) -> None:
        super().close()
        while self.stack:
            name, sets_bold, quote = self.stack.pop()
            self._close(name, sets_bold, quote)
        self.flush()


def html_to_lines(html: str) -> list[Line]:
    """Convert an HTML body or document into lines, keeping headings, bold paragraphs, lists, tables."""
    conv = _Converter()
    try:
        conv.feed(html)
        conv.close()
    except (AssertionError, ValueError, IndexError):  # the stdlib parser gives up on some garbage
        conv.flush()
    return conv.lines
