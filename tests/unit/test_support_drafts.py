"""The test helper that gives a draft the trusted MX's Authentication-Results (tests/support/drafts.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.domain.routing import AUTH_PASS, authentication
from service.mail.reading import read_message
from service.structuring import structure_message
from tests.support.configs import make_config
from tests.support.drafts import TRUSTED_AUTHSERV_ID, authenticated, corpus_draft, from_domain

D01 = "d01-plain-numbered"


def test_the_header_goes_on_top_in_the_message_s_line_ending_and_the_rest_is_untouched() -> None:
    raw = corpus_draft(D01)
    out = authenticated(raw)
    header, rest = out.split(b"\r\n", 1)
    assert rest == raw
    assert header == (
        b"Authentication-Results: mx.exempelby.se; spf=pass smtp.mailfrom=exempelby.se; "
        b"dkim=pass header.d=exempelby.se; dmarc=pass header.from=exempelby.se"
    )
    lf = authenticated(b"From: Eva <Eva@Norrvik.SE>\nSubject: x\n\nhej\n")
    assert lf.startswith(b"Authentication-Results: mx.exempelby.se; spf=pass smtp.mailfrom=norrvik.se;")
    assert lf.endswith(b"header.from=norrvik.se\nFrom: Eva <Eva@Norrvik.SE>\nSubject: x\n\nhej\n")


def test_the_pipeline_s_reading_finds_a_passing_trusted_verdict(tmp_path: Path) -> None:
    msg = read_message(authenticated(corpus_draft(D01)))
    assert len(msg.authentication_results) == 1
    assert authentication(msg.authentication_results, TRUSTED_AUTHSERV_ID, "exempelby.se") == AUTH_PASS
    plain = read_message(corpus_draft(D01))
    assert authentication(plain.authentication_results, TRUSTED_AUTHSERV_ID, "exempelby.se") != AUTH_PASS
    config = make_config(tmp_path / "config")  # the tests' configuration trusts this MX
    assert structure_message(authenticated(corpus_draft(D01)), config).sender_authenticated


def test_a_given_domain_wins_and_a_draft_without_from_needs_one() -> None:
    raw = b"To: apt@exempelby.se\r\nSubject: x\r\n\r\nhej\r\n"
    assert from_domain(raw) == ""
    with pytest.raises(ValueError):
        authenticated(raw)
    assert b"header.from=exempelby.se\r\nTo:" in authenticated(raw, "exempelby.se")
    assert from_domain(b"From: =?utf-8?q?=C3=85sa?= <asa@exempelby.se>, b@other.se\n\nx") == "exempelby.se"
