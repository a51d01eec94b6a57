"""The steps a draft goes through, each idempotent and keyed by the id it works on.

accept → process(inbound_id) → sign(minutes_id) → distribute(minutes_id); receipts, rejections and
reports go through send_mail(mail_id). The database is the source of truth: a step reads the state it
needs, does its work once, and records the new state; the sweeper re-enqueues whatever is unfinished.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import json
import logging
import os
import socket
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from functools import cache, partial
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from service.archive.db import ArchiveError, Database, Delivery, Inbound, MinutesRow, OutgoingMail, utcnow
from service.archive.files import FileStore
from service.config import Config
from service.domain.workplace import Workplace

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from service.mail.compose import DistributionBatch
    from service.mail.transport import WireMessage

log = logging.getLogger(__name__)

STEPS = ("process", "sign", "distribute", "send_mail")
"""The names of the pipeline's jobs; each takes one id."""

MAX_PROCESS_ATTEMPTS = 5
"""Times a draft's processing may be started before it is marked failed for an administrator."""


class JobQueue(Protocol):
    """Where the pipeline hands on work; the database stays the source of truth."""

    def enqueue(self, step: str, ident: int) -> None:
        """Ask for ``step`` to run on ``ident`` soon."""


class NoQueue:
    """A queue that drops work: the sweeper finds it in the database later."""

    def enqueue(self, step: str, ident: int) -> None:
        """Do nothing."""


@dataclass(frozen=True)
class Accepted:
    """The answer of :meth:`Pipeline.accept`."""

    id: int
    """The inbound message's id."""

    created: bool
    """False when the same message had been taken in before."""


