"""Layout of a PDF's text: pdfminer's lines become rows, paragraphs, headings and table rows.

Pure geometry on what pdfminer found (text runs with their boxes and fonts, horizontal rules):
rows that share a baseline, page furniture (numbers, repeated headers and footers) dropped,
wrapped lines joined into paragraphs, text aligned in columns read as a table. The reading itself,
under limits in a child process, is :mod:`service.mail.pdftext`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import takewhile


@dataclass
class Seg:
    """A run of text on one baseline, with where it sits and how it is set."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    first_word: float
    """Width of the first word, to tell whether it would have fitted on the line above."""


_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"})
_BULLET = re.compile(r"^([•·▪■◦○●▫□➢➤►✓✔»\-–—*o]|[\uf000-\uf0ff]|\(cid:\d+\))$")
_LEADING_BULLET = re.compile(r"^([•·▪■◦○●▫□➢➤►✓✔»–—*]|[\uf000-\uf0ff]|\(cid:\d+\))\s*")
_NUMBER_MARK = re.compile(r"^(§\s*\d{1,3}|\d{1,3}(\.\d{1,2})*[.)]?|[a-zA-Z][.)])$")
_PAGE_NUMBER = re.compile(
    r"^[-–(]?\s*((sida|sid|s\.|page|p\.)\s*)?\d{1,4}(\s*(av|/|of|\()\s*\d{1,4}\)?)?\s*[-–)]?$", re.IGNORECASE
)
_NO_JOIN = re.compile(r"^(- |\d{1,2}[.)] |[A-ZÅÄÖ][a-zåäöé]+( [a-zåäö]+){0,2}: )")
CID = re.compile(r"\(cid:\d+\)")


