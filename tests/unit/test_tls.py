"""The one client TLS context of the SMTP transport and the IMAP intake: CAs, verification, errors."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from service.config import ImapSettings, SmtpSettings
from service.mail.tls import client_context
from tests.support.certs import write_self_signed


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ssl.SSLContext]:
    """Return a self-signed certificate for localhost and a server context that presents it."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    write_self_signed(cert, key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return cert, context


def _handshake(client: ssl.SSLContext, server: ssl.SSLContext, host: str = "localhost") -> None:
    """Run a TLS handshake in memory; raise what the client raises."""
    c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    c = client.wrap_bio(c_in, c_out, server_hostname=host)
    s = server.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):
        done = 0
        for side in (c, s):
            try:
                side.do_handshake()
                done += 1
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError:
                if side is c:
                    raise
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if done == 2:
            return
    raise AssertionError("the handshake did not finish")


@pytest.mark.parametrize("settings_class", [SmtpSettings, ImapSettings])
def test_the_default_verifies_against_the_system_cas(settings_class: type) -> None:
    context = client_context(settings_class())
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2


def test_a_server_whose_ca_is_not_trusted_is_refused(server: tuple[Path, ssl.SSLContext]) -> None:
    with pytest.raises(ssl.SSLCertVerificationError, match="CERTIFICATE_VERIFY_FAILED"):
        _handshake(client_context(SmtpSettings()), server[1])


@pytest.mark.parametrize("settings_class", [SmtpSettings, ImapSettings])
def test_ca_file_is_trusted_and_alone(settings_class: type, server: tuple[Path, ssl.SSLContext]) -> None:
    cert, server_context = server
    context = client_context(settings_class(ca_file=cert))
    assert context.cert_store_stats()["x509_ca"] == 1  # the organisation's CA, not the system's too
    assert context.verify_mode == ssl.CERT_REQUIRED
    _handshake(context, server_context)


def test_the_host_name_is_checked_even_with_ca_file(server: tuple[Path, ssl.SSLContext]) -> None:
    cert, server_context = server
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
        _handshake(client_context(ImapSettings(ca_file=cert)), server_context, host="mail.exempelby.se")


@pytest.mark.parametrize("settings_class", [SmtpSettings, ImapSettings])
def test_verify_tls_off_accepts_any_certificate(
    settings_class: type, server: tuple[Path, ssl.SSLContext]
) -> None:
    context = client_context(settings_class(verify_tls=False))
    assert context.verify_mode == ssl.CERT_NONE
    assert not context.check_hostname
    _handshake(context, server[1], host="mail.exempelby.se")


def test_each_call_makes_a_new_context_so_sslcertfile_counts_at_the_next_connection(
    server: tuple[Path, ssl.SSLContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = SmtpSettings()
    first = client_context(settings)
    monkeypatch.setenv("SSL_CERT_FILE", str(server[0]))
    second = client_context(settings)
    assert second is not first
    _handshake(second, server[1])


def test_a_missing_ca_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        client_context(SmtpSettings(ca_file=tmp_path / "saknas.pem"))


def test_a_ca_file_without_a_certificate_is_an_ssl_error(tmp_path: Path) -> None:
    empty = tmp_path / "tom.pem"
    empty.write_text("inte ett certifikat\n")
    with pytest.raises(ssl.SSLError):
        client_context(ImapSettings(ca_file=empty))
