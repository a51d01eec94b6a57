"""The audit log: who logged in, viewed, downloaded, approved or released what, and when.

Append-only: rows are only ever inserted (the database refuses UPDATE and DELETE on the table, see
migration 0005), and no row ever holds a token or a minutes' text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import DateTime, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.archive.db import Base, utcnow


class AuditAction(StrEnum):
    """What an audit event records."""

    LOGIN_REQUESTED = "login_requested"
    """Someone asked for a login link (the address they typed is the actor)."""
    LOGIN = "login"
    """A person logged in (by link or by the SSO header)."""
    LOGIN_FAILED = "login_failed"
    """A login link was used again, too late or from another browser."""
    LOGOUT = "logout"
    """A person logged out."""
    VIEW = "view"
    """A minutes page (or another page naming one workplace) was shown."""
    DOWNLOAD = "download"
    """A signed PDF or an outbox mail was downloaded."""
    APPROVAL = "approval"
    """A justerare approved (or commented on) minutes."""
    CONFIRMATION = "confirmation"
    """A note-taker confirmed a held draft."""
    RELEASE = "release"
    """A manager released minutes held for privacy."""
    ACTION_DONE = "action_done"
    """An action was marked done on the page."""
    REMOVAL = "removal"
    """Retention removed a stored file or minutes."""
    EXPORT = "export"
    """An information package was exported."""


class AuditEvent(Base):
    """One audited event."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(320), index=True)
    """The person's address, or ``minnes`` for the service itself."""
    action: Mapped[str] = mapped_column(String(32), index=True)
    """What happened (:class:`AuditAction`)."""
    target: Mapped[str] = mapped_column(String(200), default="")
    """What it happened to, e.g. ``minutes/12`` or ``minutes/12.pdf``."""
    workplace_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    """A short note in plain words (never a token)."""
    client: Mapped[str] = mapped_column(String(64), default="")
    """The client's address as the page saw it, '' for the service itself."""


@dataclass(frozen=True)
class AuditFilter:
    """Which events an admin asked to see."""

    actor: str = ""
    """Only this address ('' for all)."""
    action: str = ""
    """Only this action ('' for all)."""
    workplace_id: str = ""
    """Only this workplace ('' for all)."""
    since: dt.date | None = None
    """Only on or after this day."""
    until: dt.date | None = None
    """Only on or before this day."""


def record(
    session: Session,
    actor: str,
    action: AuditAction,
    *,
    target: str = "",
    workplace_id: str = "",
    detail: str = "",
    client: str = "",
) -> None:
    """Add one event to the audit log, within the caller's transaction."""
    session.add(
        AuditEvent(
            actor=(actor or "")[:320], action=str(action), target=target[:200],
            workplace_id=workplace_id[:64], detail=detail[:2000], client=client[:64],
        )
    )


def events(session: Session, wanted: AuditFilter, *, limit: int = 100, offset: int = 0) -> list[AuditEvent]:
    """Return the events that match, newest first."""
    query = select(AuditEvent)
    if wanted.actor:
        query = query.where(AuditEvent.actor == wanted.actor.strip().lower())
    if wanted.action:
        query = query.where(AuditEvent.action == wanted.action)
    if wanted.workplace_id:
        query = query.where(AuditEvent.workplace_id == wanted.workplace_id)
    if wanted.since:
        query = query.where(AuditEvent.at >= dt.datetime.combine(wanted.since, dt.time()))
    if wanted.until:
        after = dt.datetime.combine(wanted.until + dt.timedelta(days=1), dt.time())
        query = query.where(AuditEvent.at < after)
    query = query.order_by(AuditEvent.id.desc()).offset(offset)
    return list(session.scalars(query.limit(limit) if limit else query))


def csv_rows(found: Iterable[AuditEvent]) -> Iterable[list[str]]:
    """Yield the header and one row per event, for a CSV export."""
    yield ["tid_utc", "vem", "handling", "vad", "arbetsplats", "detalj", "klient"]
    for e in found:
        when = e.at.isoformat(timespec="seconds")
        yield [when, e.actor, e.action, e.target, e.workplace_id, e.detail, e.client]
