"""Outgoing mail: receipts, rejections and delivery reports, each stored once by key and sent once."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from typing import TYPE_CHECKING

from sqlalchemy import select

from service.archive import claims
from service.archive.claims import MailState
from service.archive.db import OutgoingMail, utcnow
from service.steps.context import StepContext, SweepTimes, Unfinished

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def queue_mail(s: Session, key: str, kind: str, recipient: str, msg: EmailMessage) -> int | None:
    """Store a composed message under a unique key; return its id, None when it existed."""
    if s.scalar(select(OutgoingMail.id).where(OutgoingMail.key == key)) is not None:
        return None
    row = OutgoingMail(key=key, kind=kind, recipient=recipient, raw=msg.as_bytes())
    s.add(row)
    s.flush()
    return row.id


def send_mail(ctx: StepContext, mail_id: int) -> None:
    """Send one receipt, rejection or report once; idempotent."""
    with ctx.db.session() as s:
        if not claims.claim(s, OutgoingMail, mail_id, utcnow(), claims.worker_identity()):
            return
        row = s.get(OutgoingMail, mail_id)
        raw, recipient = row.raw, row.recipient
    msg = email.message_from_bytes(raw, policy=email.policy.SMTP)
    with ctx.transport().session() as session:
        result = session.send(msg, recipient)
    with ctx.db.session() as s:
        row = s.get(OutgoingMail, mail_id)
        values = claims.attempt_values(
            ctx.retry_policy(), row.attempts, row.created_at, result.outcome, result.answer, utcnow()
        )
        values.pop("updated_at")  # outgoing mail keeps no such column
        claims.record(s, OutgoingMail, mail_id, values)


def unfinished(s: Session, times: SweepTimes) -> list[int]:
    """Hand back mail whose sender died or went silent; return the mail that is due."""
    dead = claims.dead_claimers(claims.claimers_of(s, OutgoingMail, MailState.SENDING))
    claims.release_sending(s, OutgoingMail, times.sending_stale, dead)
    return list(s.scalars(select(OutgoingMail.id).where(claims.due(OutgoingMail, times.now))))


SWEPT = Unfinished("send_mail", unfinished)
"""What the sweeper asks of this step."""
