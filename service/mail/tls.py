"""The TLS context Minnes uses as a client, for the SMTP relay and the IMAP mailbox alike."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Protocol


class TlsSettings(Protocol):
    """What a server's settings say about checking its certificate (``SmtpSettings``, ``ImapSettings``)."""

    @property
    def verify_tls(self) -> bool:
        """Verify the server's certificate and host name."""
        ...

    @property
    def ca_file(self) -> Path | None:
        """PEM file of the CA that signed the server's certificate, when it is not a public one."""
        ...


def client_context(settings: TlsSettings) -> ssl.SSLContext:
    """Return a new client context: the system's CAs, or ``ca_file`` alone when given; verification on
    unless ``verify_tls`` is off.

    A new context each call, so that a changed ``ca_file`` or ``SSL_CERT_FILE`` counts at the next
    connection. A missing or unreadable ``ca_file`` raises ``OSError``, a file that holds no
    certificate ``ssl.SSLError``, as when connecting.
    """
    cafile = str(settings.ca_file) if settings.ca_file else None
    context = ssl.create_default_context(cafile=cafile)
    if not settings.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