def worker_identity() -> str:
    """Return host:pid, written on what this process claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Pipeline:
    """The steps of Minnes, wired to one archive, file store, queue, signer and transport."""

    def __init__(self, config: Config, db: Database, files: FileStore, queue: JobQueue) -> None:
        self.config = config
        self.db = db
        self.files = files
        self.queue = queue
        self._transport = None

    # ------------------------------------------------------------------ helpers

    @property
    def settings(self):  # noqa: ANN201 - Settings
        """Return the service settings."""
        return self.config.settings

    def archive_url(self, minutes_id: int) -> str:
        """Return the archive page of one minutes version."""
        return f"{self.settings.web.base_url.rstrip('/')}/minutes/{minutes_id}"

    def transport(self):  # noqa: ANN201 - Transport
        """Return the mail transport, made on first use."""
        if self._transport is None:
            from service.mail.transport import make_transport

            delivery = self.settings.delivery
            password = self.config.secret(delivery.smtp.password_env)
            self._transport = make_transport(delivery, password)
        return self._transport

    def _enqueue(self, step: str, ident: int) -> None:
        try:
            self.queue.enqueue(step, ident)
        except Exception as exc:  # noqa: BLE001 - the sweeper will retry from the database
            log.warning("kunde inte köa %s(%s): %s — svepet tar det senare", step, ident, exc)

    # ------------------------------------------------------------------ accept

    def accept(self, raw: bytes, *, source: str, source_ref: object = "") -> Accepted:
        """Store a raw message durably, deduplicated, then enqueue its processing."""
        key = self.files.put(raw)
        message_id = _message_id(raw)
        with self.db.session() as s:
            existing = s.scalar(select(Inbound).where(Inbound.sha256 == key))
            if existing is None and message_id:
                existing = s.scalar(select(Inbound).where(Inbound.message_id == message_id))
            if existing is not None:
                return Accepted(existing.id, False)
            row = Inbound(
                sha256=key,
                message_id=message_id,
                size=len(raw),
                source=source,
                source_ref=json.dumps(source_ref, ensure_ascii=False, default=str),
            )
            s.add(row)
            s.flush()
            ident = row.id
        self._enqueue("process", ident)
        return Accepted(ident, True)

    # ------------------------------------------------------------------ process

    def process(self, inbound_id: int) -> None:
        """Parse, route, authorise and structure one inbound message; idempotent."""
        from service.structuring import structure_message

        me = worker_identity()
        with self.db.session() as s:
            claimed = s.execute(
                update(Inbound)
                .where(Inbound.id == inbound_id, Inbound.state == "received")
                .values(state="processing", attempts=Inbound.attempts + 1, claimed_at=utcnow(), claimed_by=me)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                return
            sha = s.get(Inbound, inbound_id).sha256
        raw = self.files.get(sha)
        if self._handle_bounce(inbound_id, raw):
            return
        outcome = structure_message(raw, self.config)
        out = outcome.output
        minutes_id: int | None = None
        with self.db.session() as s:
            row = s.get(Inbound, inbound_id)
            if row is None or row.state != "processing" or row.claimed_by != me:
                return
            row.workplace_id = outcome.workplace.id if outcome.workplace else ""
            row.sender_email = outcome.sender_email
            row.subject = outcome.subject[:2000]
            row.claimed_at = None
            if outcome.accepted and outcome.workplace is not None:
                minutes_id = self._store_minutes(s, row, out, outcome.workplace)
                row.state = "accepted"
                row.minutes_id = minutes_id
            else:
                err = out.get("error") or {}
                row.state = "rejected"
                row.error_code = str(err.get("code", ""))
                row.error_message = str(err.get("message", ""))
            reply = self._reply_for(inbound_id, outcome, minutes_id)
            mail_id = self._queue_mail(s, *reply) if reply else None
        if mail_id:
            self._enqueue("send_mail", mail_id)
        if minutes_id:
            self._enqueue("sign", minutes_id)

    def _store_minutes(self, s, row: Inbound, out: dict, workplace: Workplace) -> int:  # noqa: ANN001
        existing = s.scalar(select(MinutesRow).where(MinutesRow.inbound_id == row.id))
        if existing is not None:
            return existing.id
        date = (out.get("meeting") or {}).get("date") or ""
        latest = s.scalar(
            select(func.max(MinutesRow.version)).where(
                MinutesRow.workplace_id == workplace.id, MinutesRow.meeting_date == date
            )
        )
        minutes = MinutesRow(
            inbound_id=row.id,
            workplace_id=workplace.id,
            meeting_date=date,
            version=(latest or 0) + 1,
            data=json.dumps(out, ensure_ascii=False),
            search_text=_search_text(out),
        )
        s.add(minutes)
        s.flush()
        return minutes.id

    def _reply_for(self, inbound_id: int, outcome, minutes_id: int | None):  # noqa: ANN001, ANN202
        """Return (key, kind, recipient, message) of the answer to a draft, or None."""
        from service.mail import compose

        if not outcome.may_reply or self._is_own_address(outcome.sender_email):
            return None
        sender = self.settings.delivery.sender
        language = outcome.workplace.language if outcome.workplace is not None else "sv"
        if outcome.accepted:
            msg = compose.receipt(
                output=outcome.output,
                to=outcome.sender_email,
                sender=sender,
                in_reply_to=outcome.message_id,
                archive_url=self.archive_url(minutes_id) if minutes_id else None,
                language=language,
            )
            return (f"receipt:{inbound_id}", "receipt", outcome.sender_email, msg)
        msg = compose.rejection(
            output=outcome.output,
            to=outcome.sender_email,
            sender=sender,
            subject=outcome.subject,
            in_reply_to=outcome.message_id,
            language=language,
        )
        return (f"rejection:{inbound_id}", "rejection", outcome.sender_email, msg)

    def _is_own_address(self, address: str) -> bool:
        own = {
            parseaddr(self.settings.delivery.sender)[1].lower(),
            self.settings.intake.mailbox_address.lower(),
        }
        local, _, domain = address.lower().partition("@")
        base = local.split("+", 1)[0] + "@" + domain
        return address.lower() in own or base in own

    def _handle_bounce(self, inbound_id: int, raw: bytes) -> bool:
        """Record a delivery status notification against its delivery; True when it was one."""
        from service.mail.bounces import is_dsn, parse_dsn

        if not is_dsn(raw):
            return False
        bounce = parse_dsn(raw, verp_secret=self._verp_secret())
        if bounce is not None and not bounce.permanent:
            bounce = None  # "delayed" and friends: the relay keeps trying; nothing to record
        minutes_id = None
        reason = ""
        with self.db.session() as s:
            hit = None
            if bounce is not None:
                reason = " ".join(x for x in (bounce.status, bounce.diagnostic) if x)
                if bounce.delivery_id:
                    hit = s.get(Delivery, bounce.delivery_id)
                elif bounce.message_id and not self.settings.delivery.verp:
                    # Without VERP the Message-ID is all there is; with VERP only a signed address counts.
                    hit = s.scalar(select(Delivery).where(Delivery.message_id == bounce.message_id))
                if hit is not None and bounce.recipient and bounce.recipient.lower() != hit.email:
                    hit = None  # a report about someone else than that delivery's recipient
            if hit is not None and hit.state != "failed":
                hit.state = "failed"
                hit.last_answer = f"studsade: {reason}".strip()[:2000]
                hit.updated_at = utcnow()
                minutes_id = hit.minutes_id
                m = s.get(MinutesRow, minutes_id)
                if m is not None:
                    m.report_sent = False
            row = s.get(Inbound, inbound_id)
            row.state = "bounce"
            row.claimed_at = None
            row.error_message = (reason or "leveransrapport utan misslyckad mottagare")[:2000]
        if minutes_id:
            self.settle(minutes_id)
        return True

    # ------------------------------------------------------------------ sign

    def sign(self, minutes_id: int) -> None:
        """Render and sign the PDF of one minutes version, then create its deliveries; idempotent."""
        from service.bootstrap import render_signed_pdf

        with self.db.session() as s:
            m = s.get(MinutesRow, minutes_id)
            if m is None:
                return
            state, pdf_sha = m.state, m.pdf_sha256
            data, wp_id = m.minutes, m.workplace_id
        if state == "structured" or not pdf_sha:
            workplace = self.config.workplace(wp_id)
            pdf, cert_sha = render_signed_pdf(
                self.config,
                data,
                workplace,
                archive_url=self.archive_url(minutes_id),
                db=self.db,
                with_certificate=True,
            )
            key = self.files.put(pdf)
            with self.db.session() as s:
                m = s.get(MinutesRow, minutes_id)
                if m.state == "structured":
                    m.pdf_sha256 = key
                    m.certificate_sha256 = cert_sha
                    m.signed_at = utcnow()
                    m.state = "signed"
        self._create_deliveries(minutes_id)
        self._enqueue("distribute", minutes_id)

    def _create_deliveries(self, minutes_id: int) -> None:
        with self.db.session() as s:
            m = s.get(MinutesRow, minutes_id)
            if m is None or m.state != "signed":
                return
            workplace = self.config.workplace(m.workplace_id)
            have = set(s.scalars(select(Delivery.email).where(Delivery.minutes_id == minutes_id)))
            domain = _domain(self.settings.delivery.sender)
            from service.mail.compose import distribution_message_id

            for member in workplace.members:
                if member.email in have:
                    continue
                s.add(
                    Delivery(
                        minutes_id=minutes_id,
                        email=member.email,
                        name=member.name,
                        role=member.role,
                        message_id=distribution_message_id(minutes_id, m.version, member.email, domain),
                    )
                )
            m.state = "distributing"

    # ------------------------------------------------------------------ distribute

    def distribute(self, minutes_id: int) -> int:
        """Send the minutes to every recipient still due, over one connection; return how many sent.

        Per mail one short transaction records the mail before and claims the next, so a mail is on
        record as sent before the next one is handed over. The next mail is composed while the server
        takes in the current one.
        """
        from service.mail.compose import DistributionBatch

        now = utcnow()
        with self.db.session() as s:
            m = s.get(MinutesRow, minutes_id)
            if m is None or m.state not in ("distributing", "distributed"):
                return 0
            data, version, pdf_sha, wp_id = m.minutes, m.version, m.pdf_sha256, m.workplace_id
            due = [
                _Due(*row)
                for row in s.execute(
                    select(Delivery.id, Delivery.email, Delivery.name, Delivery.role)
                    .where(
                        Delivery.minutes_id == minutes_id,
                        Delivery.state.in_(_DUE_STATES),
                        or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
                    )
                    .order_by(Delivery.id)
                )
            ]
        sent = 0
        if due:
            workplace = self.config.workplace(wp_id)
            batch = DistributionBatch(
                minutes=data,
                workplace=workplace,
                pdf=self.files.get(pdf_sha),
                minutes_id=minutes_id,
                version=version,
                archive_url=self.archive_url(minutes_id),
                sender=self.settings.delivery.sender,
            )
            with _Fanout(self, batch, workplace, due) as fanout, self.transport().session() as session:
                claims = deque(fanout.start())  # each mail is claimed well before a byte of it goes
                recording: Future[_Claim | None] | None = None
                while True:
                    if not claims and recording is not None:
                        got, recording = recording.result(), None
                        claims.extend([got] if got else [])
                    if not claims:
                        break
                    current = claims.popleft()
                    ahead = claims[0] if claims else None
                    result = session.send(
                        fanout.mail(current.due),
                        current.due.email,
                        envelope_from=self._return_path(current.due.id),
                        meanwhile=partial(fanout.prepare, ahead),
                        # The mail before must be on record as sent before this one can count as sent.
                        before_end=recording.result if recording is not None else None,
                    )
                    sent += result.outcome == "sent"
                    if recording is not None:
                        got = recording.result()
                        claims.extend([got] if got else [])
                    recording = fanout.record((current, result.outcome, result.answer), claims)
        self.settle(minutes_id)
        return sent

    def _verp_secret(self) -> str:
        return self.config.secret(self.settings.delivery.verp_secret_env)

    def _return_path(self, delivery_id: int) -> str:
        """Return the envelope sender of one delivery: a VERP address when enabled, else the From."""
        if not self.settings.delivery.verp:
            return ""
        from service.mail.bounces import verp_address

        return verp_address(self.settings.intake.mailbox_address, delivery_id, self._verp_secret())

    def _claim(self, s, model, ident: int) -> bool:  # noqa: ANN001 - session, Delivery | OutgoingMail
        """Mark one due row as being sent by this process; False when someone else has it."""
        now = utcnow()
        result = s.execute(
            update(model)
            .where(
                model.id == ident,
                model.state.in_(("pending", "deferred")),
                or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
            )
            .values(
                state="sending", claimed_at=now, claimed_by=worker_identity(), attempts=model.attempts + 1
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def _retry_delay(self, attempts: int) -> dt.timedelta:
        base = self.settings.delivery.retry_base_seconds
        return dt.timedelta(seconds=min(base * (2 ** max(attempts - 1, 0)), 3600.0))

    def _delivery_outcome(
        self, attempts: int, created_at: dt.datetime, outcome: str, answer: str
    ) -> dict[str, object]:
        """Return the new column values of a delivery after one attempt: sent, deferred or failed."""
        now = utcnow()
        last = (answer or "")[:2000]
        values: dict[str, object] = {"last_answer": last, "updated_at": now, "claimed_at": None}
        if outcome == "sent":
            values.update(state="sent", sent_at=now, next_attempt_at=None)
        elif outcome == "deferred":
            give_up = created_at + dt.timedelta(hours=self.settings.delivery.retry_hours)
            if now >= give_up:
                values.update(state="failed", last_answer=f"gav upp efter {attempts} försök: {last}")
            else:
                values.update(state="deferred", next_attempt_at=now + self._retry_delay(attempts))
        else:
            values["state"] = "failed"
        return values

    def settle(self, minutes_id: int) -> None:
        """Close a fan-out that has settled, and report anyone not reached to manager and skyddsombud."""
        from service.mail import compose

        mail_ids: list[int] = []
        with self.db.session() as s:
            m = s.get(MinutesRow, minutes_id)
            if m is None:
                return
            open_count = s.scalar(
                select(func.count())
                .select_from(Delivery)
                .where(
                    Delivery.minutes_id == minutes_id,
                    Delivery.state.in_(("pending", "deferred", "sending")),
                )
            )
            if open_count:
                return
            m.state = "distributed"
            if m.report_sent:
                return
            failed = list(
                s.scalars(
                    select(Delivery).where(Delivery.minutes_id == minutes_id, Delivery.state == "failed")
                )
            )
            m.report_sent = True
            if not failed:
                return
            workplace = self.config.workplace(m.workplace_id)
            unreached = [(d.name, d.email, d.last_answer) for d in failed]
            stamp = hashlib.sha256(",".join(sorted(d.email for d in failed)).encode()).hexdigest()[:12]
            for person in workplace.managers + workplace.safety_reps:
                msg = compose.delivery_report(
                    minutes=m.minutes,
                    workplace=workplace,
                    to=person,
                    unreached=unreached,
                    archive_url=self.archive_url(minutes_id),
                    sender=self.settings.delivery.sender,
                )
                ident = self._queue_mail(
                    s, f"report:{minutes_id}:{stamp}:{person.email}", "delivery-report", person.email, msg
                )
                if ident:
                    mail_ids.append(ident)
        for ident in mail_ids:
            self._enqueue("send_mail", ident)

    # ------------------------------------------------------------------ other mail

    def _queue_mail(self, s, key: str, kind: str, recipient: str, msg: EmailMessage) -> int | None:  # noqa: ANN001
        """Store a composed message under a unique key; return its id, None when it existed."""
        if s.scalar(select(OutgoingMail.id).where(OutgoingMail.key == key)) is not None:
            return None
        row = OutgoingMail(key=key, kind=kind, recipient=recipient, raw=msg.as_bytes())
        s.add(row)
        s.flush()
        return row.id

    def send_mail(self, mail_id: int) -> None:
        """Send one receipt, rejection or report once; idempotent."""
        with self.db.session() as s:
            if not self._claim(s, OutgoingMail, mail_id):
                return
            row = s.get(OutgoingMail, mail_id)
            raw, recipient = row.raw, row.recipient
        msg = email.message_from_bytes(raw, policy=email.policy.SMTP)
        with self.transport().session() as session:
            result = session.send(msg, recipient)
        with self.db.session() as s:
            row = s.get(OutgoingMail, mail_id)
            values = self._delivery_outcome(row.attempts, row.created_at, result.outcome, result.answer)
            values.pop("updated_at")  # outgoing mail keeps no such column
            for column, value in values.items():
                setattr(row, column, value)

    # ------------------------------------------------------------------ sweeper

    def sweep(self) -> dict[str, int]:
        """Re-enqueue whatever the database says is unfinished and not in progress."""
        now = utcnow()
        stale = now - dt.timedelta(seconds=self.settings.worker.stale_seconds)
        # A send is cut off after SEND_DEADLINE_TIMEOUTS SMTP timeouts, and the claims a fan-out holds are
        # renewed after every mail: a live process on another host never loses its claim, so no mail
        # goes twice while its sender still works on it.
        from service.mail.transport import SEND_DEADLINE_TIMEOUTS

        smtp_timeout = self.settings.delivery.smtp.timeout
        sending_stale = now - dt.timedelta(
            seconds=max(self.settings.worker.stale_seconds, (SEND_DEADLINE_TIMEOUTS + 2) * smtp_timeout)
        )
        counts = {step: 0 for step in STEPS}
        with self.db.session() as s:
            dead = _dead_claimers(
                set(s.scalars(select(Delivery.claimed_by).where(Delivery.state == "sending").distinct()))
                | set(
                    s.scalars(
                        select(OutgoingMail.claimed_by).where(OutgoingMail.state == "sending").distinct()
                    )
                )
                | set(s.scalars(select(Inbound.claimed_by).where(Inbound.state == "processing").distinct()))
            )
            # Work abandoned by a process that died (or went silent): hand it back.
            for model in (Delivery, OutgoingMail):
                s.execute(
                    update(model)
                    .where(
                        model.state == "sending",
                        or_(model.claimed_at < sending_stale, model.claimed_by.in_(dead)),
                    )
                    .values(state="deferred", claimed_at=None, claimed_by="", next_attempt_at=None)
                    .execution_options(synchronize_session=False)
                )
            abandoned = and_(
                Inbound.state == "processing", or_(Inbound.claimed_at < stale, Inbound.claimed_by.in_(dead))
            )
            # A draft whose processing keeps crashing is given up on, not retried for ever.
            s.execute(
                update(Inbound)
                .where(abandoned, Inbound.attempts >= MAX_PROCESS_ATTEMPTS)
                .values(
                    state="failed",
                    claimed_at=None,
                    claimed_by="",
                    error_code="internal_error",
                    error_message=f"behandlingen misslyckades {MAX_PROCESS_ATTEMPTS} gånger — se loggen",
                )
                .execution_options(synchronize_session=False)
            )
            s.execute(
                update(Inbound)
                .where(abandoned)
                .values(state="received", claimed_at=None, claimed_by="")
                .execution_options(synchronize_session=False)
            )
            todo_in = list(s.scalars(select(Inbound.id).where(Inbound.state == "received")))
            todo_sign = list(
                s.scalars(select(MinutesRow.id).where(MinutesRow.state.in_(("structured", "signed"))))
            )
            todo_dist = list(
                s.scalars(
                    select(Delivery.minutes_id)
                    .where(
                        Delivery.state.in_(("pending", "deferred")),
                        or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
                    )
                    .distinct()
                )
            )
            unsettled = list(s.scalars(select(MinutesRow.id).where(MinutesRow.state == "distributing")))
            todo_mail = list(
                s.scalars(
                    select(OutgoingMail.id).where(
                        OutgoingMail.state.in_(("pending", "deferred")),
                        or_(OutgoingMail.next_attempt_at.is_(None), OutgoingMail.next_attempt_at <= now),
                    )
                )
            )
        for ident in todo_in:
            self._enqueue("process", ident)
        for ident in todo_sign:
            self._enqueue("sign", ident)
        for ident in todo_dist:
            self._enqueue("distribute", ident)
        for ident in set(unsettled) - set(todo_dist):
            self.settle(ident)
        for ident in todo_mail:
            self._enqueue("send_mail", ident)
        counts.update(
            process=len(todo_in), sign=len(todo_sign), distribute=len(todo_dist), send_mail=len(todo_mail)
        )
        return counts


_CLAIMED_AHEAD = 2
"""Deliveries a fan-out holds claimed beyond the one being sent: the next is known (and composed) while
the current one travels, and the one after is claimed while the next travels."""

_DUE_STATES = ("pending", "deferred")
"""Delivery states that may be claimed for sending (when their next attempt is due)."""


@dataclass(frozen=True)
class _Due:
    """A delivery that was due when a fan-out began."""

    id: int
    email: str
    name: str
    role: str


@dataclass(frozen=True)
class _Claim:
    """A delivery this process has marked as being sent."""

    due: _Due
    attempts: int
    created_at: dt.datetime


class _Fanout:
    """The database side of one fan-out: claims, records, and the next mail composed ahead."""

    def __init__(
        self, pipeline: Pipeline, batch: DistributionBatch, workplace: Workplace, due: list[_Due]
    ) -> None:
        self.pipeline = pipeline
        self.batch = batch
        self.members = {mb.email: mb for mb in workplace.members}
        self.queue = deque(due)
        self.me = worker_identity()
        self.returning = pipeline.db.engine.dialect.update_returning
        self._ready: tuple[int, WireMessage] | None = None
        self._conn: Connection | None = None
        self._thread: ThreadPoolExecutor | None = None

    def __enter__(self) -> _Fanout:
        """Take one database connection and one thread for the whole fan-out's claims and records."""
        try:
            self._conn = self.pipeline.db.engine.connect()
        except SQLAlchemyError as exc:
            raise ArchiveError(f"databasfel: {exc}") from exc
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="minnes-fanout")
        return self

    def __exit__(self, *exc: object) -> None:
        """Wait for the last record, then give the connection back."""
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.shutdown(wait=True)
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def start(self) -> list[_Claim]:
        """Claim the first :data:`_CLAIMED_AHEAD` + 1 due deliveries: the first mail and those after it."""
        claims: list[_Claim] = []
        for _ in range(_CLAIMED_AHEAD + 1):
            got = self.step(None, [])
            if got is None:
                break
            claims.append(got)
        return claims

    def record(self, done: tuple[_Claim, str, str], ahead: Iterable[_Claim]) -> Future[_Claim | None]:
        """Record a mail and claim one more, in the fan-out's thread while the next mail travels."""
        assert self._thread is not None, "record() outside 'with _Fanout(...)'"
        return self._thread.submit(self.step, done, [c.due.id for c in ahead])

    def mail(self, due: _Due) -> WireMessage:
        """Return the mail to one delivery, composed ahead when it was the one expected."""
        ready, self._ready = self._ready, None
        if ready is not None and ready[0] == due.id:
            return ready[1]
        return self._compose(due)

    def prepare(self, claim: _Claim | None) -> None:
        """Compose the mail of a claimed delivery ahead of its turn, while the server works."""
        if claim is not None and self._ready is None:
            self._ready = (claim.due.id, self._compose(claim.due))

    def _compose(self, due: _Due) -> WireMessage:
        from service.domain.workplace import Member
        from service.mail.transport import WireMessage

        member = self.members.get(due.email) or Member(name=due.name, email=due.email, role=due.role)
        return WireMessage(self.batch.wire(member), self.batch.sender_address, self.batch.message_id(member))

    def step(self, done: tuple[_Claim, str, str] | None, ahead: list[int]) -> _Claim | None:
        """Record the mail just sent and claim the next due one, in one transaction; None when done.

        The claims of ``ahead`` (claimed, not yet sent) are renewed, so that they never look stale to
        a sweeper while the mails before them are being sent.
        """
        try:
            conn = self._conn
            assert conn is not None, "step() outside 'with _Fanout(...)'"
            with conn.begin():
                if done is not None:
                    claim, outcome, answer = done
                    values = self.pipeline._delivery_outcome(
                        claim.attempts, claim.created_at, outcome, answer
                    )
                    params = {f"v_{key}": value for key, value in values.items()}
                    conn.execute(_record_statement(tuple(sorted(values))), {"d_id": claim.due.id, **params})
                for ident in ahead:
                    conn.execute(_renew_statement(), {"d_id": ident, "d_now": utcnow(), "d_me": self.me})
                while self.queue:
                    nxt = self.queue.popleft()
                    got = self._claim(conn, nxt)
                    if got is not None:
                        return got
                return None
        except SQLAlchemyError as exc:
            raise ArchiveError(f"databasfel: {exc}") from exc

    def _claim(self, conn, due: _Due) -> _Claim | None:  # noqa: ANN001 - Connection
        """Mark one delivery as being sent by this process, if it is still due; None when it is not."""
        params = {"d_id": due.id, "d_now": utcnow(), "d_me": self.me}
        if self.returning:
            row = conn.execute(_claim_statement(returning=True), params).first()
        else:
            if conn.execute(_claim_statement(returning=False), params).rowcount != 1:
                return None
            row = conn.execute(
                select(Delivery.attempts, Delivery.created_at).where(Delivery.id == due.id)
            ).first()
        return None if row is None else _Claim(due, row[0], row[1])


