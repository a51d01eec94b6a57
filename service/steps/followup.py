"""Actions that come back: every action tracked per workplace until a later meeting reports it done.

:func:`record` runs in the transaction :func:`~service.steps.gates.release` lets a version on in: its
actions are stored with their owners matched to the roster (a correction takes over the open actions
of the version it corrects instead of adding them again), earlier actions its notes report done are
closed, earlier ones it lists again as its own are replaced, and the minutes JSON gets a ``followup``
key (open from earlier meetings, closed by this version) for the distribution mail and the page. A
skyddskommitté's manager gets one ``notice`` per version when no skyddsombud attended or more than
three months passed since the previous meeting. :func:`receipt_lines` tells the note-taker the same,
before release. The sweeper (:data:`SWEPT`) reminds an action's owner once, ``reminder_days`` before
it is due, and tells the managers once when it has gone overdue; each is claimed in the database
(``reminded_at``, ``overdue_noticed_at``) and queued under a key of its own, so it never goes twice.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING

from sqlalchemy import and_, event, or_, select, update

from service.archive.db import ActionRow, MinutesRow, utcnow
from service.config import ConfigError
from service.domain.followup import (
    ActionState,
    Tracked,
    carried_over,
    earlier,
    iso_date,
    match_owner,
    overdue,
    remind_on,
    repeated,
    safety_warnings,
)
from service.domain.followup_done import closed_by, segments
from service.domain.followup_texts import Listed, followup_json, listed_from_json
from service.domain.followup_texts import receipt_lines as render_lines
from service.domain.minutes import Meeting, Minutes
from service.steps.context import StepContext, SweepTimes, Unfinished
from service.steps.gates import PASSED
from service.steps.mail import queue_mail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from service.domain.workplace import Workplace

log = logging.getLogger("service.pipeline")


def today(now: dt.datetime | None = None) -> str:
    """Return the local date (ISO) at a moment stored in UTC (now when None): the day reminders go by."""
    return (now or utcnow()).replace(tzinfo=dt.UTC).astimezone().date().isoformat()


def _workplace(ctx: StepContext, workplace_id: str) -> Workplace | None:
    try:
        return ctx.config.workplace(workplace_id)
    except ConfigError:
        return None


def _tracked(row: ActionRow) -> Tracked:
    return Tracked(id=row.id, what=row.what, owner=row.owner, due=row.due, meeting_date=row.meeting_date,
                   minutes_id=row.minutes_id)


def _listed(row: ActionRow, day: str = "") -> Listed:
    return Listed(what=row.what, owner=row.owner, due=row.due, meeting_date=row.meeting_date,
                  overdue=overdue(row.due, day))


def _meeting(row: ActionRow, workplace: Workplace | None) -> Meeting:
    return Meeting(workplace=row.workplace_id, workplace_name=workplace.name if workplace else "",
                   kind=workplace.kind if workplace else "apt", date=row.meeting_date or None)


# --------------------------------------------------------------------------- what a version finds


def _candidates(s: Session, m: MinutesRow) -> list[ActionRow]:
    """Return the actions of earlier meetings this version may list or close.

    Those still open, and those a version of this meeting (this one, or one it corrects) closed or
    replaced: a correction decides about them anew.
    """
    this_meeting = select(MinutesRow.id).where(
        MinutesRow.workplace_id == m.workplace_id, MinutesRow.meeting_date == m.meeting_date
    )
    rows = s.scalars(
        select(ActionRow)
        .where(ActionRow.workplace_id == m.workplace_id,
               or_(ActionRow.state == ActionState.OPEN, ActionRow.done_in_minutes_id.in_(this_meeting)))
        .order_by(ActionRow.meeting_date, ActionRow.id)
    ).all()
    return [r for r in rows if earlier(_tracked(r), m.meeting_date, m.id)]


Rows = list[ActionRow]


def _view(s: Session, m: MinutesRow, language: str) -> tuple[Rows, Rows, Rows]:
    """Return the earlier actions (still open, reported done by this version, listed again by it)."""
    rows = _candidates(s, m)
    tracked = [_tracked(r) for r in rows]
    data = m.minutes
    closing = set(closed_by(tracked, segments(data), language))
    own = [ref.action for ref in Minutes.of(data).all_actions()]
    again = set(repeated(own, [t for t in tracked if t.id not in closing]))
    return ([r for r in rows if r.id not in closing | again], [r for r in rows if r.id in closing],
            [r for r in rows if r.id in again])


def _previous_meeting(s: Session, m: MinutesRow) -> str:
    """Return the date of the workplace's previous meeting whose minutes went out, '' when none."""
    if not m.meeting_date:
        return ""
    return s.scalar(
        select(MinutesRow.meeting_date)
        .where(MinutesRow.workplace_id == m.workplace_id, MinutesRow.meeting_date < m.meeting_date,
               MinutesRow.meeting_date != "", MinutesRow.state.in_(PASSED), MinutesRow.id != m.id)
        .order_by(MinutesRow.meeting_date.desc())
        .limit(1)
    ) or ""


