"""Text of a minutes attachment (.docx, .odt, .pdf, .txt, .md, .html), read in memory with size limits."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

from service.domain.document import (
    HINT_BOLD,
    HINT_HEADING,
    HINT_NONE,
    Line,
    lines_from_text,
    table_lines,
    tidy,
)
from service.domain.htmltext import html_to_lines
from service.mail.decoding import decode_bytes
from service.mail.pdftext import PdfUnreadable, pdf_blocks
from service.mail.reading import Attachment

MAX_UNCOMPRESSED_BYTES = 30_000_000
"""A .docx/.odt that unpacks to more than this is refused without unpacking it."""

MAX_RATIO = 100
"""A member that unpacks to more than this many times its packed size (and over 1 MB) is a zip bomb."""

MAX_MEMBERS = 2000
"""A .docx/.odt with more files inside is refused."""

MINUTES_EXTENSIONS = (".docx", ".odt", ".pdf", ".txt", ".md", ".markdown", ".html", ".htm")
"""Attachments that can hold the minutes."""

_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/pdf": ".pdf",
    "text/markdown": ".md",
    "text/x-markdown": ".md",
    "text/html": ".html",
}


class UnreadableAttachment(Exception):
    """The attachment cannot (or may not) be read; the message says why, in Swedish."""


def kind_of(att: Attachment) -> str | None:
    """Return the extension that says how to read an attachment, or None when it cannot hold minutes."""
    name = att.filename.lower().strip()
    for ext in MINUTES_EXTENSIONS:
        if name.endswith(ext):
            return {".htm": ".html", ".markdown": ".md"}.get(ext, ext)
    if att.content_type in _TYPES:
        return _TYPES[att.content_type]
    if att.content_type == "text/plain" and name:
        return ".txt"
    return None


def _open_zip(data: bytes) -> zipfile.ZipFile:
    """Open a zip package after checking its declared sizes, without unpacking anything."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise UnreadableAttachment("filen är skadad eller inte ett Word-/OpenDocument-dokument") from exc
    if len(infos) > MAX_MEMBERS:
        raise UnreadableAttachment("filen innehåller orimligt många delar")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise UnreadableAttachment("filen blir orimligt stor när den packas upp")
    for i in infos:
        if i.file_size > 1_000_000 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise UnreadableAttachment("filen är packad på ett misstänkt sätt (orimlig komprimering)")
    return zf


# --------------------------------------------------------------------------- .docx

_HEADING_STYLE = re.compile(r"^(heading|rubrik|title|titel|überschrift)\b", re.IGNORECASE)
_LIST_STYLE = re.compile(r"list|lista|liststycke|punktlista", re.IGNORECASE)


MAX_DOCX_STYLES = 20_000
"""A .docx defining more styles than this is refused: no real document has that many."""

MAX_DOCX_PARAGRAPHS = 50_000
"""A .docx with more paragraphs than this is refused: no minutes are that long."""

MAX_GRID_SPAN = 64
"""A table cell spanning more grid columns than this counts as this many (Word allows 63 columns)."""

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
"""The WordprocessingML namespace, as lxml spells it in tags and attribute names."""


def _w_int(el: object, default: int) -> int:
    """Return the integer w:val of an element (None allowed), or the default when absent or bad."""
    if el is None:
        return default
    try:
        return int(el.get(f"{_W}val", default))  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return default


