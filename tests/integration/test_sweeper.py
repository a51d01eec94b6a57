"""The sweeper hands back work that a dead process had claimed, at once, and leaves live claims alone."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess

from service.archive.db import Delivery, Inbound, MinutesRow, utcnow
from service.bootstrap import Services
from tests.support.configs import make_config


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_claims_of_a_dead_process_are_handed_back(tmp_path, database_url):
    config = make_config(tmp_path / "config", database_url=database_url)
    host = socket.gethostname()
    with Services(config, queue=False) as services:
        with services.db.session() as s:
            inbound = Inbound(
                sha256="b" * 64,
                size=1,
                source="test",
                state="processing",
                claimed_at=utcnow(),
                claimed_by=f"{host}:{_dead_pid()}",
            )
            s.add(inbound)
            s.flush()
            m = MinutesRow(
                inbound_id=inbound.id,
                workplace_id="hemtjanst-norr",
                data=json.dumps({}),
                state="distributing",
            )
            s.add(m)
            s.flush()
            s.add(
                Delivery(
                    minutes_id=m.id,
                    email="dead@exempelby.se",
                    state="sending",
                    claimed_at=utcnow(),
                    claimed_by=f"{host}:{_dead_pid()}",
                )
            )
            s.add(
                Delivery(
                    minutes_id=m.id,
                    email="live@exempelby.se",
                    state="sending",
                    claimed_at=utcnow(),
                    claimed_by=f"{host}:{os.getpid()}",
                )
            )
        services.pipeline.sweep()
        with services.db.session() as s:
            states = {d.email: d.state for d in s.query(Delivery)}
            assert s.get(Inbound, inbound.id).state == "received"
        assert states == {"dead@exempelby.se": "deferred", "live@exempelby.se": "sending"}


def test_a_draft_whose_processing_keeps_dying_is_given_up_and_shown(tmp_path, database_url):
    from service.pipeline import MAX_PROCESS_ATTEMPTS

    config = make_config(tmp_path / "config", database_url=database_url)
    host = socket.gethostname()
    with Services(config, queue=False) as services:
        with services.db.session() as s:
            row = Inbound(
                sha256="c" * 64,
                size=1,
                source="test",
                state="processing",
                message_id="<x@y>",
                attempts=MAX_PROCESS_ATTEMPTS,
                claimed_at=utcnow(),
                claimed_by=f"{host}:{_dead_pid()}",
            )
            s.add(row)
        services.pipeline.sweep()
        with services.db.session() as s:
            got = s.get(Inbound, row.id)
            assert got.state == "failed" and got.error_code == "internal_error"
        assert "inkommande #1 (<x@y>): misslyckades" in services.reports.status_text()


def test_minutes_that_never_get_signed_are_shown_as_stuck(tmp_path, database_url):
    config = make_config(tmp_path / "config", database_url=database_url)
    with Services(config, queue=False) as services:
        with services.db.session() as s:
            inbound = Inbound(sha256="d" * 64, size=1, source="test", state="processed", message_id="<m@y>")
            s.add(inbound)
            s.flush()
            s.add(
                MinutesRow(
                    inbound_id=inbound.id,
                    workplace_id="hemtjanst-norr",
                    meeting_date="2026-11-20",
                    data="{}",
                    created_at=utcnow() - dt.timedelta(hours=1),
                )
            )
        text = services.reports.status_text()
    assert "minnesanteckningar #1 (hemtjanst-norr 2026-11-20): strukturerat sedan" in text
    assert "kontrollera signeringsnyckeln" in text
