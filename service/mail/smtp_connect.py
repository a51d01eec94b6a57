"""Opening an SMTP connection (TLS, login) and saying in Swedish why one could not be used."""

from __future__ import annotations

import base64
import contextlib
import smtplib
import socket
import ssl
from collections.abc import Callable
from typing import TYPE_CHECKING

from service.mail.sending import classify
from service.mail.tls import client_context

if TYPE_CHECKING:
    from service.config import SmtpSettings

CONNECT_ERRORS = (smtplib.SMTPException, OSError, ValueError)
"""What opening, securing and logging in on a connection raise."""


def open_connection(
    settings: SmtpSettings,
    password: str,
    ssl_context: ssl.SSLContext | None = None,
    *,
    watch: Callable[[smtplib.SMTP], None] | None = None,
) -> smtplib.SMTP:
    """Open, secure and log in; raise smtplib or socket errors as they come.

    ``ssl_context`` replaces the one :func:`client_context` makes from the settings. ``watch`` is
    given the connection as soon as it exists (connecting and the greeting have their own timeouts),
    to cut it off should securing or logging in hang.
    """
    s = settings
    conn: smtplib.SMTP
    if s.security == "ssl":
        conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=_context(s, ssl_context))
    else:
        conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
    if watch is not None:
        watch(conn)
    try:
        _nodelay(conn)
        conn.ehlo()
        if s.security == "starttls":
            conn.starttls(context=_context(s, ssl_context))
            _nodelay(conn)
            conn.ehlo()
        if s.username:
            _login(conn, s.username, password)
    except BaseException:
        abandon(conn)
        raise
    return conn


def _context(settings: SmtpSettings, given: ssl.SSLContext | None) -> ssl.SSLContext:
    return given if given is not None else client_context(settings)


def _nodelay(conn: smtplib.SMTP) -> None:
    sock = conn.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _login(conn: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; AUTH PLAIN in UTF-8 when the name or password is not ASCII (smtplib cannot)."""
    if (user + password).isascii():
        conn.login(user, password)
        return
    if "plain" not in conn.esmtp_features.get("auth", "").lower().split():
        raise smtplib.SMTPNotSupportedError("AUTH PLAIN krävs för lösenord med andra tecken än ASCII")
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, answer = conn.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, answer)


def abandon(conn: smtplib.SMTP) -> None:
    """Drop a connection without a word; never raise."""
    with contextlib.suppress(Exception):
        conn.close()


def say_goodbye(conn: smtplib.SMTP) -> None:
    """Say QUIT politely, else drop the connection; never raise."""
    try:
        conn.quit()
    except (smtplib.SMTPException, OSError):
        abandon(conn)


def timed_out(exc: BaseException) -> bool:
    """Tell whether an error is a timeout (smtplib turns a read timeout into SMTPServerDisconnected)."""
    return isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError)


def where(settings: SmtpSettings) -> str:
    """Return the server as ``host:port``, for messages."""
    return f"{settings.host}:{settings.port}"


def describe(exc: BaseException, settings: SmtpSettings) -> str:
    """Say in Swedish what went wrong with the connection."""
    server = where(settings)
    if timed_out(exc):
        return f"SMTP-servern {server} svarade inte i tid"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"SMTP-servern {server} stängde anslutningen ({exc})"
    if isinstance(exc, ConnectionRefusedError):
        return f"SMTP-servern {server} tar inte emot anslutningar"
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return f"TLS mot SMTP-servern {server} misslyckades: {exc}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"SMTP-servern {server} stöder inte det som krävs: {exc}"
    if isinstance(exc, OSError):
        return f"SMTP-servern {server} kunde inte nås: {exc.strerror or exc}"
    return f"fel mot SMTP-servern {server}: {exc}"


def connect_failure(exc: BaseException, settings: SmtpSettings) -> str:
    """Say why a connection could not be opened: the server's own refusal, else :func:`describe`."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return classify(exc.smtp_code, exc.smtp_error).answer
    return describe(exc, settings)
