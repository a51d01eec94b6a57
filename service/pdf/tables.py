"""The tables of the minutes PDF: actions (what, who, when), the decisions block, and label–value tables
(the meeting's facts, attendance and roles)."""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Paragraph, Table, TableStyle

from service.domain.wording import short_date
from service.pdf import fonts
from service.pdf.styles import (
    ACCENT,
    ACTION_COLUMNS,
    CONTENT_WIDTH,
    DECISION_BG,
    DECISION_RULE,
    GRID,
    LABEL_WIDTH,
    TABLE_HEAD_BG,
    Styles,
    text,
)


def action_table(actions: list[dict[str, Any]], st: Styles, w: dict[str, str], *,
                  with_item: bool = False) -> Table:
    """Make a table of actions: what, who, when (and the agenda item for the summary)."""
    head = [w["action"], w["owner"], w["due"]]
    if with_item:
        head = [w["item"], *head]
    widths = [CONTENT_WIDTH * share for share in ACTION_COLUMNS[w["language"]][1 if with_item else 0]]
    rows: list[list[Any]] = [[Paragraph(h, st.small_bold) for h in head]]
    for action in actions:
        row = [
            Paragraph(text(action.get("what")) or "–", st.small),
            Paragraph(text(action.get("owner")) or w["no_owner"], st.small),
            Paragraph(text(short_date(action.get("due"), w["language"])) or "–", st.small),
        ]
        if with_item:
            row.insert(0, Paragraph(text(action.get("_item")), st.small))
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


def decisions_block(decisions: list[Any], st: Styles, w: dict[str, str]) -> Table:
    """Set the decisions apart: a tinted block with a rule on the left."""
    rows = [[Paragraph(w["decisions"], st.small_bold)]]
    rows += [[Paragraph("• " + text(d), st.decision)] for d in decisions]
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


def label_table(rows: list[list[str]], st: Styles, language: str, *, framed: bool = False,
                split_in_row: bool = False) -> Table:
    """Make a table of labels and values, the labels in bold in a column as wide as the language needs.

    ``framed`` draws an accent rule above and a thin rule below (the meeting's facts); ``split_in_row``
    lets a long row break across pages (who was present).
    """
    label = LABEL_WIDTH[language]
    table = Table(
        [[Paragraph(k, st.small_bold), Paragraph(text(v), st.small)] for k, v in rows],
        colWidths=[label, CONTENT_WIDTH - label],
        hAlign="LEFT",
        splitInRow=1 if split_in_row else 0,
    )
    frame = [("LINEABOVE", (0, 0), (-1, 0), 1, ACCENT), ("LINEBELOW", (0, -1), (-1, -1), 0.5, GRID)]
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                *(frame if framed else []),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table
