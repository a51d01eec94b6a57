"""A relay whose certificate comes from the organisation's own CA is trusted through `ca_file`."""

from __future__ import annotations

import dataclasses
from email.message import EmailMessage
from pathlib import Path

from service.config import SmtpSettings
from service.mail.transport import SmtpTransport
from tests.support.smtp import SmtpSink


def _mail() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "minnes@exempelby.se"
    msg["To"] = "karin.berg@exempelby.se"
    msg["Subject"] = "Test"
    msg["Message-ID"] = "<ca-test@exempelby.se>"
    msg.set_content("Hej")
    return msg


def test_starttls_with_own_ca_is_verified_through_ca_file():
    with SmtpSink(tls="starttls") as sink:
        cert = Path(sink._tmp.name) / "smtp-cert.pem"
        settings = SmtpSettings(host="localhost", port=sink.port, security="starttls", timeout=10)
        with SmtpTransport(settings).session() as session:
            refused = session.send(_mail(), "karin.berg@exempelby.se")
        assert refused.outcome == "deferred" and "certif" in refused.answer.lower()
        trusted = dataclasses.replace(settings, ca_file=cert)
        with SmtpTransport(trusted).session() as session:
            assert session.send(_mail(), "karin.berg@exempelby.se").outcome == "sent"
        assert len(sink.received) == 1
