"""IMAP intake: fetch drafts from the unit's mailbox, hand each to the archive, then file it away.

A message is handed to ``accept`` with ``BODY.PEEK[]`` (so it stays unread) and only moved out of
the watched folder once ``accept`` has returned, i.e. once it is stored. If the move is lost (the
connection drops in between) the message is simply fetched again: ``accept`` is idempotent. A
changed UIDVALIDITY therefore needs no special care either: everything in the folder is fetched
again and the archive recognises what it already has.
"""

from __future__ import annotations

import logging
import shlex
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.imapclient import SocketTimeout

from service.config import ImapSettings
from workers.intake import MessageRefused  # noqa: F401 - re-exported for callers of this module

log = logging.getLogger(__name__)

READ_TIMEOUT = 60.0
"""Seconds any single read or write may take before the connection counts as hung."""

CONNECT_TIMEOUT = 15.0
"""Seconds to wait for the TCP (and TLS) connection."""

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

Accept = Callable[[bytes, dict], None]
"""Store one raw message; raise :class:`MessageRefused` if it can never be processed."""

Secret = str | Callable[[], str]
"""A password or token, or a function that returns a fresh one on every connection."""


class ImapError(Exception):
    """The IMAP server could not be reached, or it refused or failed a command."""


class ImapLoginError(ImapError):
    """The IMAP server did not accept the login."""


_ERRORS = (IMAPClientError, OSError, ssl.SSLError, EOFError)
"""Everything imapclient, imaplib and the socket raise for a broken connection or a NO/BAD answer."""


def _secret(value: Secret) -> str:
    return value() if callable(value) else value


# --------------------------------------------------------------------------- secrets and tokens

M365_SCOPE = "https://outlook.office365.com/.default"
"""The scope an app-only (client-credentials) token needs for IMAP on Microsoft 365."""

TOKEN_COMMAND_TIMEOUT = 30.0
"""Seconds a token command may run."""


def token_from_file(path: Path | str) -> Callable[[], str]:
    """Return a function that reads a fresh OAuth2 token from a file on every connection."""
    path = Path(path)

    def read() -> str:
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImapLoginError(f"OAuth2-token kan inte läsas från {path}: {exc.strerror or exc}") from exc
        if not token:
            raise ImapLoginError(f"OAuth2-tokenfilen {path} är tom")
        return token

    return read


def token_from_command(command: str) -> Callable[[], str]:
    """Return a function that runs a command (no shell) and takes its output as a fresh token."""
    argv = shlex.split(command)
    if not argv:
        raise ImapLoginError("tomt kommando för OAuth2-token")

    def run() -> str:
        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=TOKEN_COMMAND_TIMEOUT, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ImapLoginError(f"kommandot för OAuth2-token ({argv[0]}) gick inte att köra: {exc}") from exc
        token = done.stdout.strip()
        if done.returncode != 0 or not token:
            detail = (done.stderr.strip().splitlines() or [f"slutstatus {done.returncode}"])[-1]
            raise ImapLoginError(f"kommandot för OAuth2-token ({argv[0]}) gav ingen token: {detail}")
        return token

    return run


def token_from_msal(
    tenant: str, client_id: str, client_secret: str, *, scope: str = M365_SCOPE
) -> Callable[[], str]:
    """Return a function that gets an app-only Microsoft 365 token (msal client credentials)."""
    try:
        import msal  # type: ignore[import-not-found]
    except ImportError as exc:
        raise ImapLoginError("msal saknas — installera den (pip install msal) för Microsoft 365") from exc
    app = msal.ConfidentialClientApplication(
        client_id,
        authority=f"https://login.microsoftonline.com/{tenant}",
        client_credential=client_secret,
    )

    def acquire() -> str:
        try:
            result = app.acquire_token_for_client(scopes=[scope])  # msal caches until expiry
        except Exception as exc:  # noqa: BLE001 - msal and requests raise many kinds
            raise ImapLoginError(f"Microsoft 365-token kunde inte hämtas: {exc}") from exc
        token = result.get("access_token")
        if not token:
            reason = result.get("error_description") or result.get("error") or "okänt fel"
            raise ImapLoginError(f"Microsoft 365 gav ingen token: {reason}")
        return token

    return acquire


