"""The look of the minutes PDF: page geometry, colours, column widths and paragraph styles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm

from service.pdf import fonts

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 22 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X

SIGNATURE_HEIGHT = 25 * mm
"""Height of the space kept free on the last page for the visible signature."""

SIGNATURE_WIDTH = 120 * mm
"""Width of that space."""

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#5a5a5a")
ACCENT = colors.HexColor("#1f4e79")
DECISION_BG = colors.HexColor("#eef4ea")
DECISION_RULE = colors.HexColor("#4c7a34")
TABLE_HEAD_BG = colors.HexColor("#e4ebf3")
GRID = colors.HexColor("#b8c2cc")

LABEL_WIDTH = {"sv": 32 * mm, "en": 43 * mm}
"""Width of the label column of the title and attendance tables, per language."""

ACTION_COLUMNS = {
    "sv": ((0.56, 0.26, 0.18), (0.16, 0.44, 0.23, 0.17)),
    "en": ((0.53, 0.26, 0.21), (0.16, 0.40, 0.23, 0.21)),
}
"""Shares of an action table's width per column, without and with the item column (English dates: wider)."""


@dataclass(frozen=True)
class Styles:
    """Paragraph styles of the document."""

    title: ParagraphStyle
    """The workplace name at the top."""

    subtitle: ParagraphStyle
    """Kind of meeting and document name."""

    h1: ParagraphStyle
    """Section headings (attendance, items, action summary)."""

    h2: ParagraphStyle
    """Unplanned sections under Övriga frågor."""

    body: ParagraphStyle
    """Notes."""

    small: ParagraphStyle
    """Labels, table cells."""

    small_bold: ParagraphStyle
    """Table headings."""

    muted: ParagraphStyle
    """Remarks such as an item not covered."""

    decision: ParagraphStyle
    """A decision line."""


def styles() -> Styles:
    """Build the paragraph styles, with DejaVu registered."""
    fonts.register_fonts()
    base = dict(fontName=fonts.REGULAR, bulletFontName=fonts.REGULAR, textColor=INK, alignment=TA_LEFT,
                splitLongWords=1)

    def style(name: str, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, **{**base, **kw})

    return Styles(
        title=style("title", fontName=fonts.BOLD, textColor=ACCENT, fontSize=20, leading=25, spaceAfter=2),
        subtitle=style("subtitle", fontSize=12.5, leading=16, spaceAfter=8),
        h1=style("h1", fontName=fonts.BOLD, fontSize=13, leading=17, spaceBefore=10, spaceAfter=4,
                 textColor=ACCENT),
        h2=style("h2", fontName=fonts.BOLD, fontSize=11, leading=14, spaceBefore=6, spaceAfter=3),
        body=style("body", fontSize=10, leading=14, spaceAfter=5),
        small=style("small", fontSize=9, leading=12),
        small_bold=style("small_bold", fontName=fonts.BOLD, fontSize=9, leading=12),
        muted=style("muted", fontName=fonts.OBLIQUE, fontSize=10, leading=14, textColor=MUTED, spaceAfter=5),
        decision=style("decision", fontSize=10, leading=14),
    )


def text(value: Any) -> str:
    """Escape draft text for a reportlab paragraph; line breaks become <br/>."""
    if value is None:
        return ""
    return escape(str(value)).replace("\r\n", "\n").replace("\n", "<br/>")
