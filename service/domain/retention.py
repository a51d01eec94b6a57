"""Retention (gallring): which raw drafts and which minutes a workplace's plan lets go, and when.

Pure: the caller reads the archive into these facts and removes what is decided here.

- A raw draft goes ``raw_message_days`` after its minutes were distributed, or after the draft was
  rejected or its minutes never went out (expired, stopped or replaced at a gate).
- A meeting's minutes (every version of it) go ``retention_years`` after the meeting (the workplace's,
  else ``[retention] minutes_years``); never when that is 0 (bevaras).
- With ``export_before_removal``: minutes only once an export held every version that went out, raw
  drafts only once an export made with the drafts held them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """The retention plan in force (``[retention]``)."""

    raw_message_days: int = 365
    """Days a raw draft is kept after its minutes were distributed (or it was rejected or expired)."""
    minutes_years: int = 0
    """Years minutes are kept after their meeting when the workplace sets none; 0 for ever."""


@dataclass(frozen=True)
class WorkplaceRules:
    """What one workplace adds to the plan."""

    retention_years: int | None = None
    """Its own years for minutes; None: the plan's."""
    export_before_removal: bool = False
    """Remove nothing that no export held."""


@dataclass(frozen=True)
class DraftFacts:
    """One raw draft still stored."""

    inbound_id: int
    """The inbound message."""
    workplace_id: str
    """Its workplace ('' when it never matched one)."""
    ended_at: dt.datetime | None
    """When its minutes were distributed, or it was rejected or its minutes stopped going out; None while
    still under way."""
    exported: bool = False
    """Whether an export made with --with-drafts held it."""


@dataclass(frozen=True)
class MinutesFacts:
    """One stored minutes version."""

    minutes_id: int
    """Its id."""
    workplace_id: str
    """Its workplace."""
    meeting_date: dt.date
    """The meeting's day (the day it was stored when the minutes give none)."""
    went_out: bool
    """Whether it was sent to its recipients."""
    exported: bool = False
    """Whether an export held it."""


def years_after(day: dt.date, years: int) -> dt.date:
    """Return the same day ``years`` later (28 February for a 29th in a year without one)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def minutes_years(plan: Plan, rules: WorkplaceRules) -> int:
    """Return the years a workplace's minutes are kept; 0 for ever."""
    return plan.minutes_years if rules.retention_years is None else rules.retention_years


def raw_due(draft: DraftFacts, plan: Plan, rules: WorkplaceRules, now: dt.datetime) -> bool:
    """Tell whether a raw draft may be removed now."""
    if draft.ended_at is None:
        return False
    if rules.export_before_removal and not draft.exported:
        return False
    return draft.ended_at + dt.timedelta(days=plan.raw_message_days) <= now


def minutes_due_on(meeting: dt.date, plan: Plan, rules: WorkplaceRules) -> dt.date | None:
    """Return the first day a meeting's minutes may be removed, None when they are kept for ever."""
    years = minutes_years(plan, rules)
    return years_after(meeting, years) if years > 0 else None


def meetings_due(
    versions: Iterable[MinutesFacts], plan: Plan, rules: Mapping[str, WorkplaceRules], today: dt.date
) -> list[int]:
    """Return the minutes ids that may be removed today: whole meetings, every version of each."""
    meetings: dict[tuple[str, dt.date], list[MinutesFacts]] = {}
    for v in versions:
        meetings.setdefault((v.workplace_id, v.meeting_date), []).append(v)
    due: list[int] = []
    for (workplace_id, day), found in sorted(meetings.items()):
        wp = rules.get(workplace_id, WorkplaceRules())
        first = minutes_due_on(day, plan, wp)
        if first is None or first > today:
            continue
        if wp.export_before_removal and not all(v.exported for v in found if v.went_out):
            continue
        if wp.export_before_removal and not any(v.went_out for v in found):
            continue  # none of it went out, so no export can hold it: removing it would remove the unexported
        due.extend(sorted(v.minutes_id for v in found))
    return due
