"""What left the archive and what was removed: exported packages, retention removals and runs.

An export names the minutes and inbound messages it held, so that retention may wait for one
(``export_before_removal``). A removal row names what retention took away (never its content), so that
nothing is removed twice and a missing blob that retention removed is no surprise.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.archive.db import Base, utcnow


class RemovalKind(StrEnum):
    """What a retention removal took away."""

    RAW = "raw"
    """The raw message of one inbound (a draft)."""
    MINUTES = "minutes"
    """One minutes version with its PDF, deliveries, requests, actions and search row."""


class ExportRecord(Base):
    """One information package written by ``minnes export``."""

    __tablename__ = "export"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workplace_id: Mapped[str] = mapped_column(String(64), index=True)
    year: Mapped[int] = mapped_column(Integer)
    with_drafts: Mapped[bool] = mapped_column(Boolean, default=False)
    """Whether the raw drafts went into the package."""
    path: Mapped[str] = mapped_column(Text, default="")
    """The folder the package was written to."""
    package_id: Mapped[str] = mapped_column(String(200), default="")
    """The package's OBJID (METS)."""
    minutes_ids: Mapped[str] = mapped_column(Text, default="[]")
    """The minutes versions it held, as a JSON list of ids."""
    inbound_ids: Mapped[str] = mapped_column(Text, default="[]")
    """The inbound messages whose raw draft it held (only with drafts), as a JSON list of ids."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def minutes(self) -> set[int]:
        """Return the minutes ids it held."""
        return set(json.loads(self.minutes_ids or "[]"))

    @property
    def inbounds(self) -> set[int]:
        """Return the inbound ids whose raw draft it held."""
        return set(json.loads(self.inbound_ids or "[]"))


class Removal(Base):
    """One thing retention removed."""

    __tablename__ = "removal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    """What was removed (:class:`RemovalKind`)."""
    workplace_id: Mapped[str] = mapped_column(String(64), default="")
    inbound_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    minutes_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    meeting_date: Mapped[str] = mapped_column(String(10), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    """The blob it removed ('' when another row still referenced it, or none was stored)."""
    removed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RetentionRun(Base):
    """One day's retention run; the first sweeper to insert the day runs it."""

    __tablename__ = "retention_run"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    """The UTC day (ISO)."""
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    runner: Mapped[str] = mapped_column(String(200), default="")
    """Who ran it (host and process)."""


def exports_of(session: Session, workplace_id: str | None = None) -> list[ExportRecord]:
    """Return the exports made (of one workplace, or all), oldest first."""
    query = select(ExportRecord).order_by(ExportRecord.id)
    if workplace_id is not None:
        query = query.where(ExportRecord.workplace_id == workplace_id)
    return list(session.scalars(query))


def removed_raw(session: Session) -> set[int]:
    """Return the inbound ids whose raw message retention removed."""
    query = select(Removal.inbound_id).where(Removal.kind == RemovalKind.RAW.value)
    return {i for i in session.scalars(query) if i is not None}


def removed_keys(session: Session) -> set[str]:
    """Return the blob keys retention removed (a missing blob among them is expected)."""
    return {k for k in session.scalars(select(Removal.sha256)) if k}


def claim_day(session: Session, day: dt.date, runner: str) -> bool:
    """Claim one day's retention run; return False when someone already did."""
    if session.get(RetentionRun, day.isoformat()) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(RetentionRun(day=day.isoformat(), runner=runner[:200]))
    except IntegrityError:
        return False
    return True
