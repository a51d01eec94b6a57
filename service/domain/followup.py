"""Actions that come back: pure rules for following an action from one meeting to the next.

Who an owner written in a draft is on the roster, which actions come from earlier meetings, when an
owner is reminded and when an action is overdue, and what a skyddskommitté must be warned of; whether a
later draft reports an action done is :mod:`service.domain.followup_done`. No I/O: the step
(:mod:`service.steps.followup`) hands in plain data.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz

from service.domain.minutes import Action, Minutes
from service.domain.workplace import Member, Workplace


class ActionState(StrEnum):
    """How far one tracked action has come (``action_item.state``)."""

    OPEN = "open"
    """Agreed at a meeting and not reported done yet: listed at the next meetings, reminded, noticed."""

    DONE = "done"
    """A later meeting's minutes reported it done (``done_in_minutes_id``)."""

    REPLACED = "replaced"
    """A correction of its minutes dropped it, or a later meeting listed it again as a new action."""


class SafetyWarning(StrEnum):
    """What a skyddskommitté's minutes are warned of (AML 6:8–9, AFS 2023:1)."""

    NO_SAFETY_REP = "no_safety_rep"
    """No skyddsombud attended the meeting."""

    LONG_GAP = "long_gap"
    """More than three months passed since the workplace's previous meeting."""


@dataclass(frozen=True)
class Tracked:
    """One tracked action as the pure rules see it."""

    id: int
    """Its row id."""

    what: str
    """What is to be done, as written."""

    owner: str = ""
    """Who does it, as written ('' when nobody was named)."""

    due: str = ""
    """When it is due, ISO ``YYYY-MM-DD`` ('' when no date was given)."""

    meeting_date: str = ""
    """The date of the meeting that agreed it, ISO ('' when unknown)."""

    minutes_id: int = 0
    """The minutes version that holds it."""


# --------------------------------------------------------------------------- words

WORD = re.compile(r"[^\W_]+", re.UNICODE)
"""One word: letters and digits, no underscores."""


