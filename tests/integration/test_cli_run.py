"""Driven from outside: `minnes ingest` then `minnes run`, with a configuration written per config.md."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from service.archive.db import Database, MinutesRow, OutgoingMail
from tests.support.configs import write_config
from tests.support.drafts import authenticated, corpus_draft

MINNES = [sys.executable, "-m", "service.cli"]


def wait_settled(database_url: str, deadline: float) -> None:
    """Wait until the minutes are distributed and no mail is pending in the database."""
    db = Database(database_url)
    try:
        while True:
            with db.session() as s:
                states = set(s.scalars(select(MinutesRow.state))) | set(s.scalars(select(OutgoingMail.state)))
            if states <= {"distributed", "sent"}:
                return
            assert time.monotonic() < deadline, f"not settled: {states}"
            time.sleep(0.2)
    finally:
        db.dispose()


def test_ingest_then_run_delivers_to_everyone_and_receipts_the_note_taker(
    tmp_path, redis_server, smtp_sink, database_url
):
    folder = write_config(
        tmp_path / "config", redis_url=redis_server.url, smtp_port=smtp_sink.port, database_url=database_url
    )
    draft = tmp_path / "utkast.eml"  # as the MX delivered it: authenticated
    draft.write_bytes(authenticated(corpus_draft("d01-plain-numbered")))
    env = dict(os.environ, MINNES_SIGNING_PASSPHRASE="test-lösen")
    ingest = subprocess.run(
        [*MINNES, "ingest", "--config", str(folder), str(draft)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert ingest.returncode == 0, ingest.stderr

    run = subprocess.Popen(
        [*MINNES, "run", "--config", str(folder), "--no-sample"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            kinds = [r.message()["X-Minnes-Kind"] for r in smtp_sink.received]
            if kinds.count("distribution") >= 10 and kinds.count("receipt") >= 1:
                break
            assert run.poll() is None, run.stdout.read()
            time.sleep(0.2)
        wait_settled(database_url, deadline)  # the mails are on record before the service is stopped
        time.sleep(1.5)  # anything sent twice would arrive now
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        out = run.communicate(timeout=30)[0]
    dist = [r for r in smtp_sink.received if r.message()["X-Minnes-Kind"] == "distribution"]
    receipts = [r for r in smtp_sink.received if r.message()["X-Minnes-Kind"] == "receipt"]
    roster = [
        line.split(",")[1]
        for line in (folder / "workplaces" / "hemtjanst-norr.csv").read_text().splitlines()[1:]
    ]
    assert sorted(r.rcpt_tos[0] for r in dist) == sorted(roster), out
    assert [r.rcpt_tos[0] for r in receipts] == ["anna.svensson@exempelby.se"]

    status = subprocess.run(
        [*MINNES, "deliveries", "--config", str(folder), "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert status.returncode == 0, status.stderr
    assert status.stdout.count(" sent ") == 10, status.stdout
