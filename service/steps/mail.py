"""Outgoing mail: receipts, rejections and delivery reports, each stored once by key and sent once."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from email.message import EmailMessage
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from service.archive import claims
from service.archive.claims import MailState, RetryPolicy, SendState
from service.archive.db import OutgoingMail, utcnow
from service.domain.throttling import gives_up
from service.steps.context import StepContext, SweepTimes, Unfinished

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from service.mail.sending import SendResult


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
        values = outcome_values(ctx.retry_policy(), row.attempts, row.created_at, result, utcnow())
        values.pop("updated_at")  # outgoing mail keeps no such column
        claims.record(s, OutgoingMail, mail_id, values)
        if carries_tokens(row.raw) and values.get("state") in (MailState.SENT, MailState.FAILED):
            s.execute(
                update(OutgoingMail).where(OutgoingMail.id == mail_id).values(raw=redacted(row.raw))
                .execution_options(synchronize_session=False)
            )  # a sent request's tokens live only in the recipient's mailbox


def outcome_values(
    policy: RetryPolicy, attempts: int, created_at: dt.datetime, result: SendResult, now: dt.datetime
) -> dict[str, object]:
    """Return a row's new column values after one send; a held one (throttled, paced) is no attempt.

    A held message is due again after its short wait, its attempt given back (no doubled backoff, no
    step towards giving up); only a relay that throttles past the whole retry window fails it.
    """
    if result.hold is None:
        return claims.attempt_values(policy, attempts, created_at, result.outcome, result.answer, now)
    past = now >= created_at + dt.timedelta(hours=policy.give_up_hours)
    if gives_up(result.hold, past_retry_window=past):
        return claims.attempt_values(policy, attempts, created_at, "deferred", result.answer, now)
    return {
        "state": SendState.DEFERRED,
        "attempts": max(attempts - 1, 0),
        "next_attempt_at": now + dt.timedelta(seconds=result.wait),
        "last_answer": (result.answer or "")[:2000],
        "claimed_at": None,
        "updated_at": now,
    }


TOKEN_HEADERS = ("Message-ID", "In-Reply-To", "References")
"""Headers that may name a request's reply token (a request's own id, or a reminder threaded under it)."""


def carries_tokens(raw: bytes) -> bool:
    """Tell whether a mail may hold a request token (in a request Message-ID or a link), cheaply."""
    from service.domain.requests import LINK_PATH, LOGIN_PATH, MESSAGE_ID_PREFIX

    return any(mark.encode() in raw for mark in (MESSAGE_ID_PREFIX, LINK_PATH, LOGIN_PATH))


def redacted(raw: bytes) -> bytes:
    """Return a sent mail with the tokens in its threading headers and text replaced by an ellipsis.

    Tokens are kept in the archive no longer than it takes to send them: afterwards they live only in
    the recipient's mailbox.
    """
    from service.domain.requests import redact

    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for name in TOKEN_HEADERS:
        if msg[name]:
            value = redact(str(msg[name])).replace("…", "redacted")  # a header stays ASCII
            del msg[name]
            msg[name] = value
    for part in msg.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            language = part.get("Content-Language")
            part.set_content(redact(part.get_content()), subtype=part.get_content_subtype(), charset="utf-8")
            if language:
                part["Content-Language"] = language
    return msg.as_bytes()


def unfinished(s: Session, times: SweepTimes) -> list[int]:
    """Hand back mail whose sender died or went silent; return the mail that is due."""
    dead = claims.dead_claimers(claims.claimers_of(s, OutgoingMail, MailState.SENDING))
    claims.release_sending(s, OutgoingMail, times.sending_stale, dead)
    return list(s.scalars(select(OutgoingMail.id).where(claims.due(OutgoingMail, times.now))))


SWEPT = Unfinished("send_mail", unfinished)
"""What the sweeper asks of this step."""