# --------------------------------------------------------------------------- recording


def record(ctx: StepContext, s: Session, m: MinutesRow) -> None:
    """Record the actions of a version that passed every gate, and close those it reports done; idempotent."""
    workplace = _workplace(ctx, m.workplace_id)
    if workplace is None:
        return
    now = utcnow()
    if m.replaces_id:
        _reopen(s, m.replaces_id, m.meeting_date)
    if s.scalar(select(ActionRow.id).where(ActionRow.minutes_id == m.id).limit(1)) is None:
        _store(s, m, workplace)
    open_rows, closing, again = _view(s, m, workplace.language)
    for row in closing:
        row.state, row.done_at, row.done_in_minutes_id = ActionState.DONE, row.done_at or now, m.id
    for row in again:
        row.state, row.done_in_minutes_id = ActionState.REPLACED, m.id
    data = m.minutes
    day = m.meeting_date or today()
    data["followup"] = followup_json([_listed(r, day) for r in open_rows], [_listed(r) for r in closing])
    m.data = json.dumps(data, ensure_ascii=False)
    s.flush()
    if closing or again:
        log.info("version %s: åtgärd(er) %s klara, %s togs upp igen", m.id, [r.id for r in closing],
                 [r.id for r in again])
    _send_after_commit(ctx, s, _safety_notice(ctx, s, m, workplace))


def _reopen(s: Session, corrected_id: int, meeting_date: str) -> None:
    """Open again the earlier meetings' actions a corrected version closed or replaced: its correction
    decides anew (the corrected version's own actions are taken over by :func:`_store`)."""
    s.execute(
        update(ActionRow)
        .where(ActionRow.done_in_minutes_id == corrected_id, ActionRow.meeting_date != meeting_date,
               ActionRow.state.in_((ActionState.DONE, ActionState.REPLACED)))
        .values(state=ActionState.OPEN, done_at=None, done_in_minutes_id=None)
        .execution_options(synchronize_session="fetch")
    )


