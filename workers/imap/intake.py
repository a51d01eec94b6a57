"""The IMAP intake: hand every message in the watched folder to ``accept``, file it, then IDLE."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator

from imapclient import IMAPClient

from service.config import ImapSettings
from workers.imap.connection import READ_TIMEOUT, close, connect, prepare_folder
from workers.imap.errors import IMAP_ERRORS, ImapError, ImapLoginError
from workers.imap.protocol import (
    batches,
    body_request,
    fetched_body,
    fetched_header,
    fetched_size,
    header_request,
    is_bye,
    is_new_mail,
    uidnext,
    uidvalidity,
)
from workers.imap.tokens import Secret
from workers.intake import MAX_HEADER_BYTES, MAX_MESSAGE_BYTES, MessageRefused, header_block

log = logging.getLogger("workers.imap")

IDLE_TICK = 1.0
"""Longest single wait inside IDLE, so that a stop request is noticed quickly."""

MAX_IDLE_SECONDS = 25 * 60
"""IDLE is always renewed before this, well within the 29 minutes of RFC 2177."""

BACKOFF_INITIAL = 1.0
"""First wait after a failed connection, in seconds; doubled on each further failure."""

BACKOFF_MAX = 300.0
"""Longest wait between reconnection attempts."""

LOGIN_BACKOFF = 60.0
"""Shortest wait after a refused login, so that retries do not lock the account."""

SIZE_BATCH = 500
"""UIDs whose ``RFC822.SIZE`` is asked for in one FETCH."""

Accept = Callable[[bytes, dict], None]
"""Store one raw message; raise :class:`MessageRefused` if it can never be processed.

