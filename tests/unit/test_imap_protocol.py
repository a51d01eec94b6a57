"""Reading the IMAP server's answers (workers.imap.protocol): the values imapclient returns, no server."""

from __future__ import annotations

import pytest

from workers.imap.protocol import (
    fetched_body,
    is_bye,
    is_inbox,
    is_new_mail,
    listed_delimiter,
    namespace_layout,
    server_folder_name,
    text,
    uidnext,
    uidvalidity,
)

SELECTED = {b"EXISTS": 3, b"FLAGS": (b"\\Seen",), b"UIDVALIDITY": 1719, b"UIDNEXT": 42, b"READ-WRITE": True}


def test_select_answer() -> None:
    assert uidvalidity(SELECTED) == 1719
    assert uidnext(SELECTED) == 42
    assert uidnext({b"UIDVALIDITY": 1}) is None  # a server that does not say UIDNEXT


def test_fetched_body() -> None:
    fetched = {7: {b"SEQ": 1, b"BODY[]": b"From: a@b.se\r\n\r\nHej\r\n"}}
    assert fetched_body(fetched, 7) == b"From: a@b.se\r\n\r\nHej\r\n"
    assert fetched_body(fetched, 8) is None  # expunged meanwhile
    assert fetched_body({7: {b"SEQ": 1}}, 7) is None


@pytest.mark.parametrize(
    ("personal", "layout"),
    [
        (((b"", b"/"),), ("", "/")),
        (((b"INBOX.", b"."),), ("INBOX.", ".")),
        ((("INBOX.", None),), ("INBOX.", "/")),
        ((), None),
        (None, None),
    ],
)
def test_namespace_layout(personal: tuple | None, layout: tuple[str, str] | None) -> None:
    assert namespace_layout(personal) == layout


def test_listed_delimiter() -> None:
    assert listed_delimiter([((b"\\Noselect",), b".", "")]) == "."
    assert listed_delimiter([((b"\\Noselect",), None, "")]) is None
    assert listed_delimiter([]) is None


@pytest.mark.parametrize(
    ("name", "prefix", "delimiter", "server"),
    [
        ("INBOX", "INBOX.", ".", "INBOX"),
        ("inbox", "", "/", "INBOX"),
        ("Minnes/Behandlade", "", "/", "Minnes/Behandlade"),
        ("Minnes/Behandlade", "INBOX.", ".", "INBOX.Minnes.Behandlade"),
        ("INBOX.Minnes/Kunde inte behandlas", "INBOX.", ".", "INBOX.Minnes.Kunde inte behandlas"),
    ],
)
def test_server_folder_name(name: str, prefix: str, delimiter: str, server: str) -> None:
    assert server_folder_name(name, prefix, delimiter) == server
    assert is_inbox(name) == (server == "INBOX")


def test_idle_responses() -> None:
    assert is_new_mail((4, b"EXISTS"))
    assert is_new_mail((1, b"RECENT"))
    assert not is_new_mail((3, b"EXPUNGE"))
    assert not is_new_mail((b"OK", b"Still here"))
    assert is_bye((b"BYE", b"Server shutting down"))
    assert not is_bye(())
    assert not is_bye((4, b"EXISTS"))


def test_text() -> None:
    assert text(b"Minnes/\xc3\x85r") == "Minnes/År"
    assert text(b"\xff") == "\ufffd"
    assert text("redan text") == "redan text"
