"""The one seam that opens IMAP connections: TLS, keepalive, login, folders, logout."""

from __future__ import annotations

import logging
import socket

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.imapclient import SocketTimeout

from service.config import ImapSettings
from service.mail.tls import client_context
from workers.imap.errors import IMAP_ERRORS, ImapError, ImapLoginError
from workers.imap.protocol import is_inbox, listed_delimiter, namespace_layout, server_folder_name
from workers.imap.tokens import Secret, secret_value

log = logging.getLogger("workers.imap")

READ_TIMEOUT = 60.0
"""Seconds any single read or write may take before the connection counts as hung."""

CONNECT_TIMEOUT = 15.0
"""Seconds to wait for the TCP (and TLS) connection."""


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
    context = client_context(settings)
    secret = secret_value(password)  # a token source may fail: before any socket is opened
    try:
        client = IMAPClient(
            settings.host,
            settings.port,
            ssl=settings.security == "ssl",
            ssl_context=context,
            timeout=SocketTimeout(connect=min(CONNECT_TIMEOUT, timeout), read=timeout),
        )
    except IMAP_ERRORS as exc:
        raise ImapError(f"kunde inte ansluta till IMAP-servern {where}: {exc}") from exc
    try:
        _enable_keepalive(client.socket())
        if settings.security == "starttls":
            client.starttls(context)
        _login(client, settings, secret)
    except IMAPClient.AbortError as exc:
        close(client)
        raise ImapError(f"IMAP-servern {where} bröt anslutningen vid inloggningen: {exc}") from exc
    except IMAPClientError as exc:
        close(client)
        raise ImapLoginError(
            f"IMAP-servern {where} godtog inte inloggningen för {settings.username}: {exc}"
        ) from exc
    except IMAP_ERRORS as exc:
        close(client)
        raise ImapError(f"IMAP-anslutningen till {where} misslyckades: {exc}") from exc
    return client


def close(client: IMAPClient | None) -> None:
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


def _folder_layout(client: IMAPClient) -> tuple[str, str]:
    """Ask the server for (prefix, delimiter) of its folder names; ("", "/") when it will not say."""
    try:
        if client.has_capability("NAMESPACE"):
            return namespace_layout(client.namespace().personal) or ("", "/")
        return "", listed_delimiter(client.list_folders(directory="", pattern="")) or "/"
    except IMAPClientError:
        return "", "/"


def prepare_folder(client: IMAPClient, name: str) -> str:
    """Return the server's name for a configured folder (``/`` as separator), creating it."""
    if is_inbox(name):
        return server_folder_name(name)
    server_name = server_folder_name(name, *_folder_layout(client))
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
