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
from service.archive.db import GateRequest, Inbound, MinutesRow, utcnow
from service.domain.requests import LINK_PATH, Verdict, new_token, request_message_id, token_hash
from service.steps.context import StepContext, SweepTimes, Unfinished
from service.steps.gates import Job, advance, held_at
from service.steps.mail import queue_mail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger("service.pipeline")

MAIL_INTERVAL = dt.timedelta(hours=1)
"""At most one confirm-request per address in this long."""


def link_url(ctx: StepContext, token: str) -> str:
    """Return the page a request's link opens (it acts only on the button there, never on GET)."""
    return f"{ctx.settings.web.base_url.rstrip('/')}{LINK_PATH}{token}"


def applies(ctx: StepContext, s: Session, m: MinutesRow) -> bool:
    """Tell whether a version waits for its sender: not vouched for, under the policy "confirm"."""
    sender = m.minutes.get("sender") or {}
    return ctx.settings.intake.unauthenticated_sender == "confirm" and not sender.get("authenticated")


def hold(ctx: StepContext, s: Session, m: MinutesRow) -> list[Job]:
    """Ask the roster address the draft claims to come from; return the mail to send, if the limit allows."""
    email = str((m.minutes.get("sender") or {}).get("email") or "").strip().lower()
    inbound = s.get(Inbound, m.inbound_id)
    now = utcnow()
    request = GateRequest(
        kind=RequestKind.CONFIRM,
        minutes_id=m.id,
        email=email,
        reply_hash=token_hash(new_token()),
        link_hash=token_hash(new_token()),
        created_at=now,
        expires_at=now + dt.timedelta(days=ctx.settings.intake.confirm_days),
    )
    s.add(request)
    s.flush()
    mail_id = _mail_request(ctx, s, request, m, in_reply_to=inbound.message_id if inbound else "")
    return [("send_mail", mail_id)] if mail_id else []


def on_answer(
    ctx: StepContext, s: Session, request: GateRequest, said: Verdict, text: str
) -> tuple[str, list[Job]]:
    """Let a confirmed draft on to the next gate, or stop it."""
    m = s.get(MinutesRow, request.minutes_id)
    if m is None or not held_at(m, Gate.CONFIRM):
        return f"förfrågan {request.id}: utkastet väntar inte längre", []
    if said is Verdict.APPROVE:
        log.info("utkast %s bekräftat av %s", m.id, request.email)
        from service.steps.process import receipt_after_gate

        jobs = advance(ctx, s, m, after=Gate.CONFIRM)
        return f"förfrågan {request.id}: bekräftad", jobs + receipt_after_gate(ctx, s, m)
    if said is Verdict.STOP:
        m.state = MinutesState.STOPPED
        return f"förfrågan {request.id}: stoppad", []
    return f"förfrågan {request.id}: kommentar", []


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
