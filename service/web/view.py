"""Shape stored minutes and deliveries for the pages: the minutes read in the same order as the PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.domain.minutes import Minutes
from service.domain.minutes import Section as MinutesSection
from service.domain.wording import OTHER_QUESTIONS as OTHER_QUESTIONS_BY_LANGUAGE
from service.domain.wording import PDF, language_of, words

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


def _section(item: MinutesSection, title: str, covered: bool) -> Section:
    actions = [{"what": a.what, "owner": a.owner, "due": a.due} for a in item.actions]
    return Section(item.number, title, _paragraphs(item.text), list(item.decisions), actions, covered)


def minutes_sections(
    minutes: dict, language: str = "sv", agenda_language: str | None = None
) -> tuple[list[Section], list[dict]]:
    """Return the agenda items in order (unplanned under Övriga frågor) and every action with its item.

    ``language`` is the page's, ``agenda_language`` the workplace's (which titles are Övriga frågor).
    The order, what counts as covered and the actions are the typed minutes' own decisions, the same
    the PDF makes.
    """
    w = words(PDF, language)
    other_questions = OTHER_QUESTIONS_BY_LANGUAGE[language_of(language)]
    typed = Minutes.from_json(minutes)
    sections: list[Section] = []
    for placed in typed.placed(agenda_language or language):
        title = placed.item.name or other_questions
        section = _section(placed.item, title, placed.covered)
        section.unplanned = [_section(u, u.heading or w["other"], True) for u in placed.unplanned]
        sections.append(section)
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