def imap_secret(settings: ImapSettings, value: str) -> Secret:
    """Turn the value of ``password_env`` into what :class:`ImapIntake` takes.

    With ``auth = "password"`` it is the password. With ``auth = "xoauth2"`` it is the OAuth2 token
    source: ``file:PATH`` (a file kept fresh by another program), ``command:CMD ARGS`` (prints a
    token), ``msal:TENANT:CLIENT_ID:CLIENT_SECRET`` (Microsoft 365 client credentials), or else
    the access token itself.
    """
    if settings.auth != "xoauth2":
        return value
    kind, _, rest = value.partition(":")
    if kind == "file" and rest:
        return token_from_file(rest)
    if kind == "command" and rest:
        return token_from_command(rest)
    if kind == "msal" and rest:
        parts = rest.split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise ImapLoginError(
                f"{settings.password_env}: skriv msal:TENANT:CLIENT_ID:CLIENT_SECRET"
            )
        return token_from_msal(*parts)
    return value


# --------------------------------------------------------------------------- connecting


def _ssl_context(settings: ImapSettings) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(settings.ca_file) if settings.ca_file else None)
    if not settings.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _enable_keepalive(sock: socket.socket) -> None:
    """Let the kernel notice a peer that vanished without closing the connection."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for name, value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 15), ("TCP_KEEPCNT", 4)):
            if hasattr(socket, name):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)
    except OSError:  # pragma: no cover - platform without keepalive tuning
        pass


def _login(client: IMAPClient, settings: ImapSettings, secret: str) -> None:
    if settings.auth == "xoauth2":
        client.oauth2_login(settings.username, secret)
    elif secret.isascii():
        client.login(settings.username, secret)
    else:  # LOGIN is ASCII only; AUTHENTICATE PLAIN carries UTF-8
        client.plain_login(settings.username, secret)


def connect(settings: ImapSettings, password: Secret, *, timeout: float = READ_TIMEOUT) -> IMAPClient:
    """Open a logged-in connection (ssl, starttls or none; password or XOAUTH2 token)."""
    where = f"{settings.host}:{settings.port}"
    context = _ssl_context(settings)
    secret = _secret(password)  # a token source may fail: before any socket is opened
    try:
        client = IMAPClient(
            settings.host,
            settings.port,
            ssl=settings.security == "ssl",
            ssl_context=context,
            timeout=SocketTimeout(connect=min(CONNECT_TIMEOUT, timeout), read=timeout),
        )
    except _ERRORS as exc:
        raise ImapError(f"kunde inte ansluta till IMAP-servern {where}: {exc}") from exc
    try:
        _enable_keepalive(client.socket())
        if settings.security == "starttls":
            client.starttls(context)
        _login(client, settings, secret)
    except IMAPClient.AbortError as exc:
        _close(client)
        raise ImapError(f"IMAP-servern {where} bröt anslutningen vid inloggningen: {exc}") from exc
    except IMAPClientError as exc:
        _close(client)
        raise ImapLoginError(
            f"IMAP-servern {where} godtog inte inloggningen för {settings.username}: {exc}"
        ) from exc
    except _ERRORS as exc:
        _close(client)
        raise ImapError(f"IMAP-anslutningen till {where} misslyckades: {exc}") from exc
    return client


def _uidnext(selected: dict) -> int | None:
    """Return the UIDNEXT of a SELECT answer, None when the server did not give it."""
    value = selected.get(b"UIDNEXT")
    return int(value) if value is not None else None


def _close(client: IMAPClient | None) -> None:
    """Log out politely if possible, else just drop the socket."""
    if client is None:
        return
    try:
        client.socket().settimeout(2.0)
        client.logout()
    except Exception:  # noqa: BLE001 - the connection is being thrown away anyway
        try:
            client.shutdown()
        except Exception:  # noqa: BLE001
            pass


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


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
    ) -> None:
        """Prepare the intake; nothing connects until :meth:`poll_once` or :meth:`run`.

        ``password`` may be a function returning a fresh secret (an OAuth2 token) for each
        connection. ``sleep`` replaces waiting on the stop event (tests); ``connector`` replaces
        :func:`connect`.
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
                    key: self._prepare_folder(client, name)
                    for key, name in (
                        ("folder", self.settings.folder),
                        ("processed", self.settings.processed_folder),
                        ("failed", self.settings.failed_folder),
                    )
                }
            except _ERRORS as exc:
                _close(client)
                raise ImapError(f"kunde inte förbereda IMAP-mapparna: {exc}") from exc
            self._client = client
            log.info("ansluten till IMAP-servern %s:%s", self.settings.host, self.settings.port)
        return self._client

    def close(self) -> None:
        """Log out and forget the connection."""
        client, self._client = self._client, None
        _close(client)

    def _prepare_folder(self, client: IMAPClient, name: str) -> str:
        """Return the server's name for a configured folder (``/`` as separator), creating it."""
        if name.upper() == "INBOX":
            return "INBOX"
        delimiter, prefix = "/", ""
        try:
            if client.has_capability("NAMESPACE"):
                personal = client.namespace().personal
                if personal:
                    prefix, sep = personal[0]
                    prefix, delimiter = _text(prefix), _text(sep or "/")
            else:
                listed = client.list_folders(directory="", pattern="")
                if listed and listed[0][1]:
                    delimiter = _text(listed[0][1])
        except IMAPClientError:
            pass
        server_name = name.replace("/", delimiter)
        if prefix and not server_name.startswith(prefix):
            server_name = prefix + server_name
        if not client.folder_exists(server_name):
            try:
                client.create_folder(server_name)
                log.info("skapade IMAP-mappen %s", server_name)
            except IMAPClientError:
                if not client.folder_exists(server_name):  # not a race with another intake
                    raise
            try:
                client.subscribe_folder(server_name)
            except IMAPClientError:
                pass
        return server_name

    # ------------------------------------------------------------------ one pass

    def poll_once(self) -> int:
        """Hand every message in the folder to ``accept`` and file it; return how many were filed."""
        client = self._connection()
        try:
            selected = client.select_folder(self._names["folder"])
            uidvalidity = int(selected[b"UIDVALIDITY"])
            self._uidnext = _uidnext(selected)
            uids = sorted(client.search(["NOT", "DELETED"]))
        except _ERRORS as exc:
            self.close()
            raise ImapError(f"kunde inte läsa IMAP-mappen {self.settings.folder}: {exc}") from exc
        if self._uidvalidity is not None and uidvalidity != self._uidvalidity:
            log.warning(
                "UIDVALIDITY för %s ändrades (%s → %s); allt i mappen hämtas igen",
                self.settings.folder, self._uidvalidity, uidvalidity,
            )
        self._uidvalidity = uidvalidity
        filed = 0
        left = 0
        for uid in uids:
            outcome = self._handle(client, uid, uidvalidity)
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
        client = self._connection()
        try:
            selected = client.select_folder(self._names["folder"])
        except _ERRORS as exc:
            self.close()
            raise ImapError(f"kunde inte läsa IMAP-mappen {self.settings.folder}: {exc}") from exc
        now, before = _uidnext(selected), self._uidnext
        if now is None or before is None:  # a server that does not say UIDNEXT: look again after filing
            return filed > 0
        return now != before

    def _handle(self, client: IMAPClient, uid: int, uidvalidity: int) -> str:
        try:
            fetched = client.fetch([uid], ["BODY.PEEK[]"])
        except _ERRORS as exc:
            self.close()
            raise ImapError(f"kunde inte hämta meddelande {uid}: {exc}") from exc
        raw = fetched.get(uid, {}).get(b"BODY[]")
        if raw is None:  # expunged meanwhile, e.g. by another intake
            return "gone"
        meta = {"source": "imap", "folder": self.settings.folder, "uidvalidity": uidvalidity, "uid": uid}
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
        self._move(client, uid, self._names["processed"])
        return "filed"

    def _move(self, client: IMAPClient, uid: int, folder: str) -> None:
        try:
            if client.has_capability("MOVE"):
                client.move([uid], folder)
            else:
                client.copy([uid], folder)
                client.delete_messages([uid])
                if client.has_capability("UIDPLUS"):
                    client.uid_expunge([uid])
                else:
                    client.expunge()
        except _ERRORS as exc:
            self.close()
            raise ImapError(f"kunde inte flytta meddelande {uid} till {folder}: {exc}") from exc

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
        try:
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
                if any(_is_bye(r) for r in responses):
                    raise ImapError("IMAP-servern avslutade anslutningen (BYE)")
                if any(_is_new_mail(r) for r in responses):
                    break
            client.idle_done()
        except ImapError:
            self.close()
            raise
        except _ERRORS as exc:
            self.close()
            raise ImapError(f"IDLE avbröts: {exc}") from exc


def _is_new_mail(response: tuple) -> bool:
    return len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")


def _is_bye(response: tuple) -> bool:
    return bool(response) and response[0] == b"BYE"
