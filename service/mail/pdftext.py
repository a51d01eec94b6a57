"""Text of a PDF attachment with a text layer, read by pdfminer.six in a child process with hard limits.

pdfminer is pure Python and trusts the file: a hostile PDF can make it decompress without bound or
loop for minutes. So the reading happens in a separate Python process with a memory ceiling and a
wall-clock timeout; this process only gets back JSON blocks (lines and table rows).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from itertools import takewhile
from pathlib import Path

MAX_PDF_BYTES = 30_000_000
"""A PDF larger than this is refused unread (the same budget as an unpacked .docx/.odt)."""

MAX_PDF_PAGES = 200
"""A PDF with more pages is refused: minutes are never that long."""

MAX_PDF_CHARS = 400_000
"""A PDF with more characters than this is refused (about 150 dense pages)."""

MAX_PDF_GRAPHICS = 50_000
"""A PDF drawing more lines and shapes than this is refused as too complex (each costs pdfminer ~60 µs)."""

TIMEOUT_SECONDS = 6.0
"""Wall-clock time the child process gets to read one PDF."""

MEMORY_BYTES = 1_500_000_000
"""Address space the child process may use (stops decompression bombs)."""

_INSTEAD = (
    "skicka dokumentet som .docx/.odt eller som PDF exporterad från Word, eller klistra in texten i mejlet"
)

PROBLEMS = {
    "scanned": f"PDF-filen innehåller bara bilder (skannad) och ingen text som går att läsa ut; {_INSTEAD}",
    "no_text": f"PDF-filen innehåller ingen text; {_INSTEAD}",
    "broken": f"PDF-filen är skadad eller ingen riktig PDF; {_INSTEAD}",
    "encrypted": f"PDF-filen är lösenordsskyddad; ta bort lösenordet eller {_INSTEAD}",
    "too_slow": f"PDF-filen är för komplicerad för att läsas inom rimlig tid; {_INSTEAD}",
    "too_much_text": f"PDF-filen innehåller orimligt mycket text för minnesanteckningar; {_INSTEAD}",
    "no_unicode": f"texten i PDF-filen går inte att läsa ut (teckensnitten saknar teckentabell); {_INSTEAD}",
    "too_many_pages": f"PDF-filen har {{pages}} sidor men högst {MAX_PDF_PAGES} kan läsas; "
    "skicka bara anteckningarna",
    "too_large": "PDF-filen är för stor ({size:.0f} MB, högst {limit:.0f} MB)",
    "ours": "PDF-filen är redan färdiga minnesanteckningar från Minnes; skriv ändringarna i mejlet "
    "eller bifoga det ändrade utkastet som .docx/.odt",
}
"""Why a PDF cannot be read, in Swedish, saying what to send instead (the reply adds more advice)."""


class PdfUnreadable(Exception):
    """The PDF cannot (or may not) be read; the message says why, in Swedish."""


# --------------------------------------------------------------------------- parent side


def pdf_blocks(data: bytes, timeout: float = TIMEOUT_SECONDS) -> list[dict]:
    """Read a PDF in a child process; return its blocks ({"text", "hint"} or {"table": rows})."""
    if len(data) > MAX_PDF_BYTES:
        raise PdfUnreadable(PROBLEMS["too_large"].format(size=len(data) / 1e6, limit=MAX_PDF_BYTES / 1e6))
    if b"%PDF-" not in data[:1024]:
        raise PdfUnreadable(PROBLEMS["broken"])
    if not sys.executable:  # embedded interpreter: no child to start, read here with the caps alone
        return _guarded(data)
    root = str(Path(__file__).resolve().parents[2])
    code = f"import sys; sys.path.insert(0, {root!r}); import service.mail.pdftext as m; m.child_main()"
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", code], input=data, capture_output=True, timeout=timeout,
            env={"PATH": os.environ.get("PATH", "")}, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PdfUnreadable(PROBLEMS["too_slow"]) from exc
    except OSError as exc:
        raise PdfUnreadable(PROBLEMS["broken"]) from exc
    try:
        answer = json.loads(done.stdout)
    except ValueError as exc:  # killed by the memory ceiling, or crashed
        killed = done.returncode < 0 or b"MemoryError" in done.stderr
        raise PdfUnreadable(PROBLEMS["too_slow" if killed else "broken"]) from exc
    if not isinstance(answer, dict) or answer.get("error"):
        raise PdfUnreadable(str(answer["error"]) if isinstance(answer, dict) else PROBLEMS["broken"])
    return list(answer.get("blocks", []))


# --------------------------------------------------------------------------- child side


def child_main() -> None:
    """Read a PDF from stdin under the memory ceiling; write {"blocks": …} or {"error": …} to stdout."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
        limit = int(TIMEOUT_SECONDS) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    import logging

    logging.disable(logging.CRITICAL)
    try:
        answer: dict = {"blocks": _guarded(sys.stdin.buffer.read())}
    except PdfUnreadable as exc:
        answer = {"error": str(exc)}
    sys.stdout.buffer.write(json.dumps(answer).encode("ascii"))


