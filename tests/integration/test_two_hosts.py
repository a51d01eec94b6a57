"""Two workers on two "hosts" share the work without a shared disk: one Redis, one PostgreSQL, one bucket.

Each host is a folder of its own (its configuration, ``storage.path``, ``state_path``, signing key);
all they share is what the network gives them. A draft taken in on one host is processed, signed and
sent by the other; with both running, a large fan-out reaches everyone once; and neither host ever
writes a file under its ``storage.path``.
"""

from __future__ import annotations

import collections
import email.policy
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest
from sqlalchemy import select

from service.archive.db import MinutesRow
from service.bootstrap import Services
from service.config import load_config
from tests.support.configs import write_config
from tests.support.drafts import authenticated
from tests.support.rosters import Roster, draft, write_workplace
from tests.support.s3 import ACCESS_KEY, SECRET_KEY, Bucket, files_under
from tests.support.smtp import Received, SmtpSink

MINNES = [sys.executable, "-m", "service.cli"]
PASSPHRASE = "test-lösen"
WORKPLACES = (("storby-vard", 12, "vard.storby.se"), ("storby-hem", 12, "hem.storby.se"),
              ("storby-skola", 40, "skola.storby.se"))
"""The workplaces both hosts know: id, size of the roster, the domain of its people (one roster each)."""


@dataclass
class Host:
    """One machine: a folder of its own and the processes started on it."""

    name: str
    """a or b."""

    folder: Path
    """Its configuration folder; ``var/`` below it holds its storage.path and signing key."""

    logs: Path
    """Where its processes write."""

    children: list[subprocess.Popen] = field(default_factory=list)
    """Processes started on it."""

    @property
    def storage_path(self) -> Path:
        """Return the host's storage.path."""
        return load_config(self.folder).settings.storage.path

    def env(self) -> dict[str, str]:
        """Return the environment of this host's processes: the bucket's keys, the signing passphrase."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINNES_")}
        env.update(MINNES_SIGNING_PASSPHRASE=PASSPHRASE, MINNES_LOG_LEVEL="WARNING",
                   MINNES_S3_ACCESS_KEY=ACCESS_KEY, MINNES_S3_SECRET_KEY=SECRET_KEY)
        return env

    def start_worker(self) -> subprocess.Popen:
        """Start `minnes worker` on this host."""
        log = (self.logs / f"worker-{self.name}-{len(self.children)}.log").open("wb")
        proc = subprocess.Popen([*MINNES, "worker", "--config", str(self.folder)], env=self.env(),
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.children.append(proc)
        return proc

    def run(self, *command: str) -> subprocess.CompletedProcess:
        """Run one `minnes` command on this host and return what it printed."""
        return subprocess.run([*MINNES, *command, "--config", str(self.folder)], env=self.env(),
                              capture_output=True, text=True, timeout=120)

    def ingest(self, raw: bytes, name: str) -> None:
        """Take a draft in on this host, as `minnes ingest` does."""
        path = self.logs / f"{name}.eml"
        path.write_bytes(raw)
        done = self.run("ingest", str(path))
        assert done.returncode == 0, done.stdout + done.stderr

    def stop(self, proc: subprocess.Popen) -> None:
        """Stop one process: SIGTERM to its group, SIGKILL when it lingers."""
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def output(self) -> str:
        """Return what this host's processes wrote, for failure messages."""
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in sorted(self.logs.glob("*.log")))


def _kind(received: Received) -> str:
    head = received.data.split(b"\r\n\r\n", 1)[0]
    return str(BytesHeaderParser(policy=email.policy.default).parsebytes(head + b"\r\n\r\n")["X-Minnes-Kind"])


def reached(sink: SmtpSink, roster: Roster) -> collections.Counter[str]:
    """Return how many copies of minutes each address of one roster got."""
    mine = set(roster.emails)
    return collections.Counter(r.rcpt_tos[0] for r in sink.received
                               if _kind(r) == "distribution" and r.rcpt_tos[0] in mine)


