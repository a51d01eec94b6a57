"""XOAUTH2 login against a real Dovecot (its passwd-file checks the bearer token)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.config import ImapSettings
from tests.integration.test_imap_intake import PROCESSED, Recorder, draft, settings_for
from tests.support.dovecot import DovecotServer, start_dovecot
from workers.imap import ImapIntake, ImapLoginError, connect, imap_secret

pytestmark = pytest.mark.integration

TOKEN = "ya29.a0AfB_byC-test-token"


@pytest.fixture
def oauth_dovecot() -> Iterator[DovecotServer]:
    """Yield a Dovecot whose user's password is the bearer token."""
    server = start_dovecot(password=TOKEN)
    yield server
    server.cleanup()


def test_a_literal_token_logs_in_with_xoauth2(oauth_dovecot: DovecotServer) -> None:
    settings = settings_for(oauth_dovecot, auth="xoauth2")
    client = connect(settings, imap_secret(settings, TOKEN), timeout=5)
    client.logout()
    assert "method=XOAUTH2" in oauth_dovecot.wait_for_log("method=XOAUTH2")


def test_a_token_file_is_read_on_every_connection(oauth_dovecot: DovecotServer, tmp_path: Path) -> None:
    token_file = tmp_path / "imap-token"
    token_file.write_text("expired-token\n")
    settings = settings_for(oauth_dovecot, auth="xoauth2")
    secret = imap_secret(settings, f"file:{token_file}")
    with pytest.raises(ImapLoginError):
        connect(settings, secret, timeout=5)
    token_file.write_text(TOKEN + "\n")  # refreshed by another program
    oauth_dovecot.append(draft(1))
    intake = ImapIntake(settings, secret, Recorder())
    try:
        assert intake.poll_once() == 1
    finally:
        intake.close()
    assert oauth_dovecot.messages(PROCESSED) == [draft(1)]


def test_a_token_command_supplies_the_token(oauth_dovecot: DovecotServer) -> None:
    settings = settings_for(oauth_dovecot, auth="xoauth2")
    secret = imap_secret(settings, f"command:{sys.executable} -c 'print(\"{TOKEN}\")'")
    client = connect(settings, secret, timeout=5)
    client.logout()


def test_a_failing_token_command_is_a_login_error(oauth_dovecot: DovecotServer) -> None:
    settings = settings_for(oauth_dovecot, auth="xoauth2")
    secret = imap_secret(
        settings, f"command:{sys.executable} -c 'import sys; sys.exit(\"ingen token: nekad\")'"
    )
    with pytest.raises(ImapLoginError, match="ingen token: nekad"):
        connect(settings, secret, timeout=5)


def test_a_missing_token_file_is_a_login_error(oauth_dovecot: DovecotServer, tmp_path: Path) -> None:
    settings = settings_for(oauth_dovecot, auth="xoauth2")
    with pytest.raises(ImapLoginError, match="kan inte läsas"):
        connect(settings, imap_secret(settings, f"file:{tmp_path / 'saknas'}"), timeout=5)


def test_password_auth_takes_the_value_as_it_is() -> None:
    assert imap_secret(ImapSettings(auth="password"), "file:inte-en-fil") == "file:inte-en-fil"


def test_a_malformed_msal_source_says_how_to_write_it() -> None:
    with pytest.raises(ImapLoginError, match="msal:TENANT:CLIENT_ID:CLIENT_SECRET"):
        imap_secret(ImapSettings(auth="xoauth2"), "msal:bara-tenant")
