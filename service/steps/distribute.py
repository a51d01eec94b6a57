"""Distribute: send one minutes version to every recipient still due, over one connection.

Per mail one short transaction records the mail before and claims the next, so a mail is on record as
sent before the next one is handed over; the next mail is composed while the server takes in the
current one (the fan-out, :class:`Fanout`).

With ``delivery.max_per_minute`` every send first takes a slot in the shared window
(:mod:`service.mail.pacing`). A mail the relay throttles waits a few seconds on its own, the others go
on; when the window has no room for a while, the fan-out puts its claimed mails and the rest back until
a slot frees and ends, and the sweeper asks for it again then: no job sleeps for minutes or holds claims
while it waits. Neither counts as an attempt.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from service.archive import claims
from service.archive.claims import MinutesState
from service.archive.db import ArchiveError, Delivery, MinutesRow, utcnow
from service.domain.throttling import Hold
from service.domain.workplace import Workplace
from service.steps import settle
from service.steps.context import StepContext, SweepTimes, Unfinished
from service.steps.mail import outcome_values

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from service.mail.compose import DistributionBatch
    from service.mail.sending import SendResult
    from service.mail.transport import WireMessage

HOLD_CHUNK = 500
"""Deliveries put back per statement when the pace holds a fan-out back."""

CLAIMED_AHEAD = 2
"""Deliveries a fan-out holds claimed beyond the one being sent: the next is known (and composed) while
the current one travels, and the one after is claimed while the next travels."""


@dataclass(frozen=True)
class Due:
    """A delivery that was due when a fan-out began."""

    id: int
    """The delivery's id."""

    email: str
    """The recipient's address."""

    name: str
    """The recipient's name, as when the delivery was created."""

    role: str
    """The recipient's roster role, as when the delivery was created."""


@dataclass(frozen=True)
class Claim:
    """A delivery this process has marked as being sent."""

    due: Due
    """The delivery."""

    attempts: int
    """Its attempts, this one included."""

    created_at: dt.datetime
    """When it was created (the retry window counts from then)."""


def distribute(ctx: StepContext, minutes_id: int) -> int:
    """Send the minutes to every recipient still due, over one connection; return how many sent."""
    from service.mail.compose import DistributionBatch

    now = utcnow()
    with ctx.db.session() as s:
        m = s.get(MinutesRow, minutes_id)
        if m is None or m.state not in (MinutesState.DISTRIBUTING, MinutesState.DISTRIBUTED):
            return 0
        data, version, pdf_sha, wp_id = m.minutes, m.version, m.pdf_sha256, m.workplace_id
        due = [
            Due(*row)
            for row in s.execute(
                select(Delivery.id, Delivery.email, Delivery.name, Delivery.role)
                .where(Delivery.minutes_id == minutes_id, claims.due(Delivery, now))
                .order_by(Delivery.id)
            )
        ]
    sent = 0
    if due:
        workplace = ctx.config.workplace(wp_id)
        batch = DistributionBatch(
            minutes=data,
            workplace=workplace,
            pdf=ctx.files.get(pdf_sha),
            minutes_id=minutes_id,
            version=version,
            archive_url=ctx.archive_url(minutes_id),
            sender=ctx.settings.delivery.sender,
            secret=ctx.secret(),
            changes=m.changes,
        )
        with Fanout(ctx, batch, workplace, due) as fanout, ctx.transport().session() as session:
            claimed = deque(fanout.start())  # each mail is claimed well before a byte of it goes
            recording: Future[Claim | None] | None = None
            while True:
                if not claimed and recording is not None:
                    got, recording = recording.result(), None
                    claimed.extend([got] if got else [])
                if not claimed:
                    break
                current = claimed.popleft()
                ahead = claimed[0] if claimed else None
                result = session.send(
                    fanout.mail(current.due),
                    current.due.email,
                    envelope_from=_return_path(ctx, current.due.id),
                    meanwhile=partial(fanout.prepare, ahead),
                    # The mail before must be on record as sent before this one can count as sent.
                    before_end=recording.result if recording is not None else None,
                )
                sent += result.outcome == "sent"
                if recording is not None:
                    got, recording = recording.result(), None
                    claimed.extend([got] if got else [])
                if result.hold is Hold.PACED:  # nothing went out: the pace has no room for a while
                    fanout.hold_back([current, *claimed], result)
                    break
                recording = fanout.record((current, result), claimed)
    settle.settle(ctx, minutes_id)
    return sent


def _return_path(ctx: StepContext, delivery_id: int) -> str:
    """Return the envelope sender of one delivery: a VERP address when enabled, else the From."""
    if not ctx.settings.delivery.verp:
        return ""
    from service.mail.bounces import verp_address

    return verp_address(ctx.settings.intake.mailbox_address, delivery_id, ctx.verp_secret())