def _store(s: Session, m: MinutesRow, workplace: Workplace) -> None:
    """Store a version's actions; a correction takes over those of the version it corrects."""
    refs = Minutes.of(m.minutes).all_actions()
    old: list[ActionRow] = []
    if m.replaces_id:
        old = list(s.scalars(
            select(ActionRow).where(ActionRow.minutes_id == m.replaces_id,
                                    ActionRow.state.in_((ActionState.OPEN, ActionState.DONE)))
            .order_by(ActionRow.position)
        ))
    pairs = carried_over([ref.action for ref in refs], [_tracked(r) for r in old])
    by_id = {r.id: r for r in old}
    for position, ref in enumerate(refs):
        action = ref.action
        what = " ".join(action.what.split())
        if not what:
            continue
        owner = " ".join((action.owner or "").split())[:200]
        due = iso_date(action.due)
        fields = {
            "what": what, "owner": owner, "owner_email": match_owner(owner, workplace.members), "due": due,
            "remind_on": remind_on(due, workplace.reminder_days), "meeting_date": m.meeting_date,
        }
        row = by_id.get(pairs[position]) if position in pairs else None
        if row is None:
            s.add(ActionRow(workplace_id=m.workplace_id, minutes_id=m.id, position=position,
                            state=ActionState.OPEN, **fields))
            continue
        if row.state == ActionState.OPEN and (row.due != due or row.owner_email != fields["owner_email"]):
            row.reminded_at = row.overdue_noticed_at = None  # a new date or owner: remind anew
        for key, value in fields.items():
            setattr(row, key, value)
        row.minutes_id, row.position = m.id, position
    kept = set(pairs.values())
    for row in old:
        if row.id not in kept and row.state == ActionState.OPEN:
            row.state, row.done_in_minutes_id = ActionState.REPLACED, m.id
    s.flush()


def _safety_notice(ctx: StepContext, s: Session, m: MinutesRow, workplace: Workplace) -> list[int]:
    """Queue the skyddskommitté notice to each manager, once per version; return the mails queued.

    A correction whose corrected version warned of the same is no new event: nobody is told again.
    """
    from service.mail.followup import safety_notice

    data = m.minutes
    previous = _previous_meeting(s, m)
    warnings = safety_warnings(data, workplace, previous)
    if not warnings:
        return []
    corrected = s.get(MinutesRow, m.replaces_id) if m.replaces_id else None
    if corrected is not None:
        told = set(safety_warnings(corrected.minutes, workplace, previous))
        if set(warnings) <= told:
            return []
    meeting = Minutes.of(data).meeting
    ids: list[int] = []
    for manager in workplace.managers:
        key = f"notice:safety:{m.id}:{manager.email}"
        msg = safety_notice(warnings=warnings, meeting=meeting, to=manager, key=key, previous=previous,
                            sender=ctx.settings.delivery.sender, archive_url=ctx.archive_url(m.id),
                            language=workplace.language)
        mail_id = queue_mail(s, key, "notice", manager.email, msg)
        ids += [mail_id] if mail_id else []
    return ids


def _send_after_commit(ctx: StepContext, s: Session, mail_ids: list[int]) -> None:
    """Enqueue mails once the transaction that queued them is committed (the sweeper sends any missed)."""
    if not mail_ids:
        return
    pending = s.info.setdefault("followup_mail", [])
    if not pending:
        def enqueue(session: Session) -> None:
            for mail_id in session.info.pop("followup_mail", []):
                ctx.enqueue("send_mail", mail_id)

        event.listen(s, "after_commit", enqueue, once=True)
    pending.extend(mail_ids)


# --------------------------------------------------------------------------- the receipt


def receipt_lines(ctx: StepContext, s: Session, m: MinutesRow, language: str) -> list[str]:
    """Return what the receipt says about earlier actions: still open, and closed by this draft."""
    workplace = _workplace(ctx, m.workplace_id)
    if workplace is None:
        return []
    data = m.minutes
    if "followup" in data:  # released already: what record stored
        open_actions, closed = listed_from_json(data)
    else:
        open_rows, closing, _again = _view(s, m, workplace.language)
        day = m.meeting_date or today()
        open_actions, closed = [_listed(r, day) for r in open_rows], [_listed(r) for r in closing]
    previous = _previous_meeting(s, m)
    warnings = safety_warnings(data, workplace, previous)
    return render_lines(open_actions, closed, warnings, previous=previous, language=language)


# --------------------------------------------------------------------------- the sweeper


