"""Render structured minutes as an A4 PDF/A-1b document in the workplace's language (Swedish or English).

The entry point; the parts are :mod:`~service.pdf.styles` (geometry, colours, paragraph styles),
:mod:`~service.pdf.page` (footer, PDF/A parts, the signature's space), :mod:`~service.pdf.meeting`
(title block, attendance and roles), :mod:`~service.pdf.story` (items, unplanned sections, action
summary) and :mod:`~service.pdf.tables`.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from pyhanko.pdf_utils.metadata.model import VENDOR
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate

from service.domain.justering_texts import pdf_words
from service.domain.wording import OTHER_QUESTIONS as OTHER_QUESTIONS_BY_LANGUAGE
from service.domain.wording import PDF, words
from service.domain.workplace import Workplace
from service.pdf import fonts
from service.pdf.meeting import prose_date
from service.pdf.page import PageFooterCanvas, draft_marker
from service.pdf.pdfa import DocumentInfo, SignatureSlot
from service.pdf.story import story
from service.pdf.styles import (
    ACCENT,
    ACTION_COLUMNS,
    CONTENT_WIDTH,
    DECISION_BG,
    DECISION_RULE,
    GRID,
    INK,
    LABEL_WIDTH,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    MUTED,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    SIGNATURE_HEIGHT,
    SIGNATURE_WIDTH,
    TABLE_HEAD_BG,
    styles,
)

__all__ = [
    "ACCENT", "ACTION_COLUMNS", "CONTENT_WIDTH", "DECISION_BG", "DECISION_RULE", "GRID", "INK", "KIND_LABELS",
    "LABEL_WIDTH", "MARGIN_BOTTOM", "MARGIN_TOP", "MARGIN_X", "MUTED", "OTHER_QUESTIONS", "PAGE_HEIGHT",
    "PAGE_WIDTH", "PRODUCER", "SIGNATURE_HEIGHT", "SIGNATURE_WIDTH", "TABLE_HEAD_BG", "RenderError",
    "prose_date", "render_minutes", "render_reportlab", "swedish_date",
]

KIND_LABELS = {"apt": PDF["sv"]["kind_apt"], "samverkansgrupp": PDF["sv"]["kind_samverkansgrupp"]}
"""How each kind of meeting is named in the Swedish title block."""

OTHER_QUESTIONS = OTHER_QUESTIONS_BY_LANGUAGE["sv"]
"""The Swedish agenda item unplanned sections go under."""

PRODUCER = VENDOR
"""Producer in the document info: pyHanko's own name, so signing leaves info and XMP in step (PDF/A)."""


class RenderError(ValueError):
    """The minutes could not be rendered."""


def swedish_date(value: str | None) -> str:
    """Format an ISO date as Swedish prose, e.g. ``20 november 2026``; other text is kept."""
    return prose_date(value, "sv")


def _labels(workplace: Workplace) -> dict[str, str]:
    """Return the document's labels in the workplace's language, with that language under ``language``."""
    language = "en" if workplace.language == "en" else "sv"
    other = OTHER_QUESTIONS_BY_LANGUAGE[language]
    return {**words(PDF, language), "language": language, "other_questions": other}


def render_reportlab(minutes: dict, workplace: Workplace, *, archive_url: str | None = None,
                     version: int = 1) -> tuple[bytes, SignatureSlot | None, str]:
    """Lay out the minutes with reportlab alone; return the PDF, the signature slot and the title.

    This is the bare render (no PDF/A parts, no signature field) the benchmark compares against.
    """
    return _render(minutes, workplace, archive_url=archive_url, version=version, archival=False)


def _render(minutes: dict, workplace: Workplace, *, archive_url: str | None, version: int,
            archival: bool, replaces: tuple[int, str | None] | None = None, draft: bool = False,
            ) -> tuple[bytes, SignatureSlot | None, str]:
    """Lay out the minutes; with ``archival``, write PDF/A-1b with the empty signature field.

    A ``draft`` is stamped on every page as not yet justerat, and has no signature field.
    """
    st = styles()
    w = _labels(workplace)
    meeting = minutes.get("meeting") or {}
    name = meeting.get("workplace_name") or workplace.name
    title = w["title"].format(name=name, date=meeting.get("date") or "").strip()
    slots: list[SignatureSlot] = []
    flowables = story(minutes, workplace, st, w, version=version, archive_url=archive_url, slots=slots,
                      replaces=replaces, draft=draft)

    footer = w["footer"].format(name=name, date=prose_date(meeting.get("date"), w["language"]))
    author = workplace.organisation or name
    subject = f"{w.get(f'kind_{workplace.kind}', workplace.kind)}, {name}"
    info = DocumentInfo(title=title, author=author, subject=subject, creator="Minnes", producer=PRODUCER,
                        language=w["lang"], created=datetime.now(UTC).replace(microsecond=0))
    canvas_class = type("_Canvas", (PageFooterCanvas,), {
        "footer_left": footer, "page_label": w["page"], "archival": info if archival else None})
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title,
        author=author,
        subject=subject,
        creator="Minnes",
        producer=PRODUCER,
        lang=w["lang"],
        initialFontName=fonts.REGULAR,
    )
    pages: dict[str, object] = {}
    if draft:
        jw = pdf_words(w["language"])
        marker = draft_marker(jw["draft_mark"], jw["draft_band"])
        pages = {"onFirstPage": marker, "onLaterPages": marker}
    try:
        doc.build(flowables, canvasmaker=canvas_class, **pages)
    except Exception as exc:  # reportlab raises plain exceptions for layout failures
        raise RenderError(f"Kunde inte rendera protokollet: {exc}") from exc
    return buf.getvalue(), (slots[-1] if slots else None), title


def render_minutes(minutes: dict, workplace: Workplace, *, archive_url: str | None = None,
                   version: int = 1, replaces: tuple[int, str | None] | None = None,
                   draft: bool = False) -> bytes:
    """Render structured minutes as an unsigned PDF/A-1b document with room for the signature.

    ``replaces`` is (the version, the ISO date it was signed) a correction replaces. A ``draft`` (for the
    justerare) is stamped "Utkast – ej justerat" on every page and has no room for a signature. When
    ``minutes["justering"]`` lists who approved (name, email, ``at`` ISO), the PDF says "Justerat av … den …".
    """
    pdf, _slot, _title = _render(minutes, workplace, archive_url=archive_url, version=version, archival=True,
                                 replaces=replaces, draft=draft)
    return pdf
