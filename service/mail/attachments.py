"""Text of a minutes attachment (.docx, .odt, .txt, .md, .html), read in memory with size limits."""

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
from service.mail.reading import Attachment, decode_bytes

MAX_UNCOMPRESSED_BYTES = 30_000_000
"""A .docx/.odt that unpacks to more than this is refused without unpacking it."""

MAX_RATIO = 100
"""A member that unpacks to more than this many times its packed size (and over 1 MB) is a zip bomb."""

MAX_MEMBERS = 2000
"""A .docx/.odt with more files inside is refused."""

MINUTES_EXTENSIONS = (".docx", ".odt", ".txt", ".md", ".markdown", ".html", ".htm")
"""Attachments that can hold the minutes."""

_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
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


def _docx_lines(data: bytes) -> list[Line]:
    _open_zip(data).close()
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        body = document.element.body
        lines: list[Line] = []
        for child in body.iterchildren():
            tag = child.tag.rpartition("}")[2]
            if tag == "p":
                lines.append(_docx_paragraph(Paragraph(child, document)))
            elif tag == "tbl":
                table = Table(child, document)
                rows = [[cell.text for cell in row.cells] for row in table.rows]
                lines.extend(table_lines(rows))
        return lines
    except UnreadableAttachment:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds on broken files
        raise UnreadableAttachment("Word-filen kunde inte läsas") from exc


def _docx_paragraph(p: object) -> Line:
    text = tidy(p.text)  # type: ignore[attr-defined]
    if not text:
        return Line("")
    style = ""
    try:
        style = p.style.name or ""  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001
        style = ""
    if _HEADING_STYLE.match(style):
        return Line(text, HINT_HEADING)
    runs = [r for r in p.runs if r.text.strip()]  # type: ignore[attr-defined]
    if runs and all(r.bold for r in runs):
        return Line(text, HINT_BOLD)
    if _LIST_STYLE.search(style):
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


# --------------------------------------------------------------------------- entry point


def attachment_lines(att: Attachment) -> list[Line]:
    """Return the lines of a minutes attachment; raise :class:`UnreadableAttachment` if unreadable."""
    kind = kind_of(att)
    if kind == ".docx":
        return _docx_lines(att.data)
    if kind == ".odt":
        return _odt_lines(att.data)
    if kind == ".html":
        return html_to_lines(decode_bytes(att.data, att.charset))
    if kind in (".txt", ".md"):
        return lines_from_text(decode_bytes(att.data, att.charset))
    raise UnreadableAttachment("filtypen kan inte läsas")
