"""The pages of the minutes PDF: a footer drawn once the page count is known, the PDF/A parts written on
save, and the space on the last page where the visible signature goes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Flowable

from service.domain.wording import PDF
from service.pdf import fonts
from service.pdf.pdfa import DocumentInfo, SignatureSlot, make_archival, signature_widget
from service.pdf.styles import GRID, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, MUTED, PAGE_HEIGHT, PAGE_WIDTH

DRAFT_INK = colors.HexColor("#b3261e")
"""Colour of a draft's band at the top of every page."""

DRAFT_MARK = colors.HexColor("#f6e3e1")
"""Colour of a draft's large diagonal mark: light enough to read the text over it (PDF/A: no transparency)."""


class PageFooterCanvas(rl_canvas.Canvas):
    """A canvas that draws the footer once the page count is known."""

    footer_left = ""
    page_label = PDF["sv"]["page"]
    """How the footer counts pages, e.g. ``sida {page} av {total}``."""
    archival: DocumentInfo | None = None
    """Set on the canvas class of a PDF/A document: what its info and XMP metadata say."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []
        self._widget_ref: Any = None

    def add_signature_widget(self, slot: SignatureSlot) -> None:
        """Put the empty signature field at the slot on the current page (PDF/A documents only)."""
        if self.archival is None:
            return
        from reportlab.pdfbase.pdfdoc import PDFObjectReference

        widget = signature_widget(slot, PDFObjectReference(f"Page{slot.page + 1}"))
        self._addAnnotation(widget, name="Signatur")
        self._widget_ref = self._doc.refAnnotation("Signatur")

    def showPage(self) -> None:  # noqa: N802 (reportlab API)
        """Keep the page's state; draw it when the total is known."""
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        """Draw every footer with the total page count, then write the file."""
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        if self.archival is not None:
            make_archival(self._doc, self.archival, self._widget_ref)
        super().save()

    def _draw_footer(self, total: int) -> None:
        """Draw the workplace on the left and ``sida x av y`` on the right."""
        self.saveState()
        self.setStrokeColor(GRID)
        self.setLineWidth(0.5)
        y = MARGIN_BOTTOM - 8 * mm
        self.line(MARGIN_X, y + 4 * mm, PAGE_WIDTH - MARGIN_X, y + 4 * mm)
        self.setFont(fonts.REGULAR, 8.5)
        self.setFillColor(MUTED)
        page = self.page_label.format(page=self._pageNumber, total=total)
        room = PAGE_WIDTH - 2 * MARGIN_X - self.stringWidth(page, fonts.REGULAR, 8.5) - 6 * mm
        left = self.footer_left
        while left and self.stringWidth(left, fonts.REGULAR, 8.5) > room:
            left = left[:-2].rstrip() + "…"
        self.drawString(MARGIN_X, y, left)
        self.drawRightString(PAGE_WIDTH - MARGIN_X, y, page)
        self.restoreState()


def draft_marker(mark: str, band: str) -> Callable[[rl_canvas.Canvas, Any], None]:
    """Return the page callback that stamps a draft: a large diagonal ``mark`` and a ``band`` at the top.

    reportlab calls it as each page begins, so the mark lies beneath the text drawn after it.
    """

    def stamp(canv: rl_canvas.Canvas, _doc: Any) -> None:  # noqa: ANN401 - reportlab's document
        canv.saveState()
        canv.setFillColor(DRAFT_MARK)
        size = 50.0
        while size > 20 and canv.stringWidth(mark, fonts.BOLD, size) > PAGE_HEIGHT * 0.9:
            size -= 2
        canv.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canv.rotate(55)
        canv.setFont(fonts.BOLD, size)
        canv.drawCentredString(0, -size / 3, mark)
        canv.restoreState()
        canv.saveState()
        canv.setFillColor(DRAFT_INK)
        canv.setFont(fonts.BOLD, 9.5)
        canv.drawString(MARGIN_X, PAGE_HEIGHT - MARGIN_TOP / 2 - 3, band)
        canv.setStrokeColor(DRAFT_INK)
        canv.setLineWidth(0.8)
        rule = PAGE_HEIGHT - MARGIN_TOP / 2 - 7
        canv.line(MARGIN_X, rule, PAGE_WIDTH - MARGIN_X, rule)
        canv.restoreState()

    return stamp


class SlotFlowable(Flowable):
    """Empty space at the end of the document whose position is recorded for the signature."""

    def __init__(self, width: float, height: float, slots: list[SignatureSlot]) -> None:
        super().__init__()
        self.width = width
        self.height = height
        self._slots = slots

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """Take the fixed size."""
        return self.width, self.height

    def draw(self) -> None:
        """Record where the space landed on the page."""
        x, y = self.canv.absolutePosition(0, 0)
        page = self.canv.getPageNumber() - 1
        slot = SignatureSlot(page=page, x=x, y=y, width=self.width, height=self.height)
        self._slots.append(slot)
        add_widget = getattr(self.canv, "add_signature_widget", None)
        if add_widget is not None:
            add_widget(slot)
