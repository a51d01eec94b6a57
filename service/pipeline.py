"""The pipeline as one object: a thin facade over the step modules in :mod:`service.steps`.

accept → process(inbound_id) → sign(minutes_id) → distribute(minutes_id); receipts, rejections and
reports go through send_mail(mail_id). The database is the source of truth: a step reads the state it
needs, does its work once, and records the new state; the sweeper re-enqueues whatever is unfinished.
The names older callers import from here (``STEPS``, ``JobQueue``, ``claimer_gone``, …) still work.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from service.archive import claims
from service.archive.claims import claimer_gone, dead_claimers, worker_identity
from service.archive.db import Database, Delivery
from service.archive.files import Store
from service.config import Config
from service.steps import accept as accept_step
from service.steps import bounce as bounce_step
from service.steps import distribute as distribute_step
from service.steps import mail as mail_step
from service.steps import process as process_step
from service.steps import settle as settle_step
from service.steps import sign as sign_step
from service.steps import sweep as sweep_step
from service.steps.accept import Accepted
from service.steps.accept import message_id_of as _message_id
from service.steps.context import STEPS, JobQueue, NoQueue, SignPdf, StepContext
from service.steps.process import MAX_PROCESS_ATTEMPTS
from service.steps.process import search_text as _search_text
from service.steps.sign import sender_domain as _domain

if TYPE_CHECKING:
    from service.config import Settings
    from service.mail.transport import Transport

__all__ = [
    "MAX_PROCESS_ATTEMPTS",
    "STEPS",
    "Accepted",
    "JobQueue",
    "NoQueue",
    "Pipeline",
    "claimer_gone",
    "worker_identity",
    "_domain",
    "_message_id",
    "_search_text",
]


class Pipeline:
    """The steps of Minnes, wired to one archive, file store, queue, signer and transport."""

    def __init__(
        self,
        config: Config,
        db: Database,
        files: Store,
        queue: JobQueue,
        *,
        transport: Callable[[], Transport],
        sign_pdf: SignPdf,
    ) -> None:
        self.config = config
        self.db = db
        self.files = files
        self.queue = queue
        self._make_transport = transport
        self._transport: Transport | None = None
        self.context = StepContext(
            config=config, db=db, files=files, queue=queue, transport=self.transport, sign_pdf=sign_pdf
        )

    @property
    def settings(self) -> Settings:
        """Return the service settings."""
        return self.config.settings

    def archive_url(self, minutes_id: int) -> str:
        """Return the archive page of one minutes version."""
        return self.context.archive_url(minutes_id)

    def transport(self) -> Transport:
        """Return the mail transport, made on first use."""
        if self._transport is None:
            self._transport = self._make_transport()
        return self._transport

    def accept(
        self, raw: bytes, *, source: str, source_ref: object = "", size: int | None = None
    ) -> Accepted:
        """Store a raw message durably, deduplicated, then enqueue its processing.

        ``size`` is the message's real size when ``raw`` holds only its header (too large to take).
        """
        return accept_step.accept(self.context, raw, source=source, source_ref=source_ref, size=size)

    def process(self, inbound_id: int) -> None:
        """Parse, route, authorise and structure one inbound message; idempotent."""
        process_step.process(self.context, inbound_id)

    def handle_bounce(self, inbound_id: int, raw: bytes) -> bool:
        """Record a delivery status notification against its delivery; True when it was one."""
        return bounce_step.handle_bounce(self.context, inbound_id, raw)

    def sign(self, minutes_id: int) -> None:
        """Render and sign the PDF of one minutes version, then create its deliveries; idempotent."""
        sign_step.sign(self.context, minutes_id)

    def distribute(self, minutes_id: int) -> int:
        """Send the minutes to every recipient still due, over one connection; return how many sent."""
        return distribute_step.distribute(self.context, minutes_id)

    def settle(self, minutes_id: int) -> None:
        """Close a fan-out that has settled, and report anyone not reached to manager and skyddsombud."""
        settle_step.settle(self.context, minutes_id)

    def send_mail(self, mail_id: int) -> None:
        """Send one receipt, rejection or report once; idempotent."""
        mail_step.send_mail(self.context, mail_id)

    def sweep(self) -> dict[str, int]:
        """Re-enqueue whatever the database says is unfinished and not in progress."""
        return sweep_step.sweep(self.context)


# Older names of the shared claim statements, bound to deliveries as they were.
_claim_statement = partial(claims.claim_statement, Delivery)
_renew_statement = partial(claims.renew_statement, Delivery)
_record_statement = partial(claims.record_statement, Delivery)
_dead_claimers = dead_claimers
_CLAIMED_AHEAD = distribute_step.CLAIMED_AHEAD