class _DocxStyles:
    """The paragraph styles of a .docx, read once, so each paragraph's style is a dict lookup."""

    def __init__(self, styles_element: object) -> None:
        """Index the w:style children of the styles part by id: name and the style it is based on."""
        self._styles: dict[str, tuple[str, str | None]] = {}
        self._heading: dict[str, bool] = {}
        self.default: str | None = None
        count = 0
        for st in styles_element.iterchildren(f"{_W}style"):  # type: ignore[attr-defined]
            count += 1
            if count > MAX_DOCX_STYLES:
                raise UnreadableAttachment("Word-filen innehåller orimligt många formatmallar")
            if st.get(f"{_W}type") != "paragraph":
                continue
            style_id = st.get(f"{_W}styleId")
            name_el = st.find(f"{_W}name")
            based_el = st.find(f"{_W}basedOn")
            name = (name_el.get(f"{_W}val") if name_el is not None else None) or ""
            based = based_el.get(f"{_W}val") if based_el is not None else None
            if style_id is not None and style_id not in self._styles:
                self._styles[style_id] = (name, based)
            if st.get(f"{_W}default") in ("1", "true", "on"):
                self.default = style_id

    def resolve(self, style_id: str | None) -> str | None:
        """Return the id of the style a paragraph has: its own when defined, else the default."""
        if style_id is not None and style_id in self._styles:
            return style_id
        return self.default if self.default in self._styles else None

    def name(self, style_id: str | None) -> str:
        """Return a style's name, '' when there is none."""
        entry = self._styles.get(style_id) if style_id is not None else None
        return entry[0] if entry else ""

    def is_heading(self, style_id: str | None) -> bool:
        """Tell whether a style, or a style it is based on, is a heading style (memoised)."""
        if style_id is None or style_id not in self._styles:
            return False
        if style_id in self._heading:
            return self._heading[style_id]
        chain: dict[str, None] = {}  # ordered and O(1) to test: a basedOn cycle ends the walk
        found = False
        current: str | None = style_id
        while current is not None and current in self._styles and current not in chain:
            if current in self._heading:
                found = self._heading[current]
                break
            chain[current] = None
            name, based = self._styles[current]
            if _HEADING_STYLE.match(name):
                found = True
                break
            current = based
        for sid in chain:
            self._heading[sid] = found
        return found


def _docx_lines(data: bytes) -> list[Line]:
    _open_zip(data).close()
    try:
        import docx
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        if sum(1 for _ in body.iter(f"{_W}p")) > MAX_DOCX_PARAGRAPHS:
            raise UnreadableAttachment("Word-filen innehåller orimligt många stycken")
        styles = _DocxStyles(document.styles.element)
        lines: list[Line] = []
        for child in body.iterchildren():
            tag = child.tag.rpartition("}")[2]
            if tag == "p":
                lines.append(_docx_paragraph(Paragraph(child, document), child, styles))
            elif tag == "tbl":
                lines.extend(table_lines(_docx_table_rows(child, document)))
        return lines
    except UnreadableAttachment:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds on broken files
        raise UnreadableAttachment("Word-filen kunde inte läsas") from exc


def _docx_table_rows(tbl: object, document: object) -> list[list[str]]:
    """Return a table's rows of cell texts in one pass, as python-docx's ``row.cells`` gives them.

    A cell spanning several grid columns appears once per column, and a vertically merged cell
    repeats the text of the cell it continues.
    """
    from docx.text.paragraph import Paragraph

    rows: list[list[str]] = []
    above: dict[int, tuple[str, int]] = {}
    for tr in tbl.iterchildren(f"{_W}tr"):  # type: ignore[attr-defined]
        tr_pr = tr.find(f"{_W}trPr")
        offset = max(_w_int(tr_pr.find(f"{_W}gridBefore") if tr_pr is not None else None, 0), 0)
        here: dict[int, tuple[str, int]] = {}
        cells: list[str] = []
        for tc in tr.iterchildren(f"{_W}tc"):
            tc_pr = tc.find(f"{_W}tcPr")
            span = min(max(_w_int(tc_pr.find(f"{_W}gridSpan") if tc_pr is not None else None, 1), 1),
                       MAX_GRID_SPAN)
            v_merge = tc_pr.find(f"{_W}vMerge") if tc_pr is not None else None
            if v_merge is not None and v_merge.get(f"{_W}val", "continue") == "continue" and offset in above:
                text, repeat = above[offset]
            else:
                text = "\n".join(Paragraph(p, document).text for p in tc.iterchildren(f"{_W}p"))
                repeat = span
            here[offset] = (text, repeat)
            cells.extend([text] * repeat)
            offset += span
        rows.append(cells)
        above = here
    return rows


def _docx_paragraph(p: object, element: object, styles: _DocxStyles) -> Line:
    text = tidy(p.text)  # type: ignore[attr-defined]
    if not text:
        return Line("")
    p_pr = element.find(f"{_W}pPr")  # type: ignore[attr-defined]
    p_style = p_pr.find(f"{_W}pStyle") if p_pr is not None else None
    style_id = styles.resolve(p_style.get(f"{_W}val") if p_style is not None else None)
    if styles.is_heading(style_id):
        return Line(text, HINT_HEADING)
    runs = [r for r in p.runs if r.text.strip()]  # type: ignore[attr-defined]
    if runs and all(r.bold for r in runs):
        return Line(text, HINT_BOLD)
    if _LIST_STYLE.search(styles.name(style_id)):
        return Line(f"- {text}", HINT_NONE)
    return Line(text, HINT_NONE)


