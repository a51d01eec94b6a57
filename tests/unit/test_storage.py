"""File store and maildir intake: nothing is acknowledged before it is stored."""

from __future__ import annotations

import hashlib

import pytest

from service.archive.files import CorruptObject, FileStore, MissingObject, StorageError, Store
from service.archive.objects import Location, ObjectStore
from tests.support.s3 import Bucket
from workers.maildir import MaildirIntake, deliver_to_maildir


def test_store_is_content_addressed_and_idempotent(store: Store):
    assert isinstance(store, Store)
    key = store.put(b"hej")
    assert key == hashlib.sha256(b"hej").hexdigest()
    assert store.put(b"hej") == key
    assert store.get(key) == b"hej"
    assert store.exists(key) and not store.exists("0" * 64)
    with pytest.raises(MissingObject):
        store.get("0" * 64)
    for bad in ("../etc/passwd", "A" * 64, "0" * 63, ""):
        with pytest.raises(StorageError):
            store.get(bad)
        with pytest.raises(StorageError):
            store.exists(bad)


def test_store_keeps_bytes_exactly_and_deletes_them(store: Store):
    data = bytes(range(256)) * 1000 + b"\r\n.\r\n"
    key = store.put(data)
    other = store.put(b"annat")
    assert store.get(key) == data
    store.delete(key)
    assert not store.exists(key) and store.exists(other)
    with pytest.raises(MissingObject):
        store.get(key)
    store.delete(key)  # already gone: no error
    assert store.put(data) == key and store.get(key) == data  # stored again after removal


def _damage(store: Store, key: str, data: bytes) -> None:
    """Overwrite what a key names behind the store's back."""
    if isinstance(store, FileStore):
        path = store.root / key[:2] / key[2:4] / key
        path.chmod(0o600)
        path.write_bytes(data)
    else:
        assert isinstance(store, ObjectStore)
        store.client().put_object(Bucket=store.location.bucket, Key=store.location.key(key), Body=data)


def test_store_refuses_bytes_that_no_longer_hash_to_their_key(store: Store):
    key = store.put(b"signerad pdf")
    _damage(store, key, b"signerad pdf, andrad")
    with pytest.raises(CorruptObject, match=key):
        store.get(key)


def test_object_keys_are_the_hash_under_the_prefix(s3_bucket: Bucket):
    key = s3_bucket.store().put(b"hej")
    assert s3_bucket.keys() == [f"arkiv/{key[:2]}/{key[2:4]}/{key}"]
    assert Location.parse("s3://hink").key(key) == f"{key[:2]}/{key[2:4]}/{key}"
    assert Location.parse("s3://hink/a/b/").key(key).startswith("a/b/")
    with pytest.raises(StorageError):
        Location.parse("s3:///utan-hink")


def test_object_store_errors_are_storage_errors_without_the_secret(s3_bucket: Bucket):
    from tests.support.redis import free_port

    wrong_bucket = ObjectStore("s3://finns-inte/x", endpoint_url=s3_bucket.server.endpoint,
                               access_key="a", secret_key="hemlig-nyckel")
    with pytest.raises(StorageError) as err:
        wrong_bucket.put(b"hej")
    assert "hemlig-nyckel" not in str(err.value) and "s3://finns-inte/x" in str(err.value)
    with pytest.raises(StorageError):
        wrong_bucket.check()
    nobody = ObjectStore(s3_bucket.url, endpoint_url=f"http://127.0.0.1:{free_port()}",
                         access_key="a", secret_key="hemlig-nyckel", timeout=2)
    with pytest.raises(StorageError) as err:
        nobody.exists("0" * 64)
    assert "hemlig-nyckel" not in str(err.value)


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