@cache
def _claim_statement(*, returning: bool):  # noqa: ANN202 - Update
    """Return the statement that claims one due delivery (parameters d_id, d_now, d_me); built once."""
    now = bindparam("d_now")
    stmt = (
        update(Delivery)
        .where(
            Delivery.id == bindparam("d_id"),
            or_(Delivery.state == "pending", Delivery.state == "deferred"),
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        )
        .values(state="sending", claimed_at=now, claimed_by=bindparam("d_me"), attempts=Delivery.attempts + 1)
    )
    return stmt.returning(Delivery.attempts, Delivery.created_at) if returning else stmt


@cache
def _renew_statement():  # noqa: ANN202 - Update
    """Return the statement that renews this process's claim on one delivery; built once."""
    return (
        update(Delivery)
        .where(
            Delivery.id == bindparam("d_id"),
            Delivery.state == "sending",
            Delivery.claimed_by == bindparam("d_me"),
        )
        .values(claimed_at=bindparam("d_now"))
    )


@cache
def _record_statement(columns: tuple[str, ...]):  # noqa: ANN202 - Update
    """Return the statement that records one attempt (parameters d_id and v_<column>); built once."""
    return (
        update(Delivery)
        .where(Delivery.id == bindparam("d_id"))
        .values({column: bindparam(f"v_{column}") for column in columns})
    )


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


def _dead_claimers(claimers: set[str]) -> list[str]:
    """Return the claimers that are processes of this host which no longer run."""
    return [c for c in claimers if claimer_gone(c)]


def _message_id(raw: bytes) -> str:
    """Return the Message-ID header of a raw message, or ''."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:65536]
    try:
        msg = email.message_from_bytes(head + b"\n\n", policy=email.policy.compat32)
        value = msg.get("Message-ID", "") or ""
    except Exception:  # noqa: BLE001 - a malformed header is just no id
        return ""
    return " ".join(str(value).split())[:998]


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "minnes.invalid"


def _search_text(out: dict) -> str:
    parts: list[str] = []
    for section in list(out.get("items") or []) + list(out.get("unplanned") or []):
        parts += [section.get("title") or "", section.get("heading") or "", section.get("text") or ""]
        parts += list(section.get("decisions") or [])
        parts += [f"{a.get('what', '')} {a.get('owner') or ''}" for a in section.get("actions") or []]
    return "\n".join(p for p in parts if p).casefold()
