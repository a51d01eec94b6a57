"""A draft APPENDed to a real Dovecot mailbox ends as signed minutes delivered once to everyone."""

from __future__ import annotations

import subprocess

from sqlalchemy import select

from service.archive.db import Inbound
from service.bootstrap import Services
from tests.integration.test_pipeline import drain, kinds
from tests.support.configs import make_config
from tests.support.drafts import authenticated, corpus_draft
from workers.imap import ImapIntake
from workers.runner import _acceptor


def test_imap_draft_to_delivered_minutes(
    tmp_path, dovecot, redis_server, smtp_sink, monkeypatch, database_url
):
    monkeypatch.setenv("MINNES_TEST_IMAP_PASSWORD", dovecot.password)
    config = make_config(
        tmp_path / "config",
        redis_url=redis_server.url,
        smtp_port=smtp_sink.port,
        database_url=database_url,
        imap={
            "host": dovecot.host,
            "port": dovecot.port,
            "security": "none",
            "username": dovecot.username,
            "password_env": "MINNES_TEST_IMAP_PASSWORD",
            "processed_folder": "Minnes/Behandlade",
            "failed_folder": "Minnes/Kunde inte behandlas",
        },
    )
    draft = authenticated(corpus_draft("d01-plain-numbered"))
    stranger = corpus_draft("d10-unknown-sender")  # unauthenticated and on no roster
    dovecot.append(draft)
    dovecot.append(stranger)

    with Services(config) as services:
        imap = config.settings.intake.imap
        intake = ImapIntake(imap, config.secret(imap.password_env), _acceptor(services))
        try:
            assert intake.poll_once() == 2
        finally:
            intake.close()
        assert dovecot.messages("INBOX") == []
        assert len(dovecot.messages("Minnes/Behandlade")) == 2

        drain(services, redis_server.url)

        by_kind = kinds(smtp_sink)
        roster = sorted(m.email for m in config.workplace("hemtjanst-norr").members)
        assert sorted(r.rcpt_tos[0] for r in by_kind["distribution"]) == roster
        assert [r.rcpt_tos[0] for r in by_kind["receipt"]] == ["anna.svensson@exempelby.se"]
        assert set(by_kind) == {"distribution", "receipt"}  # the stranger is answered by nobody

        pdf = next(p for p in by_kind["distribution"][0].message().iter_attachments())
        path = tmp_path / "m.pdf"
        path.write_bytes(pdf.get_content())
        out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout
        assert "Signature is Valid" in out

        with services.db.session() as s:
            rows = {r.state: r for r in s.scalars(select(Inbound))}
        assert set(rows) == {"accepted", "rejected"}
        assert '"uid"' in rows["accepted"].source_ref and '"uidvalidity"' in rows["accepted"].source_ref