The metadata holds ``source``, ``folder``, ``uidvalidity``, ``uid`` and ``size``, the message's real
size: of a message larger than ``max_message_bytes`` only the header block is handed on.
"""


class ImapIntake:
    """Watch one IMAP folder and hand every message in it to ``accept``."""

    def __init__(
        self,
        settings: ImapSettings,
        password: Secret,
        accept: Accept,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        timeout: float = READ_TIMEOUT,
        backoff_initial: float = BACKOFF_INITIAL,
        backoff_max: float = BACKOFF_MAX,
        connector: Callable[..., IMAPClient] = connect,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        """Prepare the intake; nothing connects until :meth:`poll_once` or :meth:`run`.

        ``password`` may be a function returning a fresh secret (an OAuth2 token) for each
        connection. ``sleep`` replaces waiting on the stop event (tests); ``connector`` replaces
        :func:`connect`. A message larger than ``max_message_bytes`` (``intake.max_message_bytes``)
        is not fetched: only its header block is handed to ``accept``, then it goes to the failed folder.
        """
        self.settings = settings
        self._password = password
        self._accept = accept
        self._clock = clock
        self._sleep = sleep
        self._timeout = timeout
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._connector = connector
        self._max_bytes = max_message_bytes
        self._client: IMAPClient | None = None
        self._names: dict[str, str] = {}
        self._uidvalidity: int | None = None
        self._uidnext: int | None = None
        self.left_behind = 0
        """Messages whose ``accept`` failed in the last poll; they stay and are tried again."""

    # ------------------------------------------------------------------ connection

    def _connection(self) -> IMAPClient:
        if self._client is None:
            client = self._connector(self.settings, self._password, timeout=self._timeout)
            try:
                self._names = {
                    key: prepare_folder(client, name)
                    for key, name in (
                        ("folder", self.settings.folder),
                        ("processed", self.settings.processed_folder),
                        ("failed", self.settings.failed_folder),
                    )
                }
            except IMAP_ERRORS as exc:
                close(client)
                raise ImapError(f"kunde inte förbereda IMAP-mapparna: {exc}") from exc
            self._client = client
            log.info("ansluten till IMAP-servern %s:%s", self.settings.host, self.settings.port)
        return self._client

    def close(self) -> None:
        """Log out and forget the connection."""
        client, self._client = self._client, None
        close(client)

    @contextlib.contextmanager
    def _commands(self, failure: str) -> Iterator[None]:
        """Run commands on the connection; when one fails, drop the connection and raise ImapError.

        ``failure`` says what could not be done; the error's own text follows it.
        """
        try:
            yield
        except ImapError:
            self.close()
            raise
        except IMAP_ERRORS as exc:
            self.close()
            raise ImapError(f"{failure}: {exc}") from exc

    @property
    def _unreadable(self) -> str:
        return f"kunde inte läsa IMAP-mappen {self.settings.folder}"

    def _select(self, client: IMAPClient) -> dict:
        """SELECT the watched folder; return its answer (UIDVALIDITY, UIDNEXT, …)."""
        with self._commands(self._unreadable):
            return client.select_folder(self._names["folder"])

    # ------------------------------------------------------------------ one pass

    def poll_once(self) -> int:
        """Hand every message in the folder to ``accept`` and file it; return how many were filed."""
        client = self._connection()
        selected = self._select(client)
        with self._commands(self._unreadable):
            validity = uidvalidity(selected)
            self._uidnext = uidnext(selected)
            uids = sorted(client.search(["NOT", "DELETED"]))
        if self._uidvalidity is not None and validity != self._uidvalidity:
            log.warning(
                "UIDVALIDITY för %s ändrades (%s → %s); allt i mappen hämtas igen",
                self.settings.folder, self._uidvalidity, validity,
            )
        self._uidvalidity = validity
        filed = 0
        left = 0
        for batch in batches(uids, SIZE_BATCH):
            with self._commands(self._unreadable):
                sizes = client.fetch(batch, ["RFC822.SIZE"])
            for uid in batch:
                outcome = self._handle(client, uid, validity, fetched_size(sizes, uid))
                filed += outcome == "filed"
                left += outcome == "left"
        self.left_behind = left
        return filed

    def _arrived_since_pass(self, filed: int) -> bool:
        """Tell whether mail came in after the last pass's SELECT; its SELECT is the last word before IDLE.

        Mail that arrives during a pass is announced in the replies to our SEARCH or MOVEs, and not
        again in IDLE, so it would wait for the IDLE renewal. A new SELECT shows it in UIDNEXT, and
        whatever arrives after that SELECT is announced in IDLE.
        """
        now, before = uidnext(self._select(self._connection())), self._uidnext
        if now is None or before is None:  # a server that does not say UIDNEXT: look again after filing
            return filed > 0
        return now != before

    def _fetch(self, client: IMAPClient, uid: int, size: int | None) -> tuple[bytes, int, bool] | None:
        """Return (raw, real size, too large) of one message, None when it is gone (expunged).

        Of a message whose ``RFC822.SIZE`` is over the limit only the header block is fetched; of any
        other at most one byte more than the limit, so that a server that understates a size is caught.
        """
        limit = self._max_bytes
        with self._commands(f"kunde inte hämta meddelande {uid}"):
            if size is not None and size > limit:
                head = fetched_header(client.fetch([uid], [header_request(MAX_HEADER_BYTES)]), uid)
                return None if head is None else (header_block(head), size, True)
            raw = fetched_body(client.fetch([uid], [body_request(limit)]), uid)
        if raw is None:
            return None
        if len(raw) > limit:
            return header_block(raw[:MAX_HEADER_BYTES]), max(size or 0, len(raw)), True
        return raw, len(raw), False

    def _handle(self, client: IMAPClient, uid: int, validity: int, size: int | None) -> str:
        fetched = self._fetch(client, uid, size)
        if fetched is None:  # expunged meanwhile, e.g. by another intake
            return "gone"
        raw, size, too_large = fetched
        meta = {"source": "imap", "folder": self.settings.folder, "uidvalidity": validity, "uid": uid,
                "size": size}
        try:
            self._accept(raw, meta)
        except MessageRefused as exc:
            log.warning("meddelande uid=%s kan inte behandlas (%s); flyttas till %s",
                        uid, exc, self.settings.failed_folder)
            self._move(client, uid, self._names["failed"])
            return "filed"
        except Exception:
            log.exception("meddelande uid=%s kunde inte tas emot; det ligger kvar och provas igen", uid)
            return "left"
        if too_large:
            log.warning("meddelande uid=%s är för stort (%d byte, gränsen är %d); bara huvudet sparas, "
                        "flyttas till %s", uid, size, self._max_bytes, self.settings.failed_folder)
            self._move(client, uid, self._names["failed"])
            return "filed"
        self._move(client, uid, self._names["processed"])
        return "filed"

    def _move(self, client: IMAPClient, uid: int, folder: str) -> None:
        with self._commands(f"kunde inte flytta meddelande {uid} till {folder}"):
            if client.has_capability("MOVE"):
                client.move([uid], folder)
            else:
                client.copy([uid], folder)
                client.delete_messages([uid])
                if client.has_capability("UIDPLUS"):
                    client.uid_expunge([uid])
                else:
                    client.expunge()

    # ------------------------------------------------------------------ long-running loop

    def _wait(self, stop: threading.Event, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            stop.wait(seconds)

    def run(self, stop: threading.Event) -> None:
        """Poll, then IDLE (or sleep) until new mail, reconnecting with backoff, until ``stop`` is set."""
        delay = self._backoff_initial
        retry = self._backoff_initial
        while not stop.is_set():
            try:
                while True:
                    filed = self.poll_once()
                    if stop.is_set() or not self._arrived_since_pass(filed):
                        break
                delay = self._backoff_initial
                if self.left_behind:  # accept failed for some: try them again soon, then less often
                    wait, retry = retry, min(retry * 2, self._cycle_seconds())
                else:
                    wait, retry = self._cycle_seconds(), self._backoff_initial
                if self._client is not None and self._client.has_capability("IDLE"):
                    self._idle(stop, wait)
                else:
                    self._wait(stop, min(wait, float(self.settings.poll_seconds)))
                continue
            except ImapLoginError as exc:  # retrying fast could lock the account
                delay = max(delay, min(LOGIN_BACKOFF, self._backoff_max))
                log.error("IMAP: %s; nytt försök om %.1f s", exc, delay)
            except ImapError as exc:
                log.warning("IMAP: %s; nytt försök om %.1f s", exc, delay)
            except Exception:
                log.exception("oväntat fel i IMAP-intaget; nytt försök om %.1f s", delay)
            self.close()
            self._wait(stop, delay)
            delay = min(delay * 2, self._backoff_max)
        self.close()

    def _cycle_seconds(self) -> float:
        return float(max(1, min(self.settings.idle_seconds, MAX_IDLE_SECONDS)))

    def _idle(self, stop: threading.Event, seconds: float) -> None:
        """IDLE until new mail, ``seconds`` have passed, or ``stop`` is set."""
        client = self._client
        assert client is not None
        deadline = self._clock() + seconds
        with self._commands("IDLE avbröts"):
            client.idle()
            while not stop.is_set():
                remaining = deadline - self._clock()
                if remaining <= 0:
                    break
                tick = min(remaining, IDLE_TICK)
                started = time.monotonic()
                responses = client.idle_check(timeout=tick)
                if not responses and time.monotonic() - started < tick / 2:
                    # idle_check returns at once with nothing when the server closed the socket
                    raise ImapError("IMAP-servern stängde anslutningen under IDLE")
                if any(is_bye(r) for r in responses):
                    raise ImapError("IMAP-servern avslutade anslutningen (BYE)")
                if any(is_new_mail(r) for r in responses):
                    break
            client.idle_done()