def unfinished(s: Session, times: SweepTimes) -> list[int]:
    """Return the open actions whose owner is to be reminded, or whose managers are to hear it is overdue."""
    day = today(times.now)
    return list(s.scalars(
        select(ActionRow.id)
        .where(ActionRow.state == ActionState.OPEN, ActionRow.due != "",
               or_(and_(ActionRow.reminded_at.is_(None), ActionRow.owner_email != "",
                        ActionRow.remind_on != "", ActionRow.remind_on <= day, ActionRow.due >= day),
                   and_(ActionRow.overdue_noticed_at.is_(None), ActionRow.due < day)))
        .order_by(ActionRow.id)
    ))


def _claim(s: Session, action_id: int, column: str) -> bool:
    """Set ``reminded_at`` or ``overdue_noticed_at`` unless another sweeper did; tell whether it is ours."""
    attr = getattr(ActionRow, column)
    done = s.execute(
        update(ActionRow).where(ActionRow.id == action_id, attr.is_(None)).values({column: utcnow()})
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def follow_up(ctx: StepContext, action_id: int) -> None:
    """Remind one action's owner, or tell the managers it has gone overdue; each once, ever."""
    with ctx.db.session() as s:
        row = s.get(ActionRow, action_id)
        if row is None or row.state != ActionState.OPEN:
            return
        workplace = _workplace(ctx, row.workplace_id)
        day = today()
        mail_ids = _remind(ctx, s, row, workplace, day) + _notice_overdue(ctx, s, row, workplace, day)
    for mail_id in mail_ids:
        ctx.enqueue("send_mail", mail_id)


def _remind(ctx: StepContext, s: Session, row: ActionRow, workplace: Workplace | None, day: str) -> list[int]:
    """Queue the owner's reminder when it is due and nobody queued it before; return the mail queued."""
    from service.mail.followup import reminder

    if row.reminded_at is not None or not row.owner_email or not row.remind_on:
        return []
    wanted = remind_on(row.due, workplace.reminder_days) if workplace else row.remind_on
    if wanted > day:
        row.remind_on = wanted  # reminder_days was lowered since it was recorded: remind by the new setting
        return []
    if not row.remind_on <= day <= row.due or not _claim(s, row.id, "reminded_at"):
        return []
    owner = workplace.member(row.owner_email) if workplace else None
    if owner is None:
        return []  # no longer on the roster: nobody to remind (the claim keeps it from coming back)
    key = f"reminder:action:{row.id}:{row.due}:{owner.email}"  # a correction's new date or owner: once more
    msg = reminder(action=_listed(row), meeting=_meeting(row, workplace), to=owner, key=key, today=day,
                   sender=ctx.settings.delivery.sender, archive_url=ctx.archive_url(row.minutes_id),
                   language=workplace.language)
    mail_id = queue_mail(s, key, "reminder", owner.email, msg)
    return [mail_id] if mail_id else []


def _notice_overdue(
    ctx: StepContext, s: Session, row: ActionRow, workplace: Workplace | None, day: str
) -> list[int]:
    """Queue a notice to each manager when the action has gone overdue, once; return the mails queued."""
    from service.mail.followup import overdue_notice

    if row.overdue_noticed_at is not None or not overdue(row.due, day):
        return []
    if not _claim(s, row.id, "overdue_noticed_at") or workplace is None:
        return []
    ids: list[int] = []
    for manager in workplace.managers:
        key = f"notice:overdue:{row.id}:{row.due}:{manager.email}"
        msg = overdue_notice(action=_listed(row), meeting=_meeting(row, workplace), to=manager, key=key,
                             sender=ctx.settings.delivery.sender, archive_url=ctx.archive_url(row.minutes_id),
                             language=workplace.language)
        mail_id = queue_mail(s, key, "notice", manager.email, msg)
        ids += [mail_id] if mail_id else []
    return ids


SWEPT = Unfinished("followup", unfinished, resume=follow_up)
"""What the sweeper asks of the follow-up: reminders and overdue notices that are due."""
