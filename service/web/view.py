"""Shape stored minutes and deliveries for the pages: the minutes read in the same order as the PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.domain.wording import OTHER_QUESTIONS as OTHER_QUESTIONS_BY_LANGUAGE
from service.domain.wording import PDF, is_other_questions, language_of, words

OTHER_QUESTIONS = OTHER_QUESTIONS_BY_LANGUAGE["sv"]
"""The agenda item unplanned sections are placed under (Swedish)."""


@dataclass
class Section:
    """One agenda item (or unplanned section) as the minutes page shows it."""

    number: int | None
    title: str
    paragraphs: list[str]
    decisions: list[str]
    actions: list[dict]
    covered: bool
    unplanned: list[Section] = field(default_factory=list)


def _paragraphs(text: Any) -> list[str]:
    raw = str(text or "").replace("\r\n", "\n").strip()
    return [p.strip("\n") for p in raw.split("\n\n") if p.strip()]


def _section(data: dict, number: int | None, title: str, missing: set) -> Section:
    paragraphs = _paragraphs(data.get("text"))
    decisions = [str(d) for d in data.get("decisions") or [] if d]
    actions = [a for a in data.get("actions") or [] if isinstance(a, dict)]
    covered = bool(paragraphs or decisions or actions) or bool(data.get("heading") and number not in missing)
    return Section(number, title, paragraphs, decisions, actions, covered)


def minutes_sections(
    minutes: dict, language: str = "sv", agenda_language: str | None = None
) -> tuple[list[Section], list[dict]]:
    """Return the agenda items in order (unplanned under Övriga frågor) and every action with its item.

    ``language`` is the page's, ``agenda_language`` the workplace's (which titles are Övriga frågor).
    """
    w = words(PDF, language)
    other_questions = OTHER_QUESTIONS_BY_LANGUAGE[language_of(language)]
    missing = set(minutes.get("missing") or [])
    unplanned = [
        _section(u, None, str(u.get("heading") or w["other"]), set())
        for u in minutes.get("unplanned") or []
        if isinstance(u, dict)
    ]
    for u in unplanned:
        u.covered = True
    sections: list[Section] = []
    placed = False
    for item in minutes.get("items") or []:
        if not isinstance(item, dict):
            continue
        title = str(item.get("title") or item.get("heading") or "")
        section = _section(item, item.get("number"), title, missing)
        if is_other_questions(title, agenda_language or language) and unplanned:
            section.unplanned, placed = unplanned, True
            section.covered = True
        sections.append(section)
    if unplanned and not placed:
        sections.append(Section(None, other_questions, [], [], [], True, unplanned))
    actions: list[dict] = []
    for s in sections:
        ref = w["item_ref"].format(number=s.number) if s.number is not None else s.title
        actions += [{**a, "item": ref} for a in s.actions]
        for u in s.unplanned:
            actions += [{**a, "item": f"{s.title}: {u.title}"} for a in u.actions]
    return sections, actions


@dataclass
class DeliverySummary:
    """Who was reached and who was not, for the manager."""

    total: int
    sent: list
    failed: list
    waiting: list

    @property
    def all_reached(self) -> bool:
        """Every recipient has the minutes."""
        return self.total > 0 and len(self.sent) == self.total


def delivery_summary(deliveries: list) -> DeliverySummary:
    """Group delivery rows by whether the person was reached."""
    return DeliverySummary(
        total=len(deliveries),
        sent=[d for d in deliveries if d.state == "sent"],
        failed=[d for d in deliveries if d.state == "failed"],
        waiting=[d for d in deliveries if d.state not in ("sent", "failed")],
    )
