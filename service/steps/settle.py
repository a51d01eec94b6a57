"""Settle: close a fan-out once nobody is due any more, and report who was not reached."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from service.archive import claims
from service.archive.claims import DeliveryState, MinutesState
from service.archive.db import Delivery, MinutesRow
from service.steps.context import StepContext, SweepTimes, Unfinished
from service.steps.mail import queue_mail

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.orm import Session


def settle(ctx: StepContext, minutes_id: int) -> None:
    """Close a fan-out that has settled, and report anyone not reached to manager and skyddsombud."""
    from service.mail import compose

    mail_ids: list[int] = []
    with ctx.db.session() as s:
        m = s.get(MinutesRow, minutes_id)
        if m is None:
            return
        open_count = s.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.minutes_id == minutes_id, Delivery.state.in_(claims.OPEN_STATES))
        )
        if open_count:
            return
        m.state = MinutesState.DISTRIBUTED
        if m.report_sent:
            return
        failed = list(
            s.scalars(
                select(Delivery).where(
                    Delivery.minutes_id == minutes_id, Delivery.state == DeliveryState.FAILED
                )
            )
        )
        m.report_sent = True
        if not failed:
            return
        workplace = ctx.config.workplace(m.workplace_id)
        unreached = [(d.name, d.email, d.last_answer) for d in failed]
        stamp = hashlib.sha256(",".join(sorted(d.email for d in failed)).encode()).hexdigest()[:12]
        for person in workplace.managers + workplace.safety_reps:
            msg = compose.delivery_report(
                minutes=m.minutes,
                workplace=workplace,
                to=person,
                unreached=unreached,
                archive_url=ctx.archive_url(minutes_id),
                sender=ctx.settings.delivery.sender,
            )
            ident = queue_mail(
                s, f"report:{minutes_id}:{stamp}:{person.email}", "delivery-report", person.email, msg
            )
            if ident:
                mail_ids.append(ident)
    for ident in mail_ids:
        ctx.enqueue("send_mail", ident)


def minutes_due(s: Session, now: dt.datetime) -> list[int]:
    """Return the minutes that have at least one delivery due at ``now``."""
    return list(s.scalars(select(Delivery.minutes_id).where(claims.due(Delivery, now)).distinct()))


def unfinished(s: Session, times: SweepTimes) -> list[int]:
    """Return the minutes still marked distributing that nobody is due to be sent any more."""
    distributing = s.scalars(select(MinutesRow.id).where(MinutesRow.state == MinutesState.DISTRIBUTING))
    due = set(minutes_due(s, times.now))
    return [ident for ident in distributing if ident not in due]


SWEPT = Unfinished("settle", unfinished, resume=settle)
"""What the sweeper asks of this step: it settles these itself."""
