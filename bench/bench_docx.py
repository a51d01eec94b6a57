"""Time reading a .docx with 3,000 styles and 3,000 paragraphs through attachment_lines (goal: under 1 s)."""

from __future__ import annotations

import io
import sys
import time
import zipfile

import docx

from service.mail.attachments import attachment_lines
from service.mail.reading import Attachment

GOAL_S = 1.0
"""The figure to stay under, in seconds."""

STYLES = 3000
"""Paragraph styles added to the document's styles part."""

PARAGRAPHS = 3000
"""Paragraphs in the body, each in its own style."""

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _styles_xml(original: bytes) -> bytes:
    """Return styles.xml with STYLES more paragraph styles, every tenth one based on Heading 1."""
    extra = []
    for i in range(STYLES):
        based = "Heading1" if i % 10 == 0 else "Normal"
        extra.append(
            f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="Stil{i}">'
            f'<w:name w:val="Stil {i}"/><w:basedOn w:val="{based}"/></w:style>'
        )
    return original.replace(b"</w:styles>", "".join(extra).encode() + b"</w:styles>")


def _document_xml() -> bytes:
    """Return a document.xml whose paragraphs each use one of the added styles, some runs bold."""
    body = []
    for i in range(PARAGRAPHS):
        style = f"Stil{STYLES - 1 - i % STYLES}"
        bold = "<w:rPr><w:b/></w:rPr>" if i % 7 == 0 else ""
        body.append(
            f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>'
            f"<w:r>{bold}<w:t>Stycke {i} om arbetsmiljö och schema.</w:t></w:r></w:p>"
        )
    rows = "".join(
        f"<w:tr><w:tc><w:p><w:r><w:t>Åtgärd {i}</w:t></w:r></w:p></w:tc>"
        f"<w:tc><w:p><w:r><w:t>Person {i}</w:t></w:r></w:p></w:tc></w:tr>"
        for i in range(50)
    )
    body.append(f"<w:tbl>{rows}</w:tbl>")
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W}">'
        f"<w:body>{''.join(body)}</w:body></w:document>"
    ).encode()


def build_docx() -> bytes:
    """Return, built in memory, a .docx with STYLES extra styles and PARAGRAPHS paragraphs."""
    blank = io.BytesIO()
    docx.Document().save(blank)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blank.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/styles.xml":
                data = _styles_xml(data)
            elif info.filename == "word/document.xml":
                data = _document_xml()
            dst.writestr(info.filename, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def main(runs: int = 3) -> float:
    """Print the best time of a few runs reading the document; return it in seconds."""
    att = Attachment(filename="stilar.docx", content_type=_DOCX_TYPE, data=build_docx())
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        lines = attachment_lines(att)
        best = min(best, time.perf_counter() - start)
    verdict = "ok" if best < GOAL_S else "OVER GOAL"
    print(
        f"read a .docx with {STYLES} styles and {PARAGRAPHS} paragraphs: {best:.3f} s, "
        f"{len(lines)} lines (best of {runs}; goal < {GOAL_S:.0f} s: {verdict})"
    )
    return best


if __name__ == "__main__":
    sys.exit(0 if main() < GOAL_S else 1)
