"""The visible signature block: signer, time and a QR code to the verification page."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timezone
from functools import lru_cache
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import qrcode
import qrcode.constants
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.stamp import TextStampStyle
from pyhanko.stamp.base import BaseStamp
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Frame, Paragraph

from service.domain.wording import DEFAULT_LANGUAGE, STAMP, signing_time, words
from service.pdf import fonts

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
"""How pyHanko hands the signing time to the stamp; parsed back and shown in Swedish time."""

LOCAL_ZONE = "Europe/Stockholm"
"""The time zone the signing time is shown in."""

BORDER = colors.HexColor("#1f4e79")
BACKGROUND = colors.HexColor("#f3f6fa")


def local_time(text: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Show a signing time given as ISO text in Swedish local time, e.g. ``2026-11-20 kl. 14:31``.

    In English it reads ``20 November 2026, 14:31``.
    """
    try:
        moment = datetime.strptime(text, TIMESTAMP_FORMAT)
    except ValueError:
        return text
    try:
        zone: ZoneInfo | timezone = ZoneInfo(LOCAL_ZONE)
        suffix = ""
    except ZoneInfoNotFoundError:  # no tzdata: show UTC, saying so
        zone, suffix = UTC, " UTC"
    return signing_time(moment.astimezone(zone), language) + suffix


@lru_cache(maxsize=16)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules for the text (the verification address: the same for every signature)."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(data)
    qr.make(fit=True)
    return tuple(tuple(row) for row in qr.get_matrix())


def draw_qr(c: rl_canvas.Canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw a QR code as vector squares (no image, no font) in a square at (x, y)."""
    matrix = qr_matrix(data)
    module = size / len(matrix)
    c.saveState()
    c.setFillColor(colors.white)
    c.rect(x - module, y - module, size + 2 * module, size + 2 * module, stroke=0, fill=1)
    c.setFillColor(colors.black)
    path = c.beginPath()
    for row, cells in enumerate(matrix):
        top = y + size - (row + 1) * module
        col = 0
        while col < len(cells):
            if cells[col]:
                start = col
                while col < len(cells) and cells[col]:
                    col += 1
                path.rect(x + start * module, top, (col - start) * module, module)
            else:
                col += 1
    c.drawPath(path, stroke=0, fill=1)
    c.restoreState()


def render_stamp_pdf(width: float, height: float, *, signer: str, when: str, verify_url: str | None,
                     compress: bool = True, language: str = DEFAULT_LANGUAGE) -> bytes:
    """Draw the signature block, labelled in the language, as a one-page PDF of the given size."""
    w = words(STAMP, language)
    fonts.register_fonts()
    buf = io.BytesIO()
    c = rl_canvas.Canvas(buf, pagesize=(width, height), initialFontName=fonts.REGULAR, invariant=1,
                         pageCompression=1 if compress else 0)
    c.setFillColor(BACKGROUND)
    c.setStrokeColor(BORDER)
    c.setLineWidth(0.8)
    c.rect(0.4, 0.4, width - 0.8, height - 0.8, stroke=1, fill=1)
    pad = 2.5 * mm
    text_left = pad
    if verify_url:
        size = height - 2 * pad
        draw_qr(c, verify_url, pad, pad, size)
        text_left = pad + size + pad
    base = dict(fontName=fonts.REGULAR, bulletFontName=fonts.REGULAR, fontSize=8, leading=10,
                textColor=colors.HexColor("#1a1a1a"))
    # One face only: every embedded font subset costs time at each signature.
    label = ParagraphStyle("label", **{**base, "fontSize": 9, "leading": 11, "textColor": BORDER})
    normal = ParagraphStyle("normal", **base)
    bold = ParagraphStyle("bold", **{**base, "fontSize": 9, "leading": 11})
    small = ParagraphStyle("small", **{**base, "fontSize": 6.5, "leading": 8, "splitLongWords": 1})
    story = [
        Paragraph(w["signed_by"], label),
        Paragraph(escape(signer), bold),
        Paragraph(w["time"].format(when=escape(when)), normal),
    ]
    if verify_url:
        story.append(Paragraph(w["verify_url"].format(url=escape(verify_url)), small))
    else:
        story.append(Paragraph(w["verify_cli"], small))
    frame = Frame(text_left, pad * 0.6, width - text_left - pad, height - pad * 1.2,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, showBoundary=0)
    frame.addFromList(story, c)
    c.showPage()
    c.save()
    return buf.getvalue()


class MinnesStamp(BaseStamp):
    """A signature appearance imported from a reportlab drawing."""

    def __init__(self, writer: BasePdfFileWriter, style: MinnesStampStyle, box: layout.BoxConstraints,
                 text_params: dict) -> None:
        super().__init__(writer=writer, style=style, box=box)
        self._params = text_params

    def _render_inner_content(self) -> list[bytes]:
        """Import the drawing as a form XObject and paint it."""
        width, height = self.box.width, self.box.height
        language = str(self._params.get("lang") or DEFAULT_LANGUAGE)
        pdf = render_stamp_pdf(
            width,
            height,
            signer=str(self._params.get("signer") or ""),
            when=local_time(str(self._params.get("ts") or ""), language),
            verify_url=self._params.get("url") or None,
            language=language,
        )
        xobj = self.writer.import_page_as_xobject(PdfFileReader(io.BytesIO(pdf)), page_ix=0)
        name = "/Block" + uuid.uuid4().hex
        self.resources.xobject[name] = xobj
        return [name.encode("ascii") + b" Do"]


@dataclass(frozen=True)
class MinnesStampStyle(TextStampStyle):
    """pyHanko stamp style that draws the Minnes signature block with embedded fonts (PDF/A-safe)."""

    timestamp_format: str = TIMESTAMP_FORMAT
    """Machine-readable, so the stamp can show the time in Swedish local time."""

    border_width: int = 0
    """The drawing has its own border."""

    def create_stamp(self, writer: BasePdfFileWriter, box: layout.BoxConstraints,
                     text_params: dict) -> MinnesStamp:
        """Make the stamp for one signature."""
        return MinnesStamp(writer, self, box, text_params)