# --------------------------------------------------------------------------- .odt

_NS = {
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
}


def _q(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


def _odt_text(
    el: ElementTree.Element, bold_styles: set[str], parts: list[tuple[str, bool]], bold: bool
) -> None:
    style = el.get(_q("text", "style-name"), "")
    bold = bold or style in bold_styles
    if el.text:
        parts.append((el.text, bold))
    for child in el:
        if child.tag == _q("text", "s"):
            try:
                count = min(int(child.get(_q("text", "c"), "1")), 100)
            except ValueError:
                count = 1
            parts.append((" " * count, bold))
        elif child.tag in (_q("text", "tab"), _q("text", "line-break")):
            parts.append((" ", bold))
        elif child.tag != _q("text", "note"):
            _odt_text(child, bold_styles, parts, bold)
        if child.tail:
            parts.append((child.tail, bold))


def _odt_walk(el: ElementTree.Element, bold_styles: set[str], lines: list[Line], prefix: str = "") -> None:
    for child in el:
        if child.tag in (_q("text", "h"), _q("text", "p")):
            parts: list[tuple[str, bool]] = []
            _odt_text(child, bold_styles, parts, False)
            text = tidy("".join(t for t, _ in parts))
            if not text:
                lines.append(Line(""))
            elif child.tag == _q("text", "h"):
                lines.append(Line(prefix + text, HINT_HEADING))
            elif not prefix and all(b for t, b in parts if t.strip()):
                lines.append(Line(text, HINT_BOLD))
            else:
                lines.append(Line(prefix + text))
        elif child.tag == _q("text", "list-item"):
            _odt_walk(child, bold_styles, lines, "- ")
        elif child.tag == _q("table", "table"):
            rows = []
            for row in child.iter(_q("table", "table-row")):
                cells = []
                for cell in row.findall(_q("table", "table-cell")):
                    sub: list[Line] = []
                    _odt_walk(cell, bold_styles, sub)
                    cells.append(" ".join(ln.text for ln in sub if ln.text))
                rows.append(cells)
            lines.extend(table_lines(rows))
        else:
            _odt_walk(child, bold_styles, lines, prefix)


def _odt_lines(data: bytes) -> list[Line]:
    zf = _open_zip(data)
    try:
        content = zf.read("content.xml")
        root = ElementTree.fromstring(content)
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError, ValueError, RecursionError) as exc:
        raise UnreadableAttachment("OpenDocument-filen kunde inte läsas") from exc
    bold_styles = set()
    for st in root.iter(_q("style", "style")):
        for props in st.iter(_q("style", "text-properties")):
            if props.get(_q("fo", "font-weight"), "") in ("bold", "700", "800", "900"):
                bold_styles.add(st.get(_q("style", "name"), ""))
    lines: list[Line] = []
    body = root.find(_q("office", "body"))
    try:
        _odt_walk(body if body is not None else root, bold_styles, lines)
    except RecursionError as exc:
        raise UnreadableAttachment("OpenDocument-filen är för djupt nästlad") from exc
    return lines


# --------------------------------------------------------------------------- .pdf


def _pdf_lines(data: bytes) -> list[Line]:
    """Return the lines of a PDF with a text layer; tables go through :func:`table_lines`."""
    try:
        blocks = pdf_blocks(data)
    except PdfUnreadable as exc:
        raise UnreadableAttachment(str(exc)) from exc
    lines: list[Line] = []
    for block in blocks:
        if "table" in block:
            lines.extend(table_lines([[str(cell) for cell in row] for row in block["table"]]))
        else:
            text = tidy(str(block.get("text", "")))
            lines.append(Line(text, str(block.get("hint", HINT_NONE)) if text else HINT_NONE))
    return lines


# --------------------------------------------------------------------------- entry point


def attachment_lines(att: Attachment) -> list[Line]:
    """Return the lines of a minutes attachment; raise :class:`UnreadableAttachment` if unreadable."""
    kind = kind_of(att)
    if kind == ".docx":
        return _docx_lines(att.data)
    if kind == ".odt":
        return _odt_lines(att.data)
    if kind == ".pdf":
        return _pdf_lines(att.data)
    if kind == ".html":
        return html_to_lines(decode_bytes(att.data, att.charset))
    if kind in (".txt", ".md"):
        return lines_from_text(decode_bytes(att.data, att.charset))
    raise UnreadableAttachment("filtypen kan inte läsas")
