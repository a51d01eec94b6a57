"""Render structured minutes as an A4 PDF/A-1b document in the workplace's language (Swedish or English)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from pyhanko.pdf_utils.metadata.model import VENDOR
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from service.domain.wording import OTHER_QUESTIONS as OTHER_QUESTIONS_BY_LANGUAGE
from service.domain.wording import PDF, is_other_questions, long_date, meeting_phrase, short_date, words
from service.domain.workplace import Workplace
from service.pdf import fonts
from service.pdf.pdfa import DocumentInfo, SignatureSlot, make_archival, signature_widget

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

KIND_LABELS = {"apt": PDF["sv"]["kind_apt"], "samverkansgrupp": PDF["sv"]["kind_samverkansgrupp"]}
"""How each kind of meeting is named in the Swedish title block."""

OTHER_QUESTIONS = OTHER_QUESTIONS_BY_LANGUAGE["sv"]
"""The Swedish agenda item unplanned sections go under."""

LABEL_WIDTH = {"sv": 32 * mm, "en": 43 * mm}
"""Width of the label column of the title and attendance tables, per language."""

ACTION_COLUMNS = {
    "sv": ((0.56, 0.26, 0.18), (0.16, 0.44, 0.23, 0.17)),
    "en": ((0.53, 0.26, 0.21), (0.16, 0.40, 0.23, 0.21)),
}
"""Shares of an action table's width per column, without and with the item column (English dates: wider)."""

PRODUCER = VENDOR
"""Producer in the document info: pyHanko's own name, so signing leaves info and XMP in step (PDF/A)."""


class RenderError(ValueError):
    """The minutes could not be rendered."""


@dataclass(frozen=True)
class _Styles:
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


