"""Unit tests of reading .docx: styles read once, tables read in one pass, absurd documents refused."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE

from service.domain.document import HINT_BOLD, HINT_HEADING, HINT_NONE
from service.mail import attachments
from service.mail.attachments import UnreadableAttachment, attachment_lines
from service.mail.reading import Attachment

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def saved(document: docx.document.Document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def read(data: bytes) -> list:
    return attachment_lines(Attachment("apt.docx", DOCX, data))


def test_styles_give_headings_lists_and_bold() -> None:
    d = docx.Document()
    d.add_heading("Minnesanteckningar APT", level=1)
    custom = d.styles.add_style("Punktrubrik", WD_STYLE_TYPE.PARAGRAPH)
    custom.base_style = d.styles["Heading 2"]
    d.add_paragraph("1. Mötets öppnande", style="Punktrubrik")
    d.add_paragraph("Maria öppnade mötet.")
    d.add_paragraph("Tunga lyft", style="List Bullet")
    d.add_paragraph().add_run("Beslut").bold = True
    mixed = d.add_paragraph()
    mixed.add_run("Delvis ").bold = True
    mixed.add_run("fet")
    d.add_paragraph("")
    lines = read(saved(d))
    assert [(ln.text, ln.hint) for ln in lines] == [
        ("Minnesanteckningar APT", HINT_HEADING),
        ("1. Mötets öppnande", HINT_HEADING),  # a custom style based on a heading style is a heading
        ("Maria öppnade mötet.", HINT_NONE),
        ("- Tunga lyft", HINT_NONE),
        ("Beslut", HINT_BOLD),
        ("Delvis fet", HINT_NONE),
        ("", HINT_NONE),
    ]


def test_unknown_style_id_falls_back_to_the_default_style() -> None:
    d = docx.Document()
    p = d.add_paragraph("Text")
    p._p.get_or_add_pPr().get_or_add_pStyle().val = "FinnsInte"
    assert [(ln.text, ln.hint) for ln in read(saved(d))] == [("Text", HINT_NONE)]


def test_table_rows_match_python_docx_cells_with_merges(monkeypatch: pytest.MonkeyPatch) -> None:
    d = docx.Document()
    table = d.add_table(rows=4, cols=3)
    for i, row in enumerate(table.rows):
        for j, cell in enumerate(row.cells):
            cell.text = f"r{i}c{j}"
    table.cell(0, 0).merge(table.cell(0, 1))  # spans two grid columns
    table.cell(1, 2).merge(table.cell(3, 2))  # merged down three rows
    table.cell(2, 0).merge(table.cell(3, 1))  # a block of two by two
    expected = [[cell.text for cell in row.cells] for row in table.rows]
    seen: list[list[list[str]]] = []
    monkeypatch.setattr(attachments, "table_lines", lambda rows: seen.append(rows) or [])
    read(saved(d))
    assert seen == [expected]
    assert expected[3][2] == expected[1][2] and expected[0][0] == expected[0][1]


def docx_with(styles_xml: str, body_xml: str) -> bytes:
    """Return a .docx with python-docx's default styles plus the given ones, and the given body."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    src = zipfile.ZipFile(io.BytesIO(saved(docx.Document())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/styles.xml":
                data = data.replace(b"</w:styles>", styles_xml.encode() + b"</w:styles>")
            elif info.filename == "word/document.xml":
                data = f'<w:document xmlns:w="{w}"><w:body>{body_xml}</w:body></w:document>'.encode()
            dst.writestr(info.filename, data)
    return out.getvalue()


def style(style_id: str, based_on: str) -> str:
    return (f'<w:style w:type="paragraph" w:styleId="{style_id}"><w:name w:val="Stil {style_id}"/>'
            f'<w:basedOn w:val="{based_on}"/></w:style>')


def paragraph(style_id: str, text: str) -> str:
    return f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>'


def many_styles_docx(styles: int, paragraphs: int) -> bytes:
    """Return a .docx with that many extra styles (odd ones based on Heading 1) and paragraphs."""
    return docx_with(
        "".join(style(f"S{i}", "Heading1" if i % 2 else "Normal") for i in range(styles)),
        "".join(paragraph(f"S{i % max(styles, 1)}", f"Stycke {i}") for i in range(paragraphs)),
    )


def test_many_styles_are_read_with_their_based_on_headings() -> None:
    lines = read(many_styles_docx(3000, 3000))
    assert len(lines) == 3000
    assert lines[1].text == "Stycke 1" and lines[1].hint == HINT_HEADING  # S1 is based on Heading 1
    assert lines[2].hint == HINT_NONE


def test_absurd_numbers_of_styles_or_paragraphs_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attachments, "MAX_DOCX_STYLES", 300)
    with pytest.raises(UnreadableAttachment, match="orimligt många formatmallar"):
        read(many_styles_docx(400, 1))
    monkeypatch.setattr(attachments, "MAX_DOCX_PARAGRAPHS", 50)
    with pytest.raises(UnreadableAttachment, match="orimligt många stycken"):
        read(many_styles_docx(1, 51))


def test_style_cycle_in_based_on_does_not_hang() -> None:
    data = docx_with(style("A", "B") + style("B", "A"), paragraph("A", "X"))
    assert [(ln.text, ln.hint) for ln in read(data)] == [("X", HINT_NONE)]