def test_new_folders_and_the_file_are_fsynced_in_order(tmp_path, monkeypatch):
    import os

    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src, dst) -> None:  # noqa: ANN001
        events.append(("rename", str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    root = tmp_path / "files"  # missing too: made and fsynced like the rest
    key = FileStore(root).put(b"hej")
    shard, sub, path = root / key[:2], root / key[:2] / key[2:4], root / key[:2] / key[2:4] / key
    synced = [p for kind, p in events if kind == "fsync"]
    for folder, parent in ((root, tmp_path), (shard, root), (sub, shard)):
        assert str(folder) in synced and str(parent) in synced
        assert synced.index(str(parent), synced.index(str(folder))) > synced.index(str(folder))
    rename = events.index(("rename", str(path)))
    assert [p for kind, p in events[:rename] if kind == "fsync"][-1].startswith(str(sub / ".tmp-"))
    assert events[rename + 1:] == [("fsync", str(sub))]

    events.clear()
    FileStore(root).put(b"hopp")  # another key: only the folders it lacks are made
    made = {p for kind, p in events if kind == "fsync"}
    assert str(tmp_path) not in made and str(root) in made


def test_header_block_ends_in_its_blank_line_whatever_was_read():
    from workers.intake import header_block

    assert header_block(b"A: 1\r\nB: 2\r\n\r\nbody\r\n") == b"A: 1\r\nB: 2\r\n\r\n"
    assert header_block(b"A: 1\nB: 2\n\nbody\n") == b"A: 1\nB: 2\n\n"
    assert header_block(b"A: 1\r\nB: 2\r\n") == b"A: 1\r\nB: 2\r\n\r\n"  # no body at all
    assert header_block(b"A: 1\r\nB: half a li") == b"A: 1\r\n\r\n"  # cut off mid-line
    assert header_block(b"A: 1\rB: 2\n\nx") == b"A: 1\rB: 2\n\n"  # a lone CR is no line end
    assert header_block(b"\r\nbody") == b"\r\n"


def test_a_message_over_the_limit_is_read_only_as_far_as_its_header(tmp_path):
    from workers.intake import read_message_file

    path = tmp_path / "m.eml"
    path.write_bytes(b"Subject: stor\r\nMessage-ID: <s@x>\r\n\r\n" + b"x" * 5000)
    whole = read_message_file(path, 5100)
    assert not whole.too_large and whole.size == len(whole.raw) == path.stat().st_size
    big = read_message_file(path, 4999)
    assert big.too_large and big.size == path.stat().st_size
    assert big.raw == b"Subject: stor\r\nMessage-ID: <s@x>\r\n\r\n"


def test_maildir_keeps_only_the_header_of_a_message_over_the_limit_and_files_it_as_failed(tmp_path):
    box = tmp_path / "inbox"
    head = b"From: anna.svensson@exempelby.se\nMessage-ID: <stor@exempelby.se>\n\n"
    deliver_to_maildir(box, head + b"y" * 2000, "1.big")
    deliver_to_maildir(box, b"Subject: liten\n\nx", "2.small")
    seen: list[tuple[bytes, dict]] = []

    def accept(raw: bytes, ref: dict) -> None:
        seen.append((raw, ref))

    assert MaildirIntake(box, accept, max_message_bytes=1000).poll_once() == 2
    assert seen == [
        (head, {"source": "maildir", "file": "1.big", "size": len(head) + 2000}),
        (b"Subject: liten\n\nx", {"source": "maildir", "file": "2.small", "size": 17}),
    ]
    assert list((box / "new").iterdir()) == []
    assert sorted(p.name for p in (box / "cur").iterdir()) == ["1.big:2,T", "2.small:2,S"]


def test_maildir_leaves_a_message_over_the_limit_in_new_when_it_could_not_be_stored(tmp_path):
    box = tmp_path / "inbox"
    deliver_to_maildir(box, b"Subject: stor\n\n" + b"y" * 2000, "1.big")

    def accept(raw: bytes, ref: dict) -> None:
        raise RuntimeError("databasen är borta")

    assert MaildirIntake(box, accept, max_message_bytes=1000).poll_once() == 0
    assert [p.name for p in (box / "new").iterdir()] == ["1.big"]
