"""File store and maildir intake: nothing is acknowledged before it is stored."""

from __future__ import annotations

import hashlib

import pytest

from service.archive.files import FileStore, StorageError
from workers.maildir import MaildirIntake, deliver_to_maildir


def test_file_store_is_content_addressed_and_idempotent(tmp_path):
    store = FileStore(tmp_path)
    key = store.put(b"hej")
    assert key == hashlib.sha256(b"hej").hexdigest()
    assert store.put(b"hej") == key
    assert store.get(key) == b"hej"
    with pytest.raises(StorageError):
        store.get("0" * 64)
    with pytest.raises(StorageError):
        store.get("../etc/passwd")


def test_maildir_acknowledges_only_what_was_accepted(tmp_path):
    box = tmp_path / "inbox"
    deliver_to_maildir(box, b"Subject: a\n\nA", "1.a")
    deliver_to_maildir(box, b"Subject: b\n\nB", "2.b")
    seen = []

    def accept(raw: bytes, ref: dict) -> None:
        if raw.endswith(b"B"):
            raise RuntimeError("databasen är borta")
        seen.append(raw)

    intake = MaildirIntake(box, accept)
    assert intake.poll_once() == 1
    assert seen == [b"Subject: a\n\nA"]
    assert sorted(p.name for p in (box / "new").iterdir()) == ["2.b"]
    assert [p.name for p in (box / "cur").iterdir()] == ["1.a:2,S"]


def test_maildir_files_a_refused_message_as_deleted_instead_of_retrying_it(tmp_path):
    from workers.intake import MessageRefused

    box = tmp_path / "inbox"
    deliver_to_maildir(box, b"", "1.empty")

    def accept(raw: bytes, ref: dict) -> None:
        raise MessageRefused("tomt meddelande")

    assert MaildirIntake(box, accept).poll_once() == 1
    assert list((box / "new").iterdir()) == []
    assert [p.name for p in (box / "cur").iterdir()] == ["1.empty:2,T"]


def test_database_errors_never_show_the_password():
    from service.archive.db import ArchiveError, Database

    with pytest.raises(ArchiveError) as err:
        Database("nosuchdialect://minnes:hemligt@db.example.se/minnes")
    assert "hemligt" not in str(err.value)