def _guarded(data: bytes) -> list[dict]:
    """Return :func:`extract_blocks` of the data, any failure turned into :class:`PdfUnreadable`."""
    try:
        return extract_blocks(data)
    except PdfUnreadable:
        raise
    except MemoryError as exc:
        raise PdfUnreadable(PROBLEMS["too_slow"]) from exc
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds (and RecursionError) on broken files
        raise PdfUnreadable(PROBLEMS["broken"]) from exc


@dataclass
class _Seg:
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
_CID = re.compile(r"\(cid:\d+\)")


def extract_blocks(data: bytes) -> list[dict]:
    """Lay out a PDF's text in reading order: lines with hints, blank lines and table rows."""
    import io

    from pdfminer.converter import PDFPageAggregator
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise PdfUnreadable(PROBLEMS["encrypted"]) from exc
    info = resolve1(document.info[0]) if document.info else {}
    if isinstance(info, dict) and decode_text(resolve1(info.get("Creator")) or b"").strip() == "Minnes":
        raise PdfUnreadable(PROBLEMS["ours"])
    try:
        declared = int(resolve1(resolve1(document.catalog.get("Pages")).get("Count")))
    except Exception:  # noqa: BLE001 - a missing or odd /Count is checked while reading instead
        declared = 0
    if declared > MAX_PDF_PAGES:
        raise PdfUnreadable(PROBLEMS["too_many_pages"].format(pages=declared))
    counts = {"chars": 0, "graphics": 0}

    def spend(kind: str, cap: int, message: str) -> None:
        counts[kind] += 1
        if counts[kind] > cap:
            raise PdfUnreadable(message)

    class Aggregator(PDFPageAggregator):
        """A page aggregator that stops the reading when the character or graphics budget is spent."""

        def render_char(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            """Count the character and render it."""
            spend("chars", MAX_PDF_CHARS, PROBLEMS["too_much_text"])
            return super().render_char(*args, **kwargs)

        def paint_path(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            """Count the path and paint it."""
            spend("graphics", MAX_PDF_GRAPHICS, PROBLEMS["too_slow"])
            return super().paint_path(*args, **kwargs)

    params = LAParams(char_margin=1.5, word_margin=0.1, line_overlap=0.5, boxes_flow=None, all_texts=True)
    device = Aggregator(PDFResourceManager(caching=True), laparams=params)
    interpreter = PDFPageInterpreter(device.rsrcmgr, device)
    pages: list[_Page] = []
    images = False
    raw: list[str] = []
    for number, page in enumerate(PDFPage.create_pages(document), 1):
        if number > MAX_PDF_PAGES:
            raise PdfUnreadable(PROBLEMS["too_many_pages"].format(pages=f"över {MAX_PDF_PAGES}"))
        interpreter.process_page(page)
        layout = device.get_result()
        segs: list[_Seg] = []
        rules: list[tuple[float, float, float]] = []
        images = _collect(layout, segs, rules) or images
        raw.extend(s.text for s in segs)
        pages.append(_Page(_rows(segs), rules, layout.y0, layout.y1))
    text = "".join(raw)
    if not text.strip():
        raise PdfUnreadable(PROBLEMS["scanned" if images or counts["graphics"] else "no_text"])
    if len("".join(_CID.findall(text))) > 0.3 * len(text):
        raise PdfUnreadable(PROBLEMS["no_unicode"])
    return _layout(pages)


def _collect(item: object, segs: list[_Seg], rules: list[tuple[float, float, float]]) -> bool:
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
            segs.append(_Seg(text, item.x0, item.x1, item.y1, item.y0, sizes[len(sizes) // 2],
                             all(_BOLD_FONT.search(c.fontname or "") for c in chars), first))
        return False
    if isinstance(item, LTCurve):  # lines, rectangles: their top and bottom edges may rule a table
        if item.width > 5:
            rules.extend({(item.y0, item.x0, item.x1), (item.y1, item.x0, item.x1)})
        return False
    children = item if hasattr(item, "__iter__") else ()
    return any([_collect(child, segs, rules) for child in children])  # type: ignore[attr-defined]


def _clean(text: str) -> str:
    """Turn a leading bullet glyph (or unmapped glyph) into '- ' and drop other unmapped glyphs."""
    text = _LEADING_BULLET.sub("- ", text, count=1)
    return re.sub(r"\s+", " ", _CID.sub("", text)).strip()


def _rows(segs: list[_Seg]) -> list[list[_Seg]]:
    """Group segments that share a baseline into rows, top to bottom, each left to right."""
    rows: list[list[_Seg]] = []
    for seg in sorted(segs, key=lambda s: (-s.top, s.x0)):
        middle = (seg.top + seg.bottom) / 2
        if rows and rows[-1][0].bottom <= middle <= rows[-1][0].top:
            rows[-1].append(seg)
        else:
            rows.append([seg])
    out = []
    for row in rows:
        row.sort(key=lambda s: s.x0)
        merged: list[_Seg] = []
        for seg in row:  # a bullet or number set apart by a tab belongs to the text after it
            prev = merged[-1] if len(merged) == 1 else None
            if prev and seg.x0 - prev.x1 < 45 and (_BULLET.match(prev.text) or _NUMBER_MARK.match(prev.text)):
                mark = "-" if _BULLET.match(prev.text) else prev.text
                merged[-1] = _Seg(f"{mark} {seg.text}", prev.x0, seg.x1, max(prev.top, seg.top),
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
class _Page:
    """One page laid out: rows of segments, horizontal rules (y, x0, x1) and the page's extent."""

    rows: list[list[_Seg]]
    rules: list[tuple[float, float, float]]
    y0: float
    y1: float


def _outer_rows(page: _Page) -> list[int]:
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


def _drop_furniture(pages: list[_Page]) -> None:
    """Remove page numbers, and headers/footers repeated in the same place on most pages, in place."""

    def key(row: list[_Seg]) -> tuple[str, int]:
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


def _bands(page: _Page) -> list[list[list[_Seg]]]:
    """Split a page's rows into bands: rows set tightly with no rule between them (a wrapped cell)."""
    bands: list[list[list[_Seg]]] = []
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


def _ruled(page: _Page, upper: list[_Seg], lower: list[_Seg], below: bool = False) -> bool:
    """Tell whether a rule runs between two rows (or, with below, just under the lower one)."""
    hi = min(s.bottom for s in upper) + 1
    lo = max(s.top for s in lower) - 1
    if below:
        hi, lo = min(s.bottom for s in lower) + 1, min(s.bottom for s in lower) - 2.5 * lower[0].size
    x0, x1 = min(s.x0 for s in upper + lower), max(s.x1 for s in upper + lower)
    return any(lo <= y <= hi and rx0 < x1 and rx1 > x0 for y, rx0, rx1 in page.rules)


_TOLERANCE = 4.0
"""How far (in points) text may start from a column's left edge and still be in that column."""


def _table(page: _Page, bands: list[list[list[_Seg]]], start: int) -> tuple[list[list[str]], int]:
    """Return the table rows from bands[start] on (text aligned in columns) and the band after it."""
    columns = sorted({round(s.x0) for row in bands[start] for s in row})
    if max(len(row) for row in bands[start]) < 2:
        return [], start

    def col(seg: _Seg) -> int | None:
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


def _row_seg(row: list[_Seg]) -> _Seg:
    """Return a row outside any table as one segment, its parts joined by spaces."""
    if len(row) == 1:
        return row[0]
    return _Seg(" ".join(s.text for s in row), row[0].x0, row[-1].x1, max(s.top for s in row),
                min(s.bottom for s in row), row[0].size, all(s.bold for s in row), row[0].first_word)


def _continues(last: _Seg, seg: _Seg, edge: float, new_page: bool) -> bool:
    """Tell whether a line continues the paragraph of the line above (it was wrapped there)."""
    gap = last.bottom - seg.top
    return (last.bold == seg.bold and abs(last.size - seg.size) < 0.6 and not _NO_JOIN.match(seg.text)
            and (new_page or -0.3 * seg.size < gap < 0.5 * seg.size)
            and seg.x0 >= last.x0 - 2 and last.x1 + 0.3 * seg.size + seg.first_word > edge - 1)


def _layout(pages: list[_Page]) -> list[dict]:
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
    last: _Seg | None = None

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