def fold(text: str) -> str:
    """Return text folded for comparison: NFKC, case-folded, words separated by single spaces."""
    return " ".join(WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def _bare(text: str) -> str:
    """Return folded text without diacritics (``Åberg`` → ``aberg``), for names written without them."""
    decomposed = unicodedata.normalize("NFKD", fold(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --------------------------------------------------------------------------- owners

_NOTE = re.compile(r"\([^)]*\)")
_SEVERAL = re.compile(r",|;|/|&|\+|\boch\b|\band\b|\bsamt\b", re.IGNORECASE)
_EVERYONE = frozenset({"alla", "samtliga", "alla medarbetare", "all", "everyone", "everybody", "all staff"})
_ROLE_WORDS = {
    "manager": frozenset({"chef", "chefen", "enhetschef", "enhetschefen", "manager", "the manager"}),
    "safety_rep": frozenset({"skyddsombud", "skyddsombudet", "safety rep", "the safety rep",
                             "safety representative", "the safety representative"}),
}
"""Owners written as a role, matched to the one roster member with it."""

OWNER_FUZZ = 88
"""How close (rapidfuzz ratio) a written full name must be to a roster name to count as it."""


def match_owner(owner: str | None, members: Sequence[Member]) -> str:
    """Return the roster address of the one person an owner as written names; '' when not one person.

    Tried in order: an address, the full name (also without diacritics), a role word (``chefen``) of
    a unique holder, a first name (``Johan``) or first name with initial (``Johan E.``) only one member
    has, then a near full name (typos). ``Alla`` and several owners name no one person.
    """
    written = _NOTE.sub(" ", owner or "").strip().strip(".:-–")
    if not written or not members:
        return ""
    lowered = written.strip().lower()
    if "@" in lowered and " " not in lowered:
        found = [m for m in members if m.email == lowered]
        return found[0].email if found else ""
    if fold(written) in _EVERYONE or _SEVERAL.search(written):
        return ""
    want, want_bare = fold(written), _bare(written)
    for key in (lambda m: fold(m.name) == want, lambda m: _bare(m.name) == want_bare):
        found = [m for m in members if key(m)]
        if len(found) == 1:
            return found[0].email
        if len(found) > 1:
            return ""
    for role, spellings in _ROLE_WORDS.items():
        if want in spellings:
            holders = [m for m in members if m.role == role]
            return holders[0].email if len(holders) == 1 else ""
    parts = want_bare.split()
    if len(parts) == 1 or (len(parts) == 2 and len(parts[1]) == 1):
        first = parts[0]
        initial = parts[1] if len(parts) == 2 else ""
        found = [
            m for m in members
            if (names := _bare(m.name).split()) and names[0] == first
            and (not initial or (len(names) > 1 and names[-1].startswith(initial)))
        ]
        return found[0].email if len(found) == 1 else ""
    scored = sorted(((fuzz.ratio(want_bare, _bare(m.name)), m.email) for m in members), reverse=True)
    if scored and scored[0][0] >= OWNER_FUZZ and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 5):
        return scored[0][1]
    return ""


# --------------------------------------------------------------------------- meetings and versions

def earlier(action: Tracked, meeting_date: str, minutes_id: int) -> bool:
    """Tell whether an action comes from a meeting before the one of (``meeting_date``, ``minutes_id``).

    By date when both are known; otherwise an older version of another meeting. An action of the same
    meeting (a version this one corrects) is never earlier.
    """
    if action.minutes_id == minutes_id or action.meeting_date == meeting_date:
        return False
    if action.meeting_date and meeting_date:
        return action.meeting_date < meeting_date
    return action.minutes_id < minutes_id


REPEAT_FUZZ = 90
"""How close (rapidfuzz token_sort_ratio) a new action must be to an open one to be it, written again."""


def _same_action(what: str, other: str) -> bool:
    return fuzz.token_sort_ratio(fold(what), fold(other)) >= REPEAT_FUZZ


def repeated(new: Sequence[Action], open_earlier: Sequence[Tracked]) -> list[int]:
    """Return the ids of open earlier actions that a draft lists again as its own actions."""
    return [a.id for a in open_earlier if any(_same_action(n.what, a.what) for n in new)]


def carried_over(new: Sequence[Action], old: Sequence[Tracked]) -> dict[int, int]:
    """Pair a correction's actions with those of the version it corrects: new index → old id.

    Each old action pairs with at most one new one, the first whose text is the same or near it.
    """
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for exact in (True, False):
        for i, action in enumerate(new):
            if i in pairs:
                continue
            for o in old:
                if o.id in taken:
                    continue
                if fold(o.what) == fold(action.what) if exact else _same_action(action.what, o.what):
                    pairs[i] = o.id
                    taken.add(o.id)
                    break
    return pairs


# --------------------------------------------------------------------------- dates

def iso_date(value: str | None) -> str:
    """Return an ISO date as it is, '' for anything that is not one."""
    try:
        return dt.date.fromisoformat(str(value or "")).isoformat()
    except ValueError:
        return ""


def remind_on(due: str, reminder_days: int) -> str:
    """Return the day an owner is reminded of an action due on ``due``; '' when it has no due date."""
    day = iso_date(due)
    if not day:
        return ""
    return (dt.date.fromisoformat(day) - dt.timedelta(days=max(0, reminder_days))).isoformat()


def overdue(due: str, today: str) -> bool:
    """Tell whether an action due on ``due`` is overdue on ``today`` (the due day itself is not)."""
    return bool(iso_date(due)) and bool(today) and iso_date(due) < today


def days_left(due: str, today: str) -> int | None:
    """Return the days from ``today`` to ``due`` (negative when past), None without dates."""
    if not iso_date(due) or not iso_date(today):
        return None
    return (dt.date.fromisoformat(due) - dt.date.fromisoformat(today)).days


def add_months(day: dt.date, months: int) -> dt.date:
    """Return the same day ``months`` later, the last of the month when it has no such day (31 → 30)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


MAX_GAP_MONTHS = 3
"""A skyddskommitté that has not met for longer than this is warned."""


def long_gap(previous: str, meeting_date: str) -> bool:
    """Tell whether more than three months passed between two meeting dates (ISO)."""
    if not iso_date(previous) or not iso_date(meeting_date):
        return False
    limit = add_months(dt.date.fromisoformat(previous), MAX_GAP_MONTHS)
    return dt.date.fromisoformat(meeting_date) > limit


# --------------------------------------------------------------------------- skyddskommitté

def safety_rep_attended(minutes: Minutes | dict, workplace: Workplace) -> bool:
    """Tell whether a skyddsombud is among those present: a roster safety_rep, or one the draft names."""
    m = Minutes.of(minutes)
    present = [p for p in m.attendance.present if p.strip()]
    reps = {r.email for r in workplace.safety_reps}
    named = {fold(n) for n in m.roles.safety_reps}
    if not present:
        return False
    for person in present:
        if fold(_NOTE.sub(" ", person)) in named:
            return True
        if match_owner(person, workplace.members) in reps:
            return True
    return False


def safety_warnings(minutes: Minutes | dict, workplace: Workplace, previous: str = "") -> list[SafetyWarning]:
    """Return what a skyddskommitté's minutes are warned of; none for a workplace that is no such committee.

    ``previous`` is the date of the workplace's previous meeting ('' when none is known).
    """
    if not workplace.safety_committee:
        return []
    m = Minutes.of(minutes)
    out: list[SafetyWarning] = []
    if not safety_rep_attended(m, workplace):
        out.append(SafetyWarning.NO_SAFETY_REP)
    if previous and long_gap(previous, m.meeting.date or ""):
        out.append(SafetyWarning.LONG_GAP)
    return out
