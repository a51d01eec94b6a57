"""The archive database: every inbound message, minutes version, delivery and outgoing mail."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from service.archive.claims import DeliveryState, InboundState, MailState, MinutesState


class ArchiveError(Exception):
    """The archive database could not be reached or written."""


def utcnow() -> dt.datetime:
    """Return the current time in UTC, without tzinfo (as stored)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Base of every archive table."""


class Inbound(Base):
    """One message that arrived in the mailbox, kept raw before it was acknowledged."""

    __tablename__ = "inbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    message_id: Mapped[str] = mapped_column(String(998), default="", index=True)
    size: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default=InboundState.RECEIVED.value, index=True)
    """received → processing → accepted | rejected | bounce | failed (:class:`InboundState`)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    claimed_by: Mapped[str] = mapped_column(String(200), default="")
    workplace_id: Mapped[str] = mapped_column(String(64), default="")
    sender_email: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    error_code: Mapped[str] = mapped_column(String(64), default="")
    error_message: Mapped[str] = mapped_column(Text, default="")
    minutes_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message_id_reused: Mapped[bool] = mapped_column(Boolean, default=False)
    """Its Message-ID was seen before on a message with other content: a new message all the same."""


class MinutesRow(Base):
    """One version of a workplace's minutes for one meeting."""

    __tablename__ = "minutes"
    __table_args__ = (UniqueConstraint("workplace_id", "meeting_date", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound.id"), unique=True)
    workplace_id: Mapped[str] = mapped_column(String(64), index=True)
    meeting_date: Mapped[str] = mapped_column(String(10), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    data: Mapped[str] = mapped_column(Text)
    """The structured minutes as JSON (contracts/structure-output.md)."""
    search_text: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default=MinutesState.STRUCTURED.value, index=True)
    """(held →) structured → signed → distributing → distributed (:class:`MinutesState`)."""
    gate: Mapped[str] = mapped_column(String(16), default="")
    """The gate a held version waits at (:class:`Gate`), '' when it waits at none."""
    gate_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    """When the review window closes, for a version held at the review gate."""
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    """When it passed every gate (for justered minutes: when they became finished, allmän handling)."""
    replaces_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The distributed version of the same meeting this one corrects."""
    changes: Mapped[str] = mapped_column(Text, default="")
    """What changed against the version it replaces, item by item, as JSON ('' when none)."""
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    certificate_sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    report_sent: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def minutes(self) -> dict:
        """Return the structured minutes."""
        return json.loads(self.data)


class Delivery(Base):
    """One recipient of one minutes version."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("minutes_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16), default="employee")
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.PENDING.value, index=True)
    """pending → sending → sent | deferred (→ sending again) | failed (:class:`DeliveryState`)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_answer: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(998), default="")
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    claimed_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class OutgoingMail(Base):
    """A receipt, rejection or report, composed once and sent at most once per key."""

    __tablename__ = "outgoing"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(320))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16), default=MailState.PENDING.value, index=True)
    """pending → sending → sent | deferred (→ sending again) | failed (:class:`MailState`)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_answer: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    claimed_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class GateRequest(Base):
    """A question Minnes asked one person about one minutes version, answered by reply or link."""

    __tablename__ = "request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    """What is asked (:class:`RequestKind`)."""
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    """The address the request went to; only a reply from it counts."""
    name: Mapped[str] = mapped_column(String(200), default="")
    """The name of the person asked, as the roster has it."""
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    """Reminders sent about it so far (justering: after 2 and 5 days, then the manager after 7)."""
    reply_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the token in the request's Message-ID (the token itself is never stored)."""
    link_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the token in the request's link."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    mailed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    """When the request mail was queued; None while the hourly limit per address holds it back."""
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    answer: Mapped[str] = mapped_column(String(16), default="")
    """How it was answered (:class:`Answer`), '' while open."""
    answer_text: Mapped[str] = mapped_column(Text, default="")


