"""IMAP intake over STARTTLS and implicit TLS against a real Dovecot with a throwaway certificate."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.test_imap_intake import PROCESSED, Recorder, draft, settings_for
from tests.support.dovecot import DovecotServer, start_dovecot
from workers.imap import ImapError, ImapIntake, connect

pytestmark = pytest.mark.integration


@pytest.fixture
def tls_dovecot() -> Iterator[DovecotServer]:
    """Yield a Dovecot with STARTTLS on ``port`` and TLS on ``tls_port``."""
    server = start_dovecot(tls=True)
    yield server
    server.cleanup()


def test_starttls_with_a_trusted_certificate(
    tls_dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_dovecot.cert_path))
    tls_dovecot.append(draft(1))
    intake = ImapIntake(settings_for(tls_dovecot, security="starttls"), tls_dovecot.password, Recorder())
    try:
        assert intake.poll_once() == 1
    finally:
        intake.close()
    assert tls_dovecot.messages(PROCESSED) == [draft(1)]
    assert "TLS" in tls_dovecot.wait_for_log("TLS")


def test_implicit_tls_without_verification(tls_dovecot: DovecotServer) -> None:
    settings = settings_for(tls_dovecot, security="ssl", port=tls_dovecot.tls_port, verify_tls=False)
    client = connect(settings, tls_dovecot.password, timeout=5)
    client.logout()


def test_an_untrusted_certificate_is_refused(tls_dovecot: DovecotServer) -> None:
    settings = settings_for(tls_dovecot, security="ssl", port=tls_dovecot.tls_port)
    with pytest.raises(ImapError, match="CERTIFICATE_VERIFY_FAILED"):
        connect(settings, tls_dovecot.password, timeout=5)
