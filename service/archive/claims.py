"""The states work goes through, and the statements that claim, renew, record and release it.

Every step and the sweeper use these, so "due", "claimed" and "abandoned" mean one thing everywhere.
The statements take the mapped class they work on (``Inbound``, ``Delivery``, ``OutgoingMail``) and
use only the columns those share: ``id``, ``state``, ``attempts``, ``claimed_at``, ``claimed_by`` and,
for what is sent, ``next_attempt_at``. A claimer is ``host:pid``, so that any process on the same host
can tell whether the one holding a claim still runs.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.sql.elements import ColumnElement


class InboundState(StrEnum):
    """What became of one inbound message (``inbound.state``)."""

    RECEIVED = "received"
    """Stored durably; waiting to be processed."""

    PROCESSING = "processing"
    """Claimed by a process that parses, routes and structures it."""

    ACCEPTED = "accepted"
    """Structured into a minutes version."""

    REJECTED = "rejected"
    """Not minutes Minnes may take; the reason is recorded (and told the sender when allowed)."""

    BOUNCE = "bounce"
    """A delivery status notification, recorded against its delivery."""

    FAILED = "failed"
    """Processing crashed too often; left for an administrator."""

    REPLY = "reply"
    """An answer to one of Minnes's requests (or a refused attempt at one); never a draft."""


class MinutesState(StrEnum):
    """How far one minutes version has come (``minutes.state``)."""

    HELD = "held"
    """Structured and stored, waiting at a gate (``minutes.gate``); nobody but the asked has heard of it."""

    STOPPED = "stopped"
    """Stopped at a gate by the person asked; never signed or sent."""

    EXPIRED = "expired"
    """Waited at a gate longer than allowed; never signed or sent."""

    REPLACED = "replaced"
    """A newer version of the same meeting replaced it while it waited at a gate; never sent."""

    STRUCTURED = "structured"
    """Stored as structured JSON; its PDF is not signed yet."""

    SIGNED = "signed"
    """Its PDF is rendered, signed and archived; its deliveries are not created yet."""

    DISTRIBUTING = "distributing"
    """One delivery per recipient exists; some may still be due."""

    DISTRIBUTED = "distributed"
    """Every delivery has settled (sent or failed)."""


class Gate(StrEnum):
    """A gate a minutes version waits at before it is signed (DESIGN "Gates")."""

    CONFIRM = "confirm"
    """The sender was not authenticated; the roster address it claims must confirm."""

    PRIVACY = "privacy"
    """The privacy check found personnummer or health details; a corrected draft or the manager passes it."""

    JUSTERING = "justering"
    """Every justerare must approve."""

    REVIEW = "review"
    """The note-taker's review window: time passes it, a STOPP reply stops it."""


class RequestKind(StrEnum):
    """What one request asks (``request.kind``)."""

    CONFIRM = "confirm"
    """Did you send this draft? Asked of the roster address an unauthenticated draft claims."""

    RELEASE = "release"
    """Release minutes held for privacy? Asked of each manager, answered by link only."""

    APPROVAL = "approval"
    """Do you approve (justera) these minutes? Asked of each justerare."""

    REVIEW = "review"
    """The receipt in a review window: a STOPP reply stops the minutes (any other reply is a draft)."""


class Answer(StrEnum):
    """How a request was answered (``request.answer``)."""

    CONFIRMED = "confirmed"
    """Yes: the minutes may go on."""

    STOPPED = "stopped"
    """No: the minutes stop here."""

    COMMENT = "comment"
    """Something else, kept for the note-taker; the minutes wait for a corrected draft."""

    EXPIRED = "expired"
    """Nobody answered in time."""

    REPLACED = "replaced"
    """A newer request took its place."""


class SendState(StrEnum):
    """Where one mail to one recipient is: a delivery (``delivery.state``) or an outgoing mail."""

    PENDING = "pending"
    """Created, never tried."""

    SENDING = "sending"
    """Claimed by a process that is handing it to the relay."""

    SENT = "sent"
    """Accepted by the relay."""

    DEFERRED = "deferred"
    """Refused for now; tried again at ``next_attempt_at``."""

    FAILED = "failed"
    """Refused for good, bounced (deliveries), or given up on after the retry window."""


DeliveryState = SendState
"""The states of one recipient's copy of the minutes."""

MailState = SendState
"""The states of one receipt, rejection or delivery report."""


DUE_STATES = (SendState.PENDING, SendState.DEFERRED)
"""States of a delivery or outgoing mail that may be claimed for sending (when its next attempt is due)."""

OPEN_STATES = (SendState.PENDING, SendState.DEFERRED, SendState.SENDING)
"""States of a delivery that keep its minutes from having settled."""


# --------------------------------------------------------------------------- claimers


