"""Unit tests of reading minutes from PDF attachments: layout, tables, scans and hostile files."""

from __future__ import annotations

import io
import zlib
from email.message import EmailMessage

import pytest
from PIL import Image
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from service.domain.document import HINT_BOLD, HINT_HEADING, HINT_NONE
from service.mail import attachments, pdftext
from service.mail.attachments import UnreadableAttachment, attachment_lines, kind_of
from service.mail.reading import Attachment, read_message

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=12, spaceAfter=8)
BOLD = ParagraphStyle("bold", parent=BODY, fontName="Helvetica-Bold")
TITLE = ParagraphStyle("title", parent=BODY, fontSize=16, leading=20)
CELL = ParagraphStyle("cell", parent=BODY, spaceAfter=0)

ATTENDANCE = (
    "Närvarande: Maria Lind, Karin Berg, Anna Svensson, Johan Ek, Fatima Ali, Erik Nord, "
    "Sara Holm, Mehmet Yilmaz, Olle Bergkvist, Camilla Dahlström"
)
ACTIONS = [
    ["Åtgärd", "Ansvarig", "Klart"],
    ["Beställa glidlakan till alla bilar och en förklaring som bryts i cellen", "Johan Ek", "2026-12-15"],
    ["Boka skyddsrond", "Karin Berg", "2027-01-15"],
]


def build(story: list, on_page=None) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4)
    if on_page:
        doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    else:
        doc.build(story)
    return out.getvalue()


def minutes_pdf(grid: bool = True) -> bytes:
    table = Table([[Paragraph(c, CELL) for c in row] for row in ACTIONS], colWidths=[200, 100, 100],
                  style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)] if grid else []))
    return build([
        Paragraph("Minnesanteckningar APT Hemtjänst Norr", TITLE),
        Paragraph("Datum: 2026-11-20", BODY),
        Paragraph(ATTENDANCE, BODY),
        Paragraph("1. Mötets öppnande", BOLD),
        Paragraph("Maria hälsade alla välkomna och öppnade mötet.", BODY),
        Paragraph("4. Arbetsmiljö och hälsa", BOLD),
        table,
        Spacer(1, 8),
        Paragraph("• Tunga lyft i trapphuset togs upp", BODY),
        Paragraph("9. Övriga frågor", BOLD),
        Paragraph("Inga övriga frågor.", BODY),
    ])


def pdf_att(data: bytes, name: str = "apt.pdf", ctype: str = "application/pdf") -> Attachment:
    return Attachment(name, ctype, data)


def test_pdf_is_a_minutes_attachment() -> None:
    assert kind_of(pdf_att(b"", "Minnesanteckningar.PDF", "application/octet-stream")) == ".pdf"
    assert kind_of(pdf_att(b"", "", "application/pdf")) == ".pdf"


def test_headings_bold_lines_paragraphs_and_blank_lines() -> None:
    lines = attachment_lines(pdf_att(minutes_pdf()))
    texts = [ln.text for ln in lines]
    assert lines[0].text == "Minnesanteckningar APT Hemtjänst Norr" and lines[0].hint == HINT_HEADING
    assert lines[1].blank  # the vertical gap between paragraphs survives
    heading = lines[texts.index("1. Mötets öppnande")]
    assert heading.hint == HINT_BOLD
    assert lines[texts.index("Maria hälsade alla välkomna och öppnade mötet.")].hint == HINT_NONE
    assert ATTENDANCE in texts  # the wrapped paragraph is one line again
    assert "- Tunga lyft i trapphuset togs upp" in texts  # the bullet glyph becomes a list dash


@pytest.mark.parametrize("grid", [True, False])
def test_table_rows_go_to_table_lines(grid: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[list[str]]] = []
    real = attachments.table_lines

    def spy(rows: list[list[str]]):  # type: ignore[no-untyped-def]
        seen.append(rows)
        return real(rows)

    monkeypatch.setattr(attachments, "table_lines", spy)
    lines = attachment_lines(pdf_att(minutes_pdf(grid)))
    assert seen == [ACTIONS]  # the wrapped cell is one cell, rows and columns as drawn
    assert any("Beställa glidlakan" in ln.text and "Johan Ek" in ln.text for ln in lines)


def test_page_furniture_dropped_and_paragraphs_joined_across_pages() -> None:
    def furniture(c: canvas.Canvas, doc: SimpleDocTemplate) -> None:
        c.setFont("Helvetica", 8)
        c.drawString(72, A4[1] - 40, "Exempelby kommun – Hemtjänst Norr")
        c.drawRightString(A4[0] - 72, 30, f"Sida {doc.page} av 3")

    story = []
    for n in range(1, 30):
        story.append(Paragraph(f"{n}. Punkt {n}", BOLD))
        text = (f"Diskussion {n} om bemanning och scheman som fortsätter över flera rader så att den "
                "bryts av layoutmotorn och måste fogas ihop igen av den som läser PDF-filen.")
        story.append(Paragraph(text, BODY))
    lines = attachment_lines(pdf_att(build(story, furniture)))
    texts = [ln.text for ln in lines if ln.text]
    assert not [t for t in texts if "Exempelby" in t or t.startswith("Sida")]
    assert len(texts) == 58
    for n in range(1, 30):
        assert texts[2 * n - 1].startswith(f"Diskussion {n} om") and texts[2 * n - 1].endswith("PDF-filen.")