def collect(item: object, segs: list[Seg], rules: list[tuple[float, float, float]]) -> bool:
    """Gather the text lines and horizontal rules under a layout item; tell whether it holds an image."""
    from pdfminer.layout import LTChar, LTCurve, LTImage, LTTextLineHorizontal

    if isinstance(item, LTImage):
        return True
    if isinstance(item, LTTextLineHorizontal):
        chars = [c for c in item if isinstance(c, LTChar) and c.get_text().strip()]
        text = re.sub(r"\s+", " ", item.get_text().translate(_LIGATURES)).strip()
        text = text[:-1].replace("\u00ad", "") + text[-1:]
        if chars and text:
            sizes = sorted(round(c.size * 2) / 2 for c in chars)
            first = (item.x1 - item.x0) * len(text.split(" ")[0]) / len(text)
            segs.append(Seg(text, item.x0, item.x1, item.y1, item.y0, sizes[len(sizes) // 2],
                             all(_BOLD_FONT.search(c.fontname or "") for c in chars), first))
        return False
    if isinstance(item, LTCurve):  # lines, rectangles: their top and bottom edges may rule a table
        if item.width > 5:
            rules.extend({(item.y0, item.x0, item.x1), (item.y1, item.x0, item.x1)})
        return False
    children = item if hasattr(item, "__iter__") else ()
    return any([collect(child, segs, rules) for child in children])  # type: ignore[attr-defined]


def _clean(text: str) -> str:
    """Turn a leading bullet glyph (or unmapped glyph) into '- ' and drop other unmapped glyphs."""
    text = _LEADING_BULLET.sub("- ", text, count=1)
    return re.sub(r"\s+", " ", CID.sub("", text)).strip()


def group_rows(segs: list[Seg]) -> list[list[Seg]]:
    """Group segments that share a baseline into rows, top to bottom, each left to right."""
    rows: list[list[Seg]] = []
    for seg in sorted(segs, key=lambda s: (-s.top, s.x0)):
        middle = (seg.top + seg.bottom) / 2
        if rows and rows[-1][0].bottom <= middle <= rows[-1][0].top:
            rows[-1].append(seg)
        else:
            rows.append([seg])
    out = []
    for row in rows:
        row.sort(key=lambda s: s.x0)
        merged: list[Seg] = []
        for seg in row:  # a bullet or number set apart by a tab belongs to the text after it
            prev = merged[-1] if len(merged) == 1 else None
            if prev and seg.x0 - prev.x1 < 45 and (_BULLET.match(prev.text) or _NUMBER_MARK.match(prev.text)):
                mark = "-" if _BULLET.match(prev.text) else prev.text
                merged[-1] = Seg(f"{mark} {seg.text}", prev.x0, seg.x1, max(prev.top, seg.top),
                                  min(prev.bottom, seg.bottom), seg.size, seg.bold, seg.first_word)
            else:
                merged.append(seg)
        for seg in merged:
            seg.text = _clean(seg.text)
        merged = [seg for seg in merged if seg.text]
        if merged:
            out.append(merged)
    return out


@dataclass
class Page:
    """One page laid out: rows of segments, horizontal rules (y, x0, x1) and the page's extent."""

    rows: list[list[Seg]]
    rules: list[tuple[float, float, float]]
    y0: float
    y1: float


def _outer_rows(page: Page) -> list[int]:
    """Return the rows (at most two at each end) in a page's margins that stand apart from the body text."""
    margin, n = 0.12 * (page.y1 - page.y0), len(page.rows)
    found: list[int] = []
    top = {i for i in range(n) if page.rows[i][0].top > page.y1 - margin}
    bottom = {i for i in range(n) if page.rows[i][0].bottom < page.y0 + margin}
    for step, ends, zone in ((1, range(min(2, n)), top), (-1, range(n - 1, max(n - 3, -1), -1), bottom)):
        block = list(takewhile(zone.__contains__, ends))
        while block and 0 <= block[-1] + step < n:
            upper, lower = page.rows[block[-1]], page.rows[block[-1] + step]
            if step == -1:
                upper, lower = lower, upper
            if min(s.bottom for s in upper) - max(s.top for s in lower) > 0.8 * upper[0].size:
                break
            block.pop()  # set tight against the next row: it is body text
        found.extend(block)
    return found


def _drop_furniture(pages: list[Page]) -> None:
    """Remove page numbers, and headers/footers repeated in the same place on most pages, in place."""

    def key(row: list[Seg]) -> tuple[str, int]:
        return " ".join(s.text for s in row if not _PAGE_NUMBER.match(s.text)), round(row[0].top / 4)

    outer = [set(_outer_rows(page)) for page in pages]
    seen: dict[tuple[str, int], int] = {}
    for page, edge in zip(pages, outer, strict=True):
        for k in {key(page.rows[i]) for i in edge}:
            seen[k] = seen.get(k, 0) + 1
    repeated = {k for k, n in seen.items() if n >= 2 and n * 2 >= len(pages)}
    for page, edge in zip(pages, outer, strict=True):
        page.rows = [r for i, r in enumerate(page.rows)
                     if not (i in edge and (key(r) in repeated or not key(r)[0]))]


def _bands(page: Page) -> list[list[list[Seg]]]:
    """Split a page's rows into bands: rows set tightly with no rule between them (a wrapped cell)."""
    bands: list[list[list[Seg]]] = []
    for row in page.rows:
        if bands:
            prev = bands[-1][-1]
            size = min(s.size for s in row + prev)
            gap = min(s.bottom for s in prev) - max(s.top for s in row)
            if gap < 0.45 * size and not _ruled(page, prev, row):
                bands[-1].append(row)
                continue
        bands.append([row])
    return bands


def _ruled(page: Page, upper: list[Seg], lower: list[Seg], below: bool = False) -> bool:
    """Tell whether a rule runs between two rows (or, with below, just under the lower one)."""
    hi = min(s.bottom for s in upper) + 1
    lo = max(s.top for s in lower) - 1
    if below:
        hi, lo = min(s.bottom for s in lower) + 1, min(s.bottom for s in lower) - 2.5 * lower[0].size
    x0, x1 = min(s.x0 for s in upper + lower), max(s.x1 for s in upper + lower)
    return any(lo <= y <= hi and rx0 < x1 and rx1 > x0 for y, rx0, rx1 in page.rules)


_TOLERANCE = 4.0
"""How far (in points) text may start from a column's left edge and still be in that column."""


def _table(page: Page, bands: list[list[list[Seg]]], start: int) -> tuple[list[list[str]], int]:
    """Return the table rows from bands[start] on (text aligned in columns) and the band after it."""
    columns = sorted({round(s.x0) for row in bands[start] for s in row})
    if max(len(row) for row in bands[start]) < 2:
        return [], start

    def col(seg: Seg) -> int | None:
        best = min(range(len(columns)), key=lambda i: abs(columns[i] - seg.x0))
        return best if abs(columns[best] - seg.x0) <= _TOLERANCE else None

    table: list[list[list[str]]] = []
    multi, end = 0, start
    while end < len(bands):
        band = bands[end]
        segs = [s for row in band for s in row]
        if end > start:
            prev = bands[end - 1][-1]
            gap = min(s.bottom for s in prev) - max(s.top for s in band[0])
            matched = [col(s) for s in segs]
            wide = max(len(row) for row in band) >= 2 and sum(m is not None for m in matched) >= 2
            enclosed = _ruled(page, prev, band[0]) and _ruled(page, band[0], band[-1], below=True)
            if gap > 2.5 * band[0][0].size or not (wide or (
                    None not in matched and (enclosed or any(m != 0 for m in matched)))):
                break
            columns.extend(round(s.x0) for s, m in zip(segs, matched, strict=True) if m is None)
        cells: list[list[str]] = [[] for _ in columns]
        for s in segs:
            m = col(s)
            cells[m if m is not None else 0].append(s.text)
        table.append(cells)
        multi += sum(bool(c) for c in cells) >= 2
        end += 1
    if multi < 2:
        return [], start
    order = sorted(range(len(columns)), key=lambda i: columns[i])
    return [[" ".join(row[i]) if i < len(row) else "" for i in order] for row in table], end


def _row_seg(row: list[Seg]) -> Seg:
    """Return a row outside any table as one segment, its parts joined by spaces."""
    if len(row) == 1:
        return row[0]
    return Seg(" ".join(s.text for s in row), row[0].x0, row[-1].x1, max(s.top for s in row),
                min(s.bottom for s in row), row[0].size, all(s.bold for s in row), row[0].first_word)


def _continues(last: Seg, seg: Seg, edge: float, new_page: bool) -> bool:
    """Tell whether a line continues the paragraph of the line above (it was wrapped there)."""
    gap = last.bottom - seg.top
    return (last.bold == seg.bold and abs(last.size - seg.size) < 0.6 and not _NO_JOIN.match(seg.text)
            and (new_page or -0.3 * seg.size < gap < 0.5 * seg.size)
            and seg.x0 >= last.x0 - 2 and last.x1 + 0.3 * seg.size + seg.first_word > edge - 1)


def to_blocks(pages: list[Page]) -> list[dict]:
    """Turn the pages' rows into blocks: joined paragraphs, blank lines at gaps, tables."""
    _drop_furniture(pages)
    weights: dict[float, int] = {}
    for page in pages:
        for s in (s for row in page.rows for s in row):
            weights[s.size] = weights.get(s.size, 0) + len(s.text)
    body = max(weights, key=lambda k: weights[k]) if weights else 10.0
    ends = sorted((r[-1].x1 for page in pages for r in page.rows if abs(r[-1].size - body) < 1), reverse=True)
    edge = ends[min(4, len(ends) // 4)] if ends else 0.0  # the right margin, a few overflowing lines aside
    blocks: list[dict] = []
    last: Seg | None = None

    def blank() -> None:
        if blocks and blocks[-1].get("text", "x"):
            blocks.append({"text": "", "hint": ""})

    for page in pages:
        bands = _bands(page)
        b, new_page = 0, True
        while b < len(bands):
            table, after = _table(page, bands, b)
            if table:
                previous = blocks[-1].get("table") if blocks and new_page else None
                if previous and len(previous[0]) == len(table[0]):  # the table goes on from the page before
                    previous.extend(table[1:] if table[0] == previous[0] else table)
                else:
                    blank()
                    blocks.append({"table": table})
                b, last, new_page = after, None, False
                continue
            for seg in map(_row_seg, bands[b]):
                if last and blocks and blocks[-1].get("text") and _continues(last, seg, edge, new_page):
                    glue = "" if blocks[-1]["text"].endswith("\u00ad") else " "
                    blocks[-1]["text"] = blocks[-1]["text"].rstrip("\u00ad") + glue + seg.text
                else:
                    if last is None or new_page or last.bottom - seg.top > 0.5 * min(last.size, seg.size):
                        blank()
                    hint = "heading" if seg.size >= 1.15 * body else "bold" if seg.bold else ""
                    blocks.append({"text": seg.text, "hint": hint})
                last, new_page = seg, False
            b += 1
    for block in blocks:
        if "text" in block:
            block["text"] = block["text"].replace("\u00ad", "")
    return blocks