def worker_identity() -> str:
    """Return host:pid, written on what this process claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claimer_gone(claimer: str) -> bool | None:
    """Tell whether a host:pid claimer's process has ended; None when it runs on another host."""
    host, _, pid = (claimer or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def dead_claimers(claimers: Iterable[str]) -> list[str]:
    """Return the claimers that are processes of this host which no longer run."""
    return [c for c in set(claimers) if claimer_gone(c)]


def claimers_of(s: Any, model: Any, state: str) -> set[str]:  # noqa: ANN401 - Session, mapped class
    """Return who holds the rows of ``model`` that are in ``state``."""
    return set(s.scalars(select(model.claimed_by).where(model.state == state).distinct()))


# --------------------------------------------------------------------------- due and abandoned


def due(model: Any, now: Any) -> ColumnElement[bool]:  # noqa: ANN401 - mapped class, datetime or bind
    """Return the condition of a row of ``model`` that may be claimed for sending at ``now``."""
    return and_(
        or_(model.state == DUE_STATES[0], model.state == DUE_STATES[1]),
        or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
    )


def abandoned(model: Any, claimed: str, stale: dt.datetime, dead: list[str]) -> ColumnElement[bool]:  # noqa: ANN401
    """Return the condition of a row left in state ``claimed`` by a dead or long-silent claimer."""
    return and_(model.state == claimed, or_(model.claimed_at < stale, model.claimed_by.in_(dead)))


def release_sending(s: Any, model: Any, stale: dt.datetime, dead: list[str]) -> None:  # noqa: ANN401
    """Hand back to the due deliveries or outgoing mails those whose sender died or went silent."""
    s.execute(
        update(model)
        .where(abandoned(model, SendState.SENDING, stale, dead))
        .values(state=SendState.DEFERRED, claimed_at=None, claimed_by="", next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )


# --------------------------------------------------------------------------- claim, renew, record


@cache
def claim_statement(model: Any, *, returning: bool):  # noqa: ANN202, ANN401 - Update
    """Return the statement that claims one due row (parameters d_id, d_now, d_me); built once."""
    now = bindparam("d_now")
    stmt = (
        update(model)
        .where(model.id == bindparam("d_id"), due(model, now))
        .values(
            state=SendState.SENDING,
            claimed_at=now,
            claimed_by=bindparam("d_me"),
            attempts=model.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return stmt.returning(model.attempts, model.created_at) if returning else stmt


@cache
def renew_statement(model: Any):  # noqa: ANN202, ANN401 - Update
    """Return the statement that renews this process's claim on one row (d_id, d_now, d_me); built once."""
    return (
        update(model)
        .where(
            model.id == bindparam("d_id"),
            model.state == SendState.SENDING,
            model.claimed_by == bindparam("d_me"),
        )
        .values(claimed_at=bindparam("d_now"))
        .execution_options(synchronize_session=False)
    )


@cache
def record_statement(model: Any, columns: tuple[str, ...]):  # noqa: ANN202, ANN401 - Update
    """Return the statement that records one attempt (parameters d_id and v_<column>); built once."""
    return (
        update(model)
        .where(model.id == bindparam("d_id"))
        .values({column: bindparam(f"v_{column}") for column in columns})
        .execution_options(synchronize_session=False)
    )


def claim(s: Any, model: Any, ident: int, now: dt.datetime, me: str) -> bool:  # noqa: ANN401
    """Mark one due row as being sent by ``me``; False when it is not due or someone else has it."""
    result = s.execute(claim_statement(model, returning=False), {"d_id": ident, "d_now": now, "d_me": me})
    return result.rowcount == 1


def record(s: Any, model: Any, ident: int, values: dict[str, object]) -> None:  # noqa: ANN401
    """Write the column values of one attempt on one row."""
    params = {f"v_{key}": value for key, value in values.items()}
    s.execute(record_statement(model, tuple(sorted(values))), {"d_id": ident, **params})


def claim_received(s: Any, model: Any, ident: int, now: dt.datetime, me: str) -> bool:  # noqa: ANN401
    """Mark one received inbound message as being processed by ``me``; False when it is not received."""
    result = s.execute(
        update(model)
        .where(model.id == ident, model.state == InboundState.RECEIVED)
        .values(state=InboundState.PROCESSING, attempts=model.attempts + 1, claimed_at=now, claimed_by=me)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


# --------------------------------------------------------------------------- outcome of one attempt


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a refused mail is tried again."""

    base_seconds: float
    """Delay before the second attempt; it doubles with every attempt after (at most an hour)."""

    give_up_hours: float
    """Hours after the row was created when a mail that is still refused for now fails for good."""

    def delay(self, attempts: int) -> dt.timedelta:
        """Return the wait before the attempt after ``attempts`` attempts."""
        return dt.timedelta(seconds=min(self.base_seconds * (2 ** max(attempts - 1, 0)), 3600.0))


def attempt_values(
    policy: RetryPolicy, attempts: int, created_at: dt.datetime, outcome: str, answer: str, now: dt.datetime
) -> dict[str, object]:
    """Return the new column values of a row after one attempt: sent, deferred or failed."""
    last = (answer or "")[:2000]
    values: dict[str, object] = {"last_answer": last, "updated_at": now, "claimed_at": None}
    if outcome == "sent":
        values.update(state=SendState.SENT, sent_at=now, next_attempt_at=None)
    elif outcome == "deferred":
        give_up = created_at + dt.timedelta(hours=policy.give_up_hours)
        if now >= give_up:
            values.update(state=SendState.FAILED, last_answer=f"gav upp efter {attempts} försök: {last}")
        else:
            values.update(state=SendState.DEFERRED, next_attempt_at=now + policy.delay(attempts))
    else:
        values["state"] = SendState.FAILED
    return values
