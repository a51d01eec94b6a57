"""Sending composed mail: to an outbox folder or over one reused SMTP connection per session.

The pieces live in their own modules, and are all importable from here as before:

- :mod:`service.mail.sending`: the Transport interface (``Transport``, ``Sender``, ``SendResult``,
  ``TransportError``, ``classify``);
- :mod:`service.mail.wire`: messages as they go over SMTP (``WireMessage``, ``wire_bytes``);
- :mod:`service.mail.outbox`: delivery into a folder (``OutboxTransport``);
- :mod:`service.mail.smtp`: the SMTP session and transport, with :mod:`service.mail.smtp_connect`
  (connecting, TLS, login, error texts) and :mod:`service.mail.smtp_deadline` (the send deadline);
- :mod:`service.mail.tls`: the TLS context shared with the IMAP intake.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from service.mail.outbox import OutboxSession, OutboxTransport, outbox_name
from service.mail.sending import (
    OUTCOMES,
    Meanwhile,
    Sender,
    SendResult,
    Transport,
    TransportError,
    classify,
)
from service.mail.smtp import SmtpSession, SmtpTransport
from service.mail.smtp_deadline import SEND_DEADLINE_TIMEOUTS
from service.mail.wire import Mail, WireMessage, envelope_sender, wire_bytes

if TYPE_CHECKING:
    from service.config import DeliverySettings

__all__ = [
    "OUTCOMES",
    "SEND_DEADLINE_TIMEOUTS",
    "Mail",
    "Meanwhile",
    "OutboxSession",
    "OutboxTransport",
    "SendResult",
    "Sender",
    "SmtpSession",
    "SmtpTransport",
    "Transport",
    "TransportError",
    "WireMessage",
    "classify",
    "envelope_sender",
    "make_transport",
    "outbox_name",
    "wire_bytes",
]


def make_transport(delivery: DeliverySettings, password: str = "") -> Transport:
    """Return the transport the settings ask for: the outbox folder or the SMTP relay."""
    if delivery.method == "outbox":
        return OutboxTransport(Path(delivery.outbox))
    if delivery.method == "smtp":
        return SmtpTransport(delivery.smtp, password)
    raise TransportError(f"okänt leveranssätt '{delivery.method}' — använd outbox eller smtp")