def _styles() -> _Styles:
    """Build the paragraph styles, with DejaVu registered."""
    fonts.register_fonts()
    base = dict(fontName=fonts.REGULAR, bulletFontName=fonts.REGULAR, textColor=INK, alignment=TA_LEFT,
                splitLongWords=1)

    def style(name: str, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, **{**base, **kw})

    return _Styles(
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


def _text(value: Any) -> str:
    """Escape draft text for a reportlab paragraph; line breaks become <br/>."""
    if value is None:
        return ""
    return escape(str(value)).replace("\r\n", "\n").replace("\n", "<br/>")


def swedish_date(value: str | None) -> str:
    """Format an ISO date as Swedish prose, e.g. ``20 november 2026``; other text is kept."""
    return prose_date(value, "sv")


def prose_date(value: str | None, language: str) -> str:
    """Format an ISO date as prose (``20 november 2026``, ``20 November 2026``); '–' for none."""
    return long_date(value, language) or "–"


def _time_span(start: str | None, end: str | None, w: dict[str, str]) -> str:
    """Format the meeting's time as ``13:00–14:30``."""
    if start and end:
        return f"{start}–{end}"
    return start or (w["until"].format(end=end) if end else "–")


def _names(names: Any) -> str:
    """Join a list of names, or a dash for nobody."""
    if not names:
        return "–"
    if isinstance(names, str):
        return names
    return ", ".join(str(n) for n in names if n) or "–"


class _PageFooterCanvas(rl_canvas.Canvas):
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


class _SlotFlowable(Flowable):
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


def _action_table(actions: list[dict[str, Any]], st: _Styles, w: dict[str, str], *,
                  with_item: bool = False) -> Table:
    """Make a table of actions: what, who, when (and the agenda item for the summary)."""
    head = [w["action"], w["owner"], w["due"]]
    if with_item:
        head = [w["item"], *head]
    widths = [CONTENT_WIDTH * share for share in ACTION_COLUMNS[w["language"]][1 if with_item else 0]]
    rows: list[list[Any]] = [[Paragraph(h, st.small_bold) for h in head]]
    for action in actions:
        row = [
            Paragraph(_text(action.get("what")) or "–", st.small),
            Paragraph(_text(action.get("owner")) or w["no_owner"], st.small),
            Paragraph(_text(short_date(action.get("due"), w["language"])) or "–", st.small),
        ]
        if with_item:
            row.insert(0, Paragraph(_text(action.get("_item")), st.small))
        rows.append(row)
    table = Table(rows, colWidths=widths, repeatRows=1, splitInRow=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                ("BACKGROUND", (0, 0), (-1, 0), TABLE_HEAD_BG),
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _decisions_block(decisions: list[Any], st: _Styles, w: dict[str, str]) -> Table:
    """Set the decisions apart: a tinted block with a rule on the left."""
    rows = [[Paragraph(w["decisions"], st.small_bold)]]
    rows += [[Paragraph("• " + _text(d), st.decision)] for d in decisions]
    table = Table(rows, colWidths=[CONTENT_WIDTH], splitInRow=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                ("BACKGROUND", (0, 0), (-1, -1), DECISION_BG),
                ("LINEBEFORE", (0, 0), (0, -1), 2.5, DECISION_RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _notes(text: Any, st: _Styles) -> list[Flowable]:
    """Split notes into paragraphs at blank lines."""
    raw = str(text or "").replace("\r\n", "\n").strip()
    if not raw:
        return []
    parts = [p.strip("\n") for p in raw.split("\n\n")]
    return [Paragraph(_text(p), st.body) for p in parts if p.strip()]


def _section_body(section: dict[str, Any], st: _Styles, w: dict[str, str]) -> list[Flowable]:
    """Notes, decisions and actions of one item or unplanned section."""
    out: list[Flowable] = _notes(section.get("text"), st)
    decisions = [d for d in section.get("decisions") or [] if d]
    if decisions:
        out += [Spacer(1, 2), _decisions_block(decisions, st, w), Spacer(1, 5)]
    actions = [a for a in section.get("actions") or [] if isinstance(a, dict)]
    if actions:
        out += [Spacer(1, 2), _action_table(actions, st, w), Spacer(1, 5)]
    return out


def _subtitle(meeting: dict[str, Any], workplace: Workplace, name: str, w: dict[str, str]) -> str:
    """Say what the document is: ``Minnesanteckningar – Arbetsplatsträff (APT)``, ``Minutes of … on …``."""
    kind = meeting.get("kind") or workplace.kind
    date = meeting.get("date")
    key = "subtitle_date" if date and "subtitle_date" in w else "subtitle"
    language = w["language"]
    return w[key].format(kind=w.get(f"kind_{kind}", kind), meeting=meeting_phrase(kind, language), name=name,
                         date=long_date(date, language))


def _title_block(minutes: dict[str, Any], workplace: Workplace, st: _Styles, w: dict[str, str], *,
                 version: int, archive_url: str | None) -> list[Flowable]:
    """Workplace, kind of meeting, date, time and place."""
    meeting = minutes.get("meeting") or {}
    name = meeting.get("workplace_name") or workplace.name
    out: list[Flowable] = [
        Paragraph(_text(name), st.title),
        Paragraph(_text(_subtitle(meeting, workplace, name, w)), st.subtitle),
    ]
    rows = [
        [w["date"], prose_date(meeting.get("date"), w["language"])],
        [w["time"], _time_span(meeting.get("start"), meeting.get("end"), w)],
        [w["place"], meeting.get("location") or "–"],
    ]
    if workplace.organisation:
        rows.append([w["organisation"], workplace.organisation])
    if version and version > 1:
        rows.append([w["version"], w["version_text"].format(version=version)])
    if archive_url:
        rows.append([w["archive"], archive_url])
    label = LABEL_WIDTH[w["language"]]
    table = Table(
        [[Paragraph(k, st.small_bold), Paragraph(_text(v), st.small)] for k, v in rows],
        colWidths=[label, CONTENT_WIDTH - label],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                ("LINEABOVE", (0, 0), (-1, 0), 1, ACCENT),
                ("LINEBELOW", (0, -1), (-1, -1), 0.5, GRID),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [*out, table, Spacer(1, 4)]


def _attendance_block(minutes: dict[str, Any], workplace: Workplace, st: _Styles,
                      w: dict[str, str]) -> list[Flowable]:
    """Present, absent and the roles; the skyddsombud is always named."""
    roles = minutes.get("roles") or {}
    attendance = minutes.get("attendance") or {}
    safety_reps = list(roles.get("safety_reps") or []) or [m.name for m in workplace.safety_reps]
    rows = [
        [w["present"], _names(attendance.get("present"))],
        [w["absent"], _names(attendance.get("absent"))],
        [w["chair"], _names(roles.get("chair"))],
        [w["note_taker"], _names(roles.get("note_taker"))],
    ]
    if roles.get("adjusters"):
        rows.append([w["adjusters"], _names(roles.get("adjusters"))])
    rows.append([w["safety_reps"], _names(safety_reps) if safety_reps else w["no_safety_rep"]])
    label = LABEL_WIDTH[w["language"]]
    table = Table(
        [[Paragraph(k, st.small_bold), Paragraph(_text(v), st.small)] for k, v in rows],
        colWidths=[label, CONTENT_WIDTH - label],
        hAlign="LEFT",
        splitInRow=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [Paragraph(w["attendance"], st.h1), table]


def _item_heading(number: Any, title: Any, w: dict[str, str]) -> str:
    """Format an agenda item heading, e.g. ``§ 4 Arbetsmiljö och hälsa`` or ``4. Budget``."""
    if number in (None, ""):
        return _text(title)
    return w["item_heading"].format(number=_text(number), title=_text(title))


def _labels(workplace: Workplace) -> dict[str, str]:
    """Return the document's labels in the workplace's language, with that language under ``language``."""
    language = "en" if workplace.language == "en" else "sv"
    other = OTHER_QUESTIONS_BY_LANGUAGE[language]
    return {**words(PDF, language), "language": language, "other_questions": other}


def _story(minutes: dict[str, Any], workplace: Workplace, st: _Styles, *, version: int,
           archive_url: str | None, slots: list[SignatureSlot]) -> list[Flowable]:
    """Lay out the whole document."""
    w = _labels(workplace)
    other_questions = w["other_questions"]
    story: list[Flowable] = _title_block(minutes, workplace, st, w, version=version, archive_url=archive_url)
    story += _attendance_block(minutes, workplace, st, w)

    items = [i for i in minutes.get("items") or [] if isinstance(i, dict)]
    unplanned = [u for u in minutes.get("unplanned") or [] if isinstance(u, dict)]
    missing = set(minutes.get("missing") or [])
    all_actions: list[dict[str, Any]] = []

    def unplanned_sections() -> list[Flowable]:
        out: list[Flowable] = []
        for sec in unplanned:
            out.append(CondPageBreak(25 * mm))
            out.append(Paragraph(_text(sec.get("heading")) or w["other"], st.h2))
            body = _section_body(sec, st, w)
            out += body or [Paragraph(w["no_notes"], st.muted)]
            for a in sec.get("actions") or []:
                if isinstance(a, dict):
                    ref = w["unplanned_ref"].format(other=other_questions, heading=sec.get("heading") or "")
                    all_actions.append({**a, "_item": ref})
        return out

    placed_unplanned = False
    for item in items:
        number = item.get("number")
        title = item.get("title") or item.get("heading") or ""
        is_other = is_other_questions(title, w["language"])
        story.append(CondPageBreak(40 * mm))
        story.append(Paragraph(_item_heading(number, title, w), st.h1))
        body = _section_body(item, st, w)
        covered = bool(body) or (item.get("heading") and number not in missing)
        if is_other and unplanned:
            story += body
            story += unplanned_sections()
            placed_unplanned = True
        elif not covered:
            story.append(Paragraph(w["not_covered"], st.muted))
        else:
            story += body
        for a in item.get("actions") or []:
            if isinstance(a, dict):
                ref = w["item_ref"].format(number=number) if number is not None else str(title)
                all_actions.append({**a, "_item": ref})
    if unplanned and not placed_unplanned:
        story.append(CondPageBreak(40 * mm))
        story.append(Paragraph(_text(other_questions), st.h1))
        story += unplanned_sections()

    story.append(CondPageBreak(40 * mm))
    story.append(Paragraph(w["actions"], st.h1))
    if all_actions:
        story.append(_action_table(all_actions, st, w, with_item=True))
    else:
        story.append(Paragraph(w["no_actions"], st.muted))
    story.append(Spacer(1, 4 * mm))
    story.append(
        KeepTogether(
            [
                Paragraph(w["signature"], st.small_bold),
                Spacer(1, 2 * mm),
                _SlotFlowable(SIGNATURE_WIDTH, SIGNATURE_HEIGHT, slots),
            ]
        )
    )
    return story


def render_reportlab(minutes: dict, workplace: Workplace, *, archive_url: str | None = None,
                     version: int = 1) -> tuple[bytes, SignatureSlot | None, str]:
    """Lay out the minutes with reportlab alone; return the PDF, the signature slot and the title.

    This is the bare render (no PDF/A parts, no signature field) the benchmark compares against.
    """
    return _render(minutes, workplace, archive_url=archive_url, version=version, archival=False)


def _render(minutes: dict, workplace: Workplace, *, archive_url: str | None, version: int,
            archival: bool) -> tuple[bytes, SignatureSlot | None, str]:
    """Lay out the minutes; with ``archival``, write PDF/A-1b with the empty signature field."""
    st = _styles()
    w = _labels(workplace)
    meeting = minutes.get("meeting") or {}
    name = meeting.get("workplace_name") or workplace.name
    title = w["title"].format(name=name, date=meeting.get("date") or "").strip()
    slots: list[SignatureSlot] = []
    story = _story(minutes, workplace, st, version=version, archive_url=archive_url, slots=slots)

    footer = w["footer"].format(name=name, date=prose_date(meeting.get("date"), w["language"]))
    author = workplace.organisation or name
    subject = f"{w.get(f'kind_{workplace.kind}', workplace.kind)}, {name}"
    info = DocumentInfo(title=title, author=author, subject=subject, creator="Minnes", producer=PRODUCER,
                        language=w["lang"], created=datetime.now(UTC).replace(microsecond=0))
    canvas_class = type("_Canvas", (_PageFooterCanvas,), {
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
    try:
        doc.build(story, canvasmaker=canvas_class)
    except Exception as exc:  # reportlab raises plain exceptions for layout failures
        raise RenderError(f"Kunde inte rendera protokollet: {exc}") from exc
    return buf.getvalue(), (slots[-1] if slots else None), title


def render_minutes(minutes: dict, workplace: Workplace, *, archive_url: str | None = None,
                   version: int = 1) -> bytes:
    """Render structured minutes as an unsigned PDF/A-1b document with room for the signature."""
    pdf, _slot, _title = _render(minutes, workplace, archive_url=archive_url, version=version, archival=True)
    return pdf