def image_only_pdf() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.drawImage(ImageReader(Image.new("RGB", (300, 400), "white")), 72, 200, 300, 400)
    c.showPage()
    c.save()
    return out.getvalue()


def test_scanned_pdf_is_unreadable_with_advice() -> None:
    with pytest.raises(UnreadableAttachment, match=r"bara bilder \(skannad\).*\.docx"):
        attachment_lines(pdf_att(image_only_pdf()))


def test_scanned_pdf_becomes_the_attachment_problem() -> None:
    from service.structuring import _sources

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "anna@exempelby.se", "apt@exempelby.se", "APT"
    msg.set_content("Se bifogad fil")
    msg.add_attachment(image_only_pdf(), maintype="application", subtype="pdf", filename="SKM_C308.pdf")
    _sources_found, problem = _sources(read_message(msg.as_bytes()))
    assert "SKM_C308.pdf" in str(problem) and "skannad" in str(problem)


def test_password_protected_pdf() -> None:
    out = io.BytesIO()
    c = canvas.Canvas(out, encrypt="hemligt")
    c.drawString(72, 720, "Minnesanteckningar")
    c.save()
    with pytest.raises(UnreadableAttachment, match="lösenordsskyddad"):
        attachment_lines(pdf_att(out.getvalue()))


@pytest.mark.parametrize("data", [b"not a pdf at all", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage\x00"])
def test_broken_pdf(data: bytes) -> None:
    with pytest.raises(UnreadableAttachment, match="skadad"):
        attachment_lines(pdf_att(data))


def test_too_many_pages() -> None:
    out = io.BytesIO()
    c = canvas.Canvas(out)
    for n in range(pdftext.MAX_PDF_PAGES + 1):
        c.drawString(72, 720, f"Sida {n}")
        c.showPage()
    c.save()
    with pytest.raises(UnreadableAttachment, match=f"{pdftext.MAX_PDF_PAGES + 1} sidor"):
        attachment_lines(pdf_att(out.getvalue()))


def test_too_large_pdf_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdftext, "MAX_PDF_BYTES", 1000)
    with pytest.raises(UnreadableAttachment, match="för stor"):
        attachment_lines(pdf_att(minutes_pdf()))


def test_minnes_own_minutes_are_not_a_draft() -> None:
    from service.pdf.render import render_minutes
    from tests.support.minutes import WORKPLACE, sample_minutes

    with pytest.raises(UnreadableAttachment, match="redan färdiga minnesanteckningar"):
        attachment_lines(pdf_att(render_minutes(sample_minutes(), WORKPLACE)))


def raw_pdf(content: bytes) -> bytes:
    """Return a one-page PDF whose page draws the given (Flate-compressed) content stream."""
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO(b"%PDF-1.4\n")
    out.seek(0, io.SEEK_END)
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_hand_written_pdf_reads() -> None:
    assert pdftext.pdf_blocks(raw_pdf(b"BT /F1 12 Tf 72 720 Td (Hej) Tj ET")) == [{"text": "Hej", "hint": ""}]


def test_pathological_pdf_is_stopped_by_the_timeout() -> None:
    slow = raw_pdf(b"q Q\n" * 3_000_000)  # millions of no-op operators: pdfminer would take many seconds
    with pytest.raises(pdftext.PdfUnreadable, match="för komplicerad"):
        pdftext.pdf_blocks(slow, timeout=1.0)


def test_character_and_graphics_budgets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdftext, "MAX_PDF_CHARS", 100)
    with pytest.raises(pdftext.PdfUnreadable, match="orimligt mycket text"):
        pdftext.extract_blocks(raw_pdf(b"BT /F1 12 Tf 72 720 Td " + b"(aaaaaaaaaa) Tj\n" * 20 + b"ET"))
    monkeypatch.setattr(pdftext, "MAX_PDF_GRAPHICS", 100)
    with pytest.raises(pdftext.PdfUnreadable, match="för komplicerad"):
        pdftext.extract_blocks(raw_pdf(b"0 0 m 100 100 l S\n" * 200))


def test_decompression_bomb_is_stopped() -> None:
    bomb = raw_pdf(b" " * 300_000_000)  # 300 MB of nothing, packed into a few hundred kB
    # Stopped either by the time limit ("för komplicerad") or, when the child is quick enough to unpack
    # it within the memory ceiling, as a PDF without text: a clean rejection both ways, never a hang.
    with pytest.raises(pdftext.PdfUnreadable, match="för komplicerad|ingen text"):
        pdftext.pdf_blocks(bomb, timeout=3.0)
