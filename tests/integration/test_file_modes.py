"""What Minnes keeps on disk is the service account's alone, and the web page verifies without the key."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from service import bootstrap
from service.archive.db import Database, SigningCertificate
from service.bootstrap import PUBLIC_CERTIFICATE_FILE, Services, render_signed_pdf, verify_pdf_file
from service.config import Config
from service.web import create_app
from tests.support.configs import make_config
from tests.support.drafts import authenticated, corpus_draft
from tests.support.web import client_as


@pytest.fixture(autouse=True)
def fresh_signers(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """No passphrase in the environment (the demo key) and no signer cached from another test."""
    monkeypatch.delenv("MINNES_SIGNING_PASSPHRASE", raising=False)
    bootstrap._signers.clear()
    yield
    bootstrap._signers.clear()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _sqlite_files(db: Path) -> list[Path]:
    return [Path(f"{db}{suffix}") for suffix in ("", "-wal", "-shm")]


def test_a_new_sqlite_database_and_its_wal_and_shm_are_0600_in_a_0700_folder(tmp_path: Path) -> None:
    db_path = tmp_path / "var" / "minnes.db"
    old_umask = os.umask(0o022)  # the usual umask: files 0644 unless Minnes says otherwise
    try:
        db = Database(f"sqlite:///{db_path}")
        db.create_schema()
        with db.session() as s:
            s.add(SigningCertificate(sha256="a" * 64, pem=b"pem", subject="CN=x"))
        with db.engine.connect() as conn:  # a reader keeps -wal and -shm open
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            for path in _sqlite_files(db_path):
                assert path.exists(), path
                assert _mode(path) == 0o600, (path, oct(_mode(path)))
        db.dispose()
    finally:
        os.umask(old_umask)
    assert _mode(db_path.parent) == 0o700


def test_an_older_versions_world_readable_database_is_tightened_on_open(tmp_path: Path) -> None:
    db_path = tmp_path / "minnes.db"
    old = sqlite3.connect(db_path)
    old.execute("PRAGMA journal_mode=WAL")
    old.execute("CREATE TABLE t (x)")
    old.execute("INSERT INTO t VALUES (1)")
    old.commit()
    for path in _sqlite_files(db_path):
        path.chmod(0o644)
    db = Database(f"sqlite:///{db_path}")
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM t")).scalar() == 1
        for path in _sqlite_files(db_path):
            assert _mode(path) == 0o600, (path, oct(_mode(path)))
    db.dispose()
    old.close()


def test_the_services_database_and_state_folder_are_private(tmp_path: Path) -> None:
    config = make_config(tmp_path / "config")
    with Services(config, queue=False) as services:
        bootstrap.signer_for(config)
        db_file = Path(services.db.engine.url.database or "")
        with services.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            for path in _sqlite_files(db_file):
                if path.exists():
                    assert _mode(path) == 0o600, path
    state = Path(config.settings.storage.state_path)
    assert _mode(state) == 0o700
    for path in state.iterdir():
        if path.is_file():
            assert _mode(path) == 0o600, path


def _minutes(config: Config) -> dict:
    from service.structuring import structure_message

    raw = authenticated(corpus_draft("d01-plain-numbered"))
    return json.loads(json.dumps(structure_message(raw, config).output))


def test_the_web_page_verifies_without_the_private_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path / "config")
    minutes = _minutes(config)
    with Services(config, queue=False) as services:
        archived = render_signed_pdf(config, minutes, None, db=services.db)  # its certificate in the archive
        loose = render_signed_pdf(config, minutes, None)  # signed with no database: only the public copy
    assert (Path(config.settings.storage.state_path) / PUBLIC_CERTIFICATE_FILE).is_file()
    bootstrap._signers.clear()  # the web process is another process: no signer loaded

    opened: list[object] = []

    def no_key(*args: object, **_kw: object) -> None:
        opened.append(args)
        raise AssertionError("verifying opened a private key")

    from cryptography.hazmat.primitives.serialization import pkcs12

    monkeypatch.setattr("service.pdf.sign.Signer.load", no_key)
    monkeypatch.setattr(pkcs12, "load_key_and_certificates", no_key)
    monkeypatch.setattr(pkcs12, "load_pkcs12", no_key)
    monkeypatch.setattr("service.pdf.keys.ensure_signing_key", no_key)

    key = Path(config.settings.signing.pkcs12)
    services = Services(config, queue=False)
    try:
        app = create_app(config, services)
        app.testing = True
        client = client_as(app)
        for step in ("unreadable", "removed"):
            if step == "unreadable":
                key.chmod(0o000)
            else:
                key.unlink()
            for pdf in (archived, loose):
                resp = client.post("/verify", data={"pdf": (io.BytesIO(pdf), "protokoll.pdf")},
                                   content_type="multipart/form-data")
                page = resp.get_data(as_text=True)
                assert resp.status_code == 200, page
                assert "Äkta och oförändrad" in page, (step, page)
            assert verify_pdf_file(config, loose, services.db).valid  # `minnes verify` too
    finally:
        services.close()
    assert opened == []
    assert not key.exists(), "verifying never makes a key"


def test_the_web_page_still_verifies_archived_pdfs_when_the_public_copy_is_gone(tmp_path: Path) -> None:
    config = make_config(tmp_path / "config")
    minutes = _minutes(config)
    with Services(config, queue=False) as services:
        archived = render_signed_pdf(config, minutes, None, db=services.db)
    (Path(config.settings.storage.state_path) / PUBLIC_CERTIFICATE_FILE).unlink()
    Path(config.settings.signing.pkcs12).unlink()
    bootstrap._signers.clear()
    with Services(config, queue=False) as services:
        client = client_as(create_app(config, services))
        resp = client.post("/verify", data={"pdf": (io.BytesIO(archived), "protokoll.pdf")},
                           content_type="multipart/form-data")
        assert "Äkta och oförändrad" in resp.get_data(as_text=True)
