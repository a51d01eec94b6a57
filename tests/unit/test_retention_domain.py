"""The pure retention decisions: when a raw draft and when a meeting's minutes may go."""

from __future__ import annotations

import datetime as dt

from service.domain.retention import (
    DraftFacts,
    MinutesFacts,
    Plan,
    WorkplaceRules,
    meetings_due,
    minutes_due_on,
    minutes_years,
    raw_due,
    years_after,
)

NOW = dt.datetime(2027, 12, 4, 12, 0)
PLAN = Plan(raw_message_days=365, minutes_years=0)


def test_years_after_keeps_the_day_and_moves_a_leap_day():
    assert years_after(dt.date(2026, 11, 20), 5) == dt.date(2031, 11, 20)
    assert years_after(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)


def test_raw_draft_goes_a_year_after_it_ended():
    rules = WorkplaceRules()
    old = DraftFacts(1, "w", NOW - dt.timedelta(days=365))
    young = DraftFacts(2, "w", NOW - dt.timedelta(days=364, hours=23))
    running = DraftFacts(3, "w", None)
    assert raw_due(old, PLAN, rules, NOW)
    assert not raw_due(young, PLAN, rules, NOW)
    assert not raw_due(running, PLAN, rules, NOW)


def test_raw_draft_waits_for_an_export_with_drafts_when_asked():
    rules = WorkplaceRules(export_before_removal=True)
    ended = NOW - dt.timedelta(days=400)
    assert not raw_due(DraftFacts(1, "w", ended, exported=False), PLAN, rules, NOW)
    assert raw_due(DraftFacts(1, "w", ended, exported=True), PLAN, rules, NOW)


def test_minutes_years_workplace_first_zero_for_ever():
    assert minutes_years(Plan(minutes_years=10), WorkplaceRules()) == 10
    assert minutes_years(Plan(minutes_years=10), WorkplaceRules(retention_years=0)) == 0
    assert minutes_years(Plan(minutes_years=0), WorkplaceRules(retention_years=2)) == 2
    assert minutes_due_on(dt.date(2026, 1, 1), Plan(minutes_years=0), WorkplaceRules()) is None
    one = WorkplaceRules(retention_years=1)
    assert minutes_due_on(dt.date(2026, 1, 1), Plan(), one) == dt.date(2027, 1, 1)


def _m(mid: int, wp: str, day: str, went_out: bool = True, exported: bool = False) -> MinutesFacts:
    return MinutesFacts(mid, wp, dt.date.fromisoformat(day), went_out, exported)


def test_no_minutes_go_with_a_plan_of_zero_years():
    versions = [_m(1, "a", "2000-01-01"), _m(2, "b", "2001-05-05")]
    assert meetings_due(versions, PLAN, {"a": WorkplaceRules(), "b": WorkplaceRules(retention_years=0)},
                        NOW.date()) == []


def test_whole_meetings_go_after_their_years():
    versions = [_m(1, "a", "2026-12-04"), _m(2, "a", "2026-12-04"), _m(3, "a", "2026-12-05"),
                _m(4, "b", "2020-01-01")]
    rules = {"a": WorkplaceRules(retention_years=1), "b": WorkplaceRules()}
    assert meetings_due(versions, PLAN, rules, NOW.date()) == [1, 2]
    assert meetings_due(versions, Plan(minutes_years=5), rules, NOW.date()) == [1, 2, 4]


def test_export_before_removal_waits_until_every_sent_version_was_exported():
    rules = {"a": WorkplaceRules(retention_years=1, export_before_removal=True)}
    day = "2020-03-03"
    half = [_m(1, "a", day, exported=True), _m(2, "a", day, exported=False), _m(3, "a", day, went_out=False)]
    assert meetings_due(half, PLAN, rules, NOW.date()) == []
    whole = [_m(1, "a", day, exported=True), _m(2, "a", day, exported=True), _m(3, "a", day, went_out=False)]
    assert meetings_due(whole, PLAN, rules, NOW.date()) == [1, 2, 3]
    never_sent = [_m(5, "a", "2020-04-04", went_out=False)]
    assert meetings_due(never_sent, PLAN, rules, NOW.date()) == []
    assert meetings_due(never_sent, PLAN, {"a": WorkplaceRules(retention_years=1)}, NOW.date()) == [5]