class Fanout:
    """The database side of one fan-out: claims, records, and the next mail composed ahead."""

    def __init__(
        self, ctx: StepContext, batch: DistributionBatch, workplace: Workplace, due: list[Due]
    ) -> None:
        self.ctx = ctx
        self.batch = batch
        self.members = {mb.email: mb for mb in workplace.members}
        self.queue = deque(due)
        self.me = claims.worker_identity()
        self.policy = ctx.retry_policy()
        self.returning = ctx.db.engine.dialect.update_returning
        self._ready: tuple[int, WireMessage] | None = None
        self._conn: Connection | None = None
        self._thread: ThreadPoolExecutor | None = None

    def __enter__(self) -> Fanout:
        """Take one database connection and one thread for the whole fan-out's claims and records."""
        try:
            self._conn = self.ctx.db.engine.connect()
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

    def start(self) -> list[Claim]:
        """Claim the first :data:`CLAIMED_AHEAD` + 1 due deliveries: the first mail and those after it."""
        started: list[Claim] = []
        for _ in range(CLAIMED_AHEAD + 1):
            got = self.step(None, [])
            if got is None:
                break
            started.append(got)
        return started

    def record(self, done: tuple[Claim, SendResult], ahead: Iterable[Claim]) -> Future[Claim | None]:
        """Record a mail and claim one more, in the fan-out's thread while the next mail travels."""
        assert self._thread is not None, "record() outside 'with Fanout(...)'"
        return self._thread.submit(self.step, done, [c.due.id for c in ahead])

    def mail(self, due: Due) -> WireMessage:
        """Return the mail to one delivery, composed ahead when it was the one expected."""
        ready, self._ready = self._ready, None
        if ready is not None and ready[0] == due.id:
            return ready[1]
        return self._compose(due)

    def prepare(self, claim: Claim | None) -> None:
        """Compose the mail of a claimed delivery ahead of its turn, while the server works."""
        if claim is not None and self._ready is None:
            self._ready = (claim.due.id, self._compose(claim.due))

    def _compose(self, due: Due) -> WireMessage:
        from service.domain.workplace import Member
        from service.mail.transport import WireMessage

        member = self.members.get(due.email) or Member(name=due.name, email=due.email, role=due.role)
        return WireMessage(self.batch.wire(member), self.batch.sender_address, self.batch.message_id(member))

    def step(self, done: tuple[Claim, SendResult] | None, ahead: list[int]) -> Claim | None:
        """Record the mail just sent and claim the next due one, in one transaction; None when done.

        The claims of ``ahead`` (claimed, not yet sent) are renewed, so that they never look stale to
        a sweeper while the mails before them are being sent.
        """
        try:
            conn = self._conn
            assert conn is not None, "step() outside 'with Fanout(...)'"
            with conn.begin():
                if done is not None:
                    claim, result = done
                    values = outcome_values(self.policy, claim.attempts, claim.created_at, result, utcnow())
                    claims.record(conn, Delivery, claim.due.id, values)
                for ident in ahead:
                    conn.execute(
                        claims.renew_statement(Delivery), {"d_id": ident, "d_now": utcnow(), "d_me": self.me}
                    )
                while self.queue:
                    got = self._claim(conn, self.queue.popleft())
                    if got is not None:
                        return got
                return None
        except SQLAlchemyError as exc:
            raise ArchiveError(f"databasfel: {exc}") from exc

    def hold_back(self, held: list[Claim], result: SendResult) -> None:
        """Put the claimed mails and the rest of the fan-out back until the pace has room again.

        The claimed ones get their attempt back; the unclaimed ones that are still due wait as long,
        so that no job is asked for them before a slot can free (the sweeper asks again then).
        """
        assert self._thread is not None, "hold_back() outside 'with Fanout(...)'"
        rest = [due.id for due in self.queue]
        self.queue.clear()
        self._thread.submit(self._hold_back, held, result, rest).result()

    def _hold_back(self, held: list[Claim], result: SendResult, rest: list[int]) -> None:
        try:
            conn = self._conn
            assert conn is not None, "hold_back() outside 'with Fanout(...)'"
            now = utcnow()
            with conn.begin():
                for claim in held:
                    values = outcome_values(self.policy, claim.attempts, claim.created_at, result, now)
                    claims.record(conn, Delivery, claim.due.id, values)
                until = now + dt.timedelta(seconds=result.wait)
                for start in range(0, len(rest), HOLD_CHUNK):
                    conn.execute(
                        update(Delivery)
                        .where(Delivery.id.in_(rest[start:start + HOLD_CHUNK]), claims.due(Delivery, now))
                        .values(next_attempt_at=until)
                        .execution_options(synchronize_session=False)
                    )
        except SQLAlchemyError as exc:
            raise ArchiveError(f"databasfel: {exc}") from exc

    def _claim(self, conn: Connection, due: Due) -> Claim | None:
        """Mark one delivery as being sent by this process, if it is still due; None when it is not."""
        params = {"d_id": due.id, "d_now": utcnow(), "d_me": self.me}
        if self.returning:
            row = conn.execute(claims.claim_statement(Delivery, returning=True), params).first()
        else:
            if conn.execute(claims.claim_statement(Delivery, returning=False), params).rowcount != 1:
                return None
            row = conn.execute(
                select(Delivery.attempts, Delivery.created_at).where(Delivery.id == due.id)
            ).first()
        return None if row is None else Claim(due, row[0], row[1])


def unfinished(s: Session, times: SweepTimes) -> list[int]:
    """Hand back deliveries whose sender died or went silent; return the minutes with someone due."""
    dead = claims.dead_claimers(claims.claimers_of(s, Delivery, claims.DeliveryState.SENDING))
    claims.release_sending(s, Delivery, times.sending_stale, dead)
    return settle.minutes_due(s, times.now)


SWEPT = Unfinished("distribute", unfinished)
"""What the sweeper asks of this step."""