def wait_until(condition: Callable[[], bool], timeout: float, what: str, *hosts: Host) -> None:
    """Poll ``condition``; fail naming ``what`` with the hosts' logs."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            status = hosts[0].run("status").stdout if hosts else ""
            pytest.fail(f"{what} within {timeout} s\n{status}\n" + "\n".join(h.output() for h in hosts))
        time.sleep(0.1)


@pytest.fixture
def hosts(tmp_path, redis_server, smtp_sink, postgres_server, s3_bucket: Bucket) -> Iterator:  # noqa: ANN001
    """Yield two hosts on one Redis, one PostgreSQL database, one bucket and one relay, and the rosters."""
    database = postgres_server.create_database()
    made: list[Host] = []
    rosters: dict[str, Roster] = {}
    for name in ("a", "b"):
        root = tmp_path / f"host-{name}"
        folder = write_config(root / "config", redis_url=redis_server.url, smtp_port=smtp_sink.port,
                              database_url=database, storage_url=s3_bucket.url,
                              storage_endpoint=s3_bucket.server.endpoint)
        for workplace_id, size, domain in WORKPLACES:
            rosters[workplace_id] = write_workplace(folder, size, workplace_id=workplace_id, domain=domain)
        logs = root / "logs"
        logs.mkdir()
        made.append(Host(name, folder, logs))
    try:
        yield made[0], made[1], rosters
    finally:
        for host in made:
            for proc in host.children:
                host.stop(proc)
        postgres_server.drop_database(database)


def test_two_hosts_share_the_work_through_redis_postgresql_and_one_bucket(
    hosts, smtp_sink: SmtpSink, s3_bucket: Bucket, tmp_path: Path  # noqa: ANN001
) -> None:
    a, b, rosters = hosts
    vard, hem, skola = rosters["storby-vard"], rosters["storby-hem"], rosters["storby-skola"]

    # Taken in on a, done by b alone: b reads the raw draft a stored, a reads the PDF b signed.
    worker_b = b.start_worker()
    a.ingest(authenticated(draft(vard)), "vard")
    wait_until(lambda: reached(smtp_sink, vard) == collections.Counter(vard.emails), 180,
               "b sent what a took in", a, b)
    b.stop(worker_b)

    # Taken in on b, done by a alone.
    a.start_worker()
    b.ingest(authenticated(draft(hem)), "hem")
    wait_until(lambda: reached(smtp_sink, hem) == collections.Counter(hem.emails), 180,
               "a sent what b took in", a, b)

    # Both at once: a fan-out of 40 reaches everyone exactly once.
    b.start_worker()
    a.ingest(authenticated(draft(skola)), "skola")
    wait_until(lambda: sum(reached(smtp_sink, skola).values()) >= len(skola.emails), 180,
               "the shared fan-out", a, b)
    time.sleep(1.0)  # anything sent twice would arrive now
    for roster in (vard, hem, skola):
        assert reached(smtp_sink, roster) == collections.Counter(roster.emails), roster.id

    assert files_under(a.storage_path) == [] and files_under(b.storage_path) == []
    with Services(load_config(a.folder), queue=False) as services:
        with services.db.session() as s:
            rows = s.scalars(select(MinutesRow).order_by(MinutesRow.id)).all()
            pdfs = {r.workplace_id: r.pdf_sha256 for r in rows}
        assert [r.state for r in rows] == ["distributed"] * 3
        keys = s3_bucket.keys()
        assert all(f"arkiv/{sha[:2]}/{sha[2:4]}/{sha}" in keys for sha in pdfs.values())
        assert "FEL" not in services.reports.status_text()
        signed_on_b = tmp_path / "vard.pdf"
        signed_on_b.write_bytes(services.files.get(pdfs["storby-vard"]))  # signed with b's own key
    verified = a.run("verify", str(signed_on_b))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert files_under(a.storage_path) == []
