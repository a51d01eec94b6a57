"""Shape stored minutes and deliveries for the pages: the minutes read in the same order as the PDF."""

from __future__ import annotations

import datetime as dt
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


# --------------------------------------------------------------------------- versions


def shown(state: str, version: int) -> bool:
    """Tell whether staff may see a minutes version: it passed every gate and took a number.

    A version that never went out (held, stopped, expired, replaced at a gate) carries a temporary
    number of zero or below and is no version to readers.
    """
    from service.steps.gates import PASSED

    return state in {str(s) for s in PASSED} and version > 0


@dataclass(frozen=True)
class Listed:
    """One meeting as a list shows it: the version a link leads to, and the meeting's current version."""

    id: int
    """The minutes version's id."""

    workplace_id: str
    """The workplace."""

    meeting_date: str
    """The meeting date, ISO (or '' when the draft had none)."""

    version: int
    """The version's number."""

    state: str
    """How far the version has come (``minutes.state``)."""

    pdf_sha256: str
    """The signed PDF's key, '' while it is being signed."""

    current: int
    """The number of the meeting's current version (the highest shown)."""

    versions: int = 1
    """How many versions of the meeting are shown."""

    @property
    def superseded(self) -> bool:
        """Tell whether a newer version of the same meeting replaced this one."""
        return self.version < self.current


def newest_per_meeting(rows: list[tuple]) -> list[tuple]:
    """Keep, of rows ordered newest version first within a meeting, the first of each meeting.

    A row is (id, workplace_id, meeting_date, version, state, pdf_sha256); the order is kept.
    """
    seen: set[tuple[str, str]] = set()
    kept = []
    for row in rows:
        meeting = (row[1], row[2])
        if meeting not in seen:
            seen.add(meeting)
            kept.append(row)
    return kept


@dataclass(frozen=True)
class VersionLink:
    """One shown version of a meeting, in the list of versions on a minutes page."""

    id: int
    """The version's id."""

    version: int
    """Its number."""

    signed_at: dt.datetime | None
    """When it was signed (UTC), None while it is being signed."""

    current: bool
    """Whether it is the meeting's current version."""

    here: bool
    """Whether it is the version the page shows."""


def version_links(rows: list[tuple], here: int) -> list[VersionLink]:
    """Return a meeting's shown versions, newest first; rows are (id, version, signed_at)."""
    ordered = sorted(rows, key=lambda r: r[1], reverse=True)
    newest = ordered[0][1] if ordered else None
    return [VersionLink(i, v, at, v == newest, i == here) for i, v, at in ordered]


# --------------------------------------------------------------------------- justering and follow-up


def _clean(value: Any) -> str:
    return " ".join(str(value or "").split())


def _moment(value: Any) -> dt.datetime | None:
    """Return an ISO time as a datetime (naive means UTC, as the archive keeps times); None if unreadable."""
    try:
        moment = dt.datetime.fromisoformat(str(value or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def justering_of(minutes: dict) -> list[dict]:
    """Return who justerade the minutes and when ({"name", "at"}), from the minutes' ``justering`` list."""
    found = []
    for j in minutes.get("justering") or ():
        if isinstance(j, dict) and _clean(j.get("name") or j.get("email")):
            found.append({"name": _clean(j.get("name") or j.get("email")), "at": _moment(j.get("at"))})
    return found


def followup_of(minutes: dict) -> tuple[list[dict], list[dict]]:
    """Return the actions of earlier meetings still open and those now done (the minutes' ``followup``)."""
    data = minutes.get("followup")
    if not isinstance(data, dict):
        return [], []
    still_open = [
        {"what": _clean(a.get("what")), "owner": _clean(a.get("owner")), "due": _clean(a.get("due")),
         "meeting_date": _clean(a.get("meeting_date")), "overdue": bool(a.get("overdue"))}
        for a in data.get("open") or () if isinstance(a, dict) and _clean(a.get("what"))
    ]
    done = [
        {"what": _clean(a.get("what")), "owner": _clean(a.get("owner")),
         "meeting_date": _clean(a.get("meeting_date"))}
        for a in data.get("closed") or () if isinstance(a, dict) and _clean(a.get("what"))
    ]
    return still_open, done
