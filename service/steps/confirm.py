"""Confirm gate: an unauthenticated draft waits until the roster address it claims confirms it.

The draft is structured and stored, then held (``minutes.state = held``, ``gate = confirm``). Its
sender gets one ``confirm-request`` (at most one per address an hour: a request held back by that
limit is mailed by the sweeper once the hour has passed). Nobody else hears of it until a reply or
the link confirms it; after ``intake.confirm_days`` it expires.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from service.archive.claims import Answer, Gate, MinutesState, RequestKind
from service.archive.db import GateRequest, MinutesRow, utcnow
from service.domain.requests import LINK_PATH, new_token, request_message_id, token_hash
from service.steps.context import StepContext, SweepTimes, Unfinished
from service.steps.mail import queue_mail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger("service.pipeline")

MAIL_INTERVAL = dt.timedelta(hours=1)
"""At most one confirm-request per address in this long."""


def link_url(ctx: StepContext, token: str) -> str:
    """Return the page a request's link opens (it acts only on the button there, never on GET)."""
    return f"{ctx.settings.web.base_url.rstrip('/')}{LINK_PATH}{token}"


def hold(ctx: StepContext, s: Session, minutes: MinutesRow, *, email: str, in_reply_to: str) -> int | None:
    """Hold a minutes version at the confirm gate and ask its sender; return the mail to send, if any."""
    minutes.state = MinutesState.HELD
    minutes.gate = Gate.CONFIRM
    now = utcnow()
    request = GateRequest(
        kind=RequestKind.CONFIRM,
        minutes_id=minutes.id,
        email=email.strip().lower(),
        reply_hash=token_hash(new_token()),
        link_hash=token_hash(new_token()),
        created_at=now,
        expires_at=now + dt.timedelta(days=ctx.settings.intake.confirm_days),
    )
    s.add(request)
    s.flush()
    return _mail_request(ctx, s, request, minutes, in_reply_to=in_reply_to)


def _recently_mailed(s: Session, email: str, now: dt.datetime) -> bool:
    """Tell whether a confirm-request went to this address within the last hour."""
    return bool(
        s.scalar(
            select(func.count(GateRequest.id)).where(
                GateRequest.kind == RequestKind.CONFIRM,
                GateRequest.email == email,
                GateRequest.mailed_at.is_not(None),
                GateRequest.mailed_at > now - MAIL_INTERVAL,
            )
        )
    )


def _mail_request(
    ctx: StepContext, s: Session, request: GateRequest, minutes: MinutesRow, *, in_reply_to: str = ""
) -> int | None:
    """Queue the confirm-request with fresh tokens, unless the hourly limit holds it back."""
    from service.mail.compose import confirm_request, sender_domain

    now = utcnow()
    if request.mailed_at is not None or request.answer or _recently_mailed(s, request.email, now):
        return None
    reply_token, link_token = new_token(), new_token()
    request.reply_hash, request.link_hash = token_hash(reply_token), token_hash(link_token)
    request.mailed_at = now
    workplace = ctx.config.workplace(minutes.workplace_id)
    msg = confirm_request(
        minutes=minutes.minutes,
        to=request.email,
        sender=ctx.settings.delivery.sender,
        reply_to=ctx.settings.intake.mailbox_address,
        message_id=request_message_id(reply_token, sender_domain(ctx.settings.delivery.sender)),
        link=link_url(ctx, link_token),
        expires=request.expires_at.date().isoformat(),
        in_reply_to=in_reply_to,
        language=workplace.language,
    )
    return queue_mail(s, f"confirm-request:{request.id}", "confirm-request", request.email, msg)


def mail_waiting(ctx: StepContext, request_id: int) -> None:
    """Mail a confirm-request the hourly limit held back, when the limit allows it now."""
    with ctx.db.session() as s:
        request = s.get(GateRequest, request_id)
        minutes = s.get(MinutesRow, request.minutes_id) if request is not None else None
        if minutes is None or minutes.state != MinutesState.HELD or minutes.gate != Gate.CONFIRM:
            return
        mail_id = _mail_request(ctx, s, request, minutes)
    if mail_id:
        ctx.enqueue("send_mail", mail_id)


def _held_here(minutes_id: int):  # noqa: ANN202 - a SQL condition
    held = (MinutesRow.state == MinutesState.HELD) & (MinutesRow.gate == Gate.CONFIRM)
    return (MinutesRow.id == minutes_id) & held


def confirm(s: Session, minutes_id: int) -> bool:
    """Let a held version through the confirm gate; True when it was waiting there."""
    done = s.execute(
        update(MinutesRow)
        .where(_held_here(minutes_id))
        .values(state=MinutesState.STRUCTURED, gate="")
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)


def stop(s: Session, minutes_id: int) -> bool:
    """Stop a version held at the confirm gate; True when it was waiting there."""
    done = s.execute(
        update(MinutesRow)
        .where(_held_here(minutes_id))
        .values(state=MinutesState.STOPPED)
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)


def unfinished(s: Session, times: SweepTimes) -> list[int]:
    """Expire drafts nobody confirmed in time; return the held-back requests whose hour has passed."""
    expired = list(
        s.scalars(
            select(GateRequest.id).where(
                GateRequest.kind == RequestKind.CONFIRM, GateRequest.answer == "",
                GateRequest.expires_at < times.now,
            )
        )
    )
    for request_id in expired:
        request = s.get(GateRequest, request_id)
        request.answer, request.answered_at = Answer.EXPIRED, times.now
        s.execute(
            update(MinutesRow)
            .where(_held_here(request.minutes_id))
            .values(state=MinutesState.EXPIRED)
            .execution_options(synchronize_session=False)
        )
        log.info("utkast %s bekräftades inte i tid och har gått ut", request.minutes_id)
    waiting = s.scalars(
        select(GateRequest).where(
            GateRequest.kind == RequestKind.CONFIRM, GateRequest.answer == "", GateRequest.mailed_at.is_(None)
        ).order_by(GateRequest.id)
    )
    due: list[int] = []
    addresses: set[str] = set()
    for request in waiting:
        if request.email not in addresses and not _recently_mailed(s, request.email, times.now):
            due.append(request.id)
            addresses.add(request.email)  # one per address per sweep: the limit holds for the rest
    return due


SWEPT = Unfinished("confirm", unfinished, resume=mail_waiting)
"""What the sweeper asks of this gate: expiries, and requests the hourly limit held back."""
