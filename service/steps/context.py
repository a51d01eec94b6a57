"""What every step is handed: the adapters bootstrap wired, and how a step answers the sweeper."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from service.archive.claims import RetryPolicy
from service.archive.db import Database
from service.archive.files import Store
from service.config import Config
from service.domain.workplace import Workplace

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from service.config import Settings
    from service.mail.transport import Transport

log = logging.getLogger("service.pipeline")

STEPS = ("process", "sign", "distribute", "send_mail")
"""The names of the pipeline's jobs; each takes one id."""


class JobQueue(Protocol):
    """Where the pipeline hands on work; the database stays the source of truth."""

    def enqueue(self, step: str, ident: int) -> None:
        """Ask for ``step`` to run on ``ident`` soon."""


class NoQueue:
    """A queue that drops work: the sweeper finds it in the database later."""

    def enqueue(self, step: str, ident: int) -> None:
        """Do nothing."""


class SignPdf(Protocol):
    """Render and sign the PDF of structured minutes; return it and its certificate's sha256."""

    def __call__(self, minutes: dict, workplace: Workplace, *, archive_url: str, version: int = 1,
                 replaces: tuple[int, str | None] | None = None) -> tuple[bytes, str]:
        """Return (signed PDF, sha256 of the signing certificate), the certificate on record.

        ``version`` is the minutes version; ``replaces`` (version, ISO date) the one a correction replaces.
        """


@dataclass(frozen=True)
class StepContext:
    """The adapters one pipeline works with, wired once by bootstrap."""

    config: Config
    """The service settings and the workplaces."""

    db: Database
    """The archive database: the source of truth."""

    files: Store
    """Raw messages and PDFs, by sha256."""

    queue: JobQueue
    """Where follow-up work is enqueued."""

    transport: Callable[[], Transport]
    """Return the mail transport (made on first use)."""

    sign_pdf: SignPdf
    """Render and sign a minutes PDF."""

    @property
    def settings(self) -> Settings:
        """Return the service settings."""
        return self.config.settings

    def archive_url(self, minutes_id: int) -> str:
        """Return the archive page of one minutes version."""
        return f"{self.settings.web.base_url.rstrip('/')}/minutes/{minutes_id}"

    def retry_policy(self) -> RetryPolicy:
        """Return how refused mail is tried again."""
        delivery = self.settings.delivery
        return RetryPolicy(base_seconds=delivery.retry_base_seconds, give_up_hours=delivery.retry_hours)

    def secret(self) -> str:
        """Return the installation's secret, which keys Message-IDs and tokens Minnes must recognise."""
        return self.config.installation_secret()

    def verp_secret(self) -> str:
        """Return the key that signs VERP return paths: its own variable, else the installation's secret."""
        return self.config.secret(self.settings.delivery.verp_secret_env) or self.secret()

    def enqueue(self, step: str, ident: int) -> None:
        """Hand ``step(ident)`` to the queue; when that fails, leave it to the sweeper."""
        try:
            self.queue.enqueue(step, ident)
        except Exception as exc:  # noqa: BLE001 - the sweeper will retry from the database
            log.warning("kunde inte köa %s(%s): %s — svepet tar det senare", step, ident, exc)


@dataclass(frozen=True)
class SweepTimes:
    """The moments one sweep judges claims by."""

    now: dt.datetime
    """When the sweep began (UTC, naive, as stored)."""

    stale: dt.datetime
    """A processing claim older than this is abandoned."""

    sending_stale: dt.datetime
    """A sending claim older than this is abandoned (a live sender renews it well before)."""


@dataclass(frozen=True)
class Unfinished:
    """How one step answers the sweeper's question: what of yours is unfinished?"""

    step: str
    """The job that finishes the work (one of :data:`STEPS`), or the name of work done in the sweep."""

    find: Callable[[Session, SweepTimes], list[int]]
    """Return the ids whose work is unfinished and not in progress, after handing back abandoned claims."""

    resume: Callable[[StepContext, int], object] | None = None
    """Finish one id in the sweeper itself; None to enqueue :attr:`step` instead."""