class SigningCertificate(Base):
    """A certificate Minnes has signed with; kept so that older PDFs still verify."""

    __tablename__ = "certificate"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    pem: Mapped[bytes] = mapped_column(LargeBinary)
    subject: Mapped[str] = mapped_column(Text, default="")
    first_used: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ActionRow(Base):
    """One action agreed at a meeting, followed up until a later meeting reports it done."""

    __tablename__ = "action_item"
    __table_args__ = (UniqueConstraint("minutes_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workplace_id: Mapped[str] = mapped_column(String(64), index=True)
    minutes_id: Mapped[int] = mapped_column(ForeignKey("minutes.id"), index=True)
    """The minutes version that holds it: where it was agreed, or the correction that took it over."""
    position: Mapped[int] = mapped_column(Integer)
    """Its place among that version's actions (``Minutes.all_actions``)."""
    meeting_date: Mapped[str] = mapped_column(String(10), default="")
    what: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200), default="")
    """Who does it, as written ('' when nobody was named)."""
    owner_email: Mapped[str] = mapped_column(String(320), default="")
    """The roster address the owner was matched to, '' when the name names no one person."""
    due: Mapped[str] = mapped_column(String(10), default="")
    """ISO date, '' when none was given."""
    remind_on: Mapped[str] = mapped_column(String(10), default="")
    """The day (ISO) from which its owner is reminded: due less the workplace's reminder_days."""
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    """open → done | replaced (:class:`service.domain.followup.ActionState`)."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    done_in_minutes_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """The minutes version that reported it done (or, for a replaced one, the version that replaced it)."""
    reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    """When its owner's reminder was queued; set once, so no owner is reminded twice."""
    overdue_noticed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    """When the managers' overdue notice was queued; set once."""


SQLITE_BUSY_SECONDS = 30.0
"""How long an SQLite connection waits for another process's lock before it gives up."""


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 - DBAPI hook
    cur = dbapi_connection.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
        # Switching a new file to WAL while other processes open it answers "locked" at once, without
        # waiting for the busy timeout (several processes start together under `minnes run`): retry.
        deadline = time.monotonic() + SQLITE_BUSY_SECONDS
        while True:
            try:
                cur.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        cur.execute("PRAGMA foreign_keys=ON")
        # SQLite gives -wal and -shm the main file's mode; tighten any made looser by an older version.
        for _seq, name, filename in cur.execute("PRAGMA database_list").fetchall():
            if name == "main" and filename:
                for suffix in ("", "-wal", "-shm"):
                    Database._tighten(f"{filename}{suffix}")
    finally:
        cur.close()


def _safe_url(url: str) -> str:
    """Return a database URL fit for logs: the password hidden."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL: say nothing of it
        return "(ogiltig databas-URL)"


class Database:
    """The archive database behind one SQLAlchemy engine."""

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict = {"future": True}
        if url.startswith("sqlite"):
            self._private_sqlite_file(url)
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
        try:
            self.engine: Engine = create_engine(url, **kwargs)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise ArchiveError(f"databasen kan inte öppnas ({_safe_url(url)}): {exc}") from exc
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @staticmethod
    def _private_sqlite_file(url: str) -> None:
        """Create the SQLite file of the URL with mode 0600 (its folder 0700) before SQLite opens it."""
        import os
        from pathlib import Path

        from sqlalchemy.engine import make_url

        try:
            database = make_url(url).database
        except Exception:  # noqa: BLE001 - create_engine reports a bad URL
            return
        if not database or database == ":memory:" or database.startswith("file:"):
            return
        path = Path(database)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600))
        except OSError:
            return  # not ours to create (read-only, another owner): SQLite says what is wrong
        Database._tighten(str(path))

    @staticmethod
    def _tighten(filename: str) -> None:
        """Make the file owner-only (0600) when it exists and is readable by others; ignore any failure."""
        import os
        import stat

        try:
            mode = os.stat(filename).st_mode
            if stat.S_ISREG(mode) and mode & 0o077:
                os.chmod(filename, 0o600)
        except OSError:
            pass

    def create_schema(self) -> None:
        """Bring the schema up to the newest migration (alembic ``upgrade head``), safely concurrently."""
        from service.archive.migrations import upgrade

        upgrade(self.engine)

    def schema_revision(self) -> str | None:
        """Return the migration the database is at, None when it has none."""
        from service.archive.migrations import current_revision

        return current_revision(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Open a session that commits on success and rolls back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except SQLAlchemyError as exc:
            session.rollback()
            raise ArchiveError(f"databasfel: {exc}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


# Tables kept in modules of their own are part of the same schema.
from service.archive import audit, logins, records  # noqa: E402, F401
