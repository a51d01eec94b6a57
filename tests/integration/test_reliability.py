"""Delivery that loses nobody and sends nothing twice, on real Redis, rq workers, SMTP and both databases.

Each test writes a configuration the way an administrator would, plus a workplace with a roster of
its own (tests/support/rosters.py), takes a draft from a roster member in through the pipeline (with
the trusted MX's Authentication-Results, tests/support/drafts.py), and lets real rq workers — in this
process, or as separate `minnes worker` / `minnes sweep` / `minnes run` processes where a process
must die — deliver it to a fault-injecting SMTP sink.
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
from redis import Redis
from rq import Queue
from sqlalchemy import select

from service.archive.db import Delivery, MinutesRow, OutgoingMail
from service.bootstrap import Services
from service.config import load_config
from tests.support.configs import write_config
from tests.support.drafts import authenticated
from tests.support.redis import RedisServer
from tests.support.rosters import Roster, draft, write_workplace
from tests.support.smtp import Received, SmtpSink
from workers import jobs
from workers.queue import SERIALIZER, MinnesWorker

MINNES = [sys.executable, "-m", "service.cli"]
PASSPHRASE = "test-lösen"


@dataclass
class Rig:
    """One installation under test: its configuration folder, services, servers and child processes."""

    folder: Path
    """The configuration folder (minnes.toml, workplaces/)."""

    roster: Roster
    """The workplace the draft comes from."""

    services: Services
    """Services of this process, on the same database and Redis as the children."""

    sink: SmtpSink
    """The SMTP server every mail goes to."""

    redis: RedisServer
    """The Redis the queue lives in."""

    logs: Path
    """Where child processes write their output."""

    children: list[subprocess.Popen] = field(default_factory=list)
    """Processes started by :meth:`start`."""

    # -- processes

    def start(self, *command: str) -> subprocess.Popen:
        """Start `minnes COMMAND --config FOLDER` in its own process group."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("MINNES_")}
        env.update(MINNES_SIGNING_PASSPHRASE=PASSPHRASE, MINNES_LOG_LEVEL="WARNING")
        log = (self.logs / f"{command[0]}-{len(self.children)}.log").open("wb")
        proc = subprocess.Popen(
            [*MINNES, *command, "--config", str(self.folder)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.children.append(proc)
        return proc

    def output(self) -> str:
        """Return what every child process wrote, for failure messages."""
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}" for p in self.logs.glob("*")
        )

    def stop_all(self) -> None:
        """End every child that still runs: SIGTERM to its group, then SIGKILL."""
        for proc in self.children:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.children:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)

    # -- in-process work

    def drain(self) -> None:
        """Run every queued job in this process until the queue is empty."""
        jobs.configure(self.services)
        connection = Redis.from_url(self.redis.url)
        queue = self.services.config.settings.worker.queue
        MinnesWorker([queue], connection=connection).work(burst=True, with_scheduler=False)

    def settle(self, done: Callable[[], bool], timeout: float = 30.0) -> None:
        """Sweep and drain in this process until ``done()``, as `minnes run` would."""
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, f"not settled within {timeout} s: {self.states()}"
            self.services.pipeline.sweep()
            self.drain()
            time.sleep(0.05)

    # -- what happened

    def mails(self, kind: str) -> list[Received]:
        """Return the mails of one X-Minnes-Kind the sink accepted (reading headers only: polled often)."""
        return [r for r in self.sink.received if _kind(r) == kind]

    def reached(self) -> collections.Counter[str]:
        """Return how many copies of the minutes each address got."""
        return collections.Counter(r.rcpt_tos[0] for r in self.mails("distribution"))

    def deliveries(self) -> dict[str, Delivery]:
        """Return the delivery rows by address."""
        with self.services.db.session() as s:
            return {d.email: d for d in s.scalars(select(Delivery))}

    def minutes(self) -> MinutesRow | None:
        """Return the (only) minutes row."""
        with self.services.db.session() as s:
            return s.scalars(select(MinutesRow)).first()

    def states(self) -> dict[str, int]:
        """Return delivery states with counts."""
        return dict(collections.Counter(d.state for d in self.deliveries().values()))

    def distributed(self) -> bool:
        """Tell whether the fan-out settled and every receipt or report left."""
        m = self.minutes()
        with self.services.db.session() as s:
            open_mail = s.scalars(select(OutgoingMail).where(OutgoingMail.state != "sent")).all()
            open_mail = [o for o in open_mail if o.state != "failed"]
        return m is not None and m.state == "distributed" and not open_mail


def _kind(received: Received) -> str:
    """Return the X-Minnes-Kind header of a received mail, parsing its header block alone."""
    head = received.data.split(b"\r\n\r\n", 1)[0]
    return str(BytesHeaderParser(policy=email.policy.default).parsebytes(head + b"\r\n\r\n")["X-Minnes-Kind"])


def make_rig(tmp_path: Path, redis: RedisServer, sink: SmtpSink, database_url: str, size: int) -> Rig:
    """Write the configuration and a workplace of ``size`` people; open services."""
    folder = write_config(
        tmp_path / "config", redis_url=redis.url, smtp_port=sink.port, database_url=database_url
    )
    roster = write_workplace(folder, size)
    logs = tmp_path / "logs"
    logs.mkdir()
    return Rig(folder, roster, Services(load_config(folder)), sink, redis, logs)


@pytest.fixture
def rig_factory(tmp_path, redis_server, smtp_sink, database_url, monkeypatch) -> Iterator:  # noqa: ANN001
    """Return ``make(size)`` building a :class:`Rig`; stop its children and close it afterwards."""
    monkeypatch.setenv("MINNES_SIGNING_PASSPHRASE", PASSPHRASE)
    rigs: list[Rig] = []

    def make(size: int) -> Rig:
        rig = make_rig(tmp_path, redis_server, smtp_sink, database_url, size)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.stop_all()
        rig.services.close()


def wait_until(condition: Callable[[], bool], timeout: float, rig: Rig, what: str) -> None:
    """Poll ``condition`` every 50 ms; fail saying ``what`` did not happen, with the children's output."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout} s — states {rig.states()}\n{rig.output()}")
        time.sleep(0.05)


# --------------------------------------------------------------------------- SMTP answers


def test_a_third_deferred_at_first_are_reached_once_and_no_report_is_sent(rig_factory):  # noqa: ANN001
    rig = rig_factory(30)
    employees = [p.email for p in rig.roster.people if p.role == "employee" and p != rig.roster.note_taker]
    slow = [rig.roster.manager.email, *employees[::3]]  # the note-taker's receipt would take a 451 too
    assert len(slow) * 3 >= len(rig.roster.people)
    rig.sink.configure(defer={address: 2 for address in slow})

    accepted = rig.services.pipeline.accept(authenticated(draft(rig.roster)), source="test")
    assert accepted.created
    rig.settle(rig.distributed)

    assert rig.reached() == collections.Counter(rig.roster.emails)  # everyone, exactly once
    rows = rig.deliveries()
    assert {d.state for d in rows.values()} == {"sent"}
    for address in slow:
        assert rows[address].attempts == 3, rows[address].last_answer
        assert rows[address].last_answer.startswith("250")
    answers = collections.Counter((a, code) for a, code in rig.sink.rcpt_attempts)
    assert all(answers[(address, "451")] == 2 for address in slow)
    assert rig.mails("delivery-report") == []
    assert [r.rcpt_tos for r in rig.mails("receipt")] == [(rig.roster.note_taker.email,)]
    assert rig.minutes().report_sent  # settled: nobody left to report


def test_a_550_fails_that_recipient_and_the_report_names_them(rig_factory):  # noqa: ANN001
    rig = rig_factory(12)
    gone = rig.roster.people[5]
    rig.sink.configure(reject={gone.email})

    rig.services.pipeline.accept(authenticated(draft(rig.roster)), source="test")
    rig.settle(rig.distributed)

    others = [a for a in rig.roster.emails if a != gone.email]
    assert rig.reached() == collections.Counter(others)
    rows = rig.deliveries()
    assert rows[gone.email].state == "failed"
    assert rows[gone.email].attempts == 1  # a 5xx is not retried
    assert rows[gone.email].last_answer.startswith("550 5.1.1"), rows[gone.email].last_answer
    assert "User unknown" in rows[gone.email].last_answer

    reports = rig.mails("delivery-report")
    assert sorted(r.rcpt_tos[0] for r in reports) == sorted(
        [rig.roster.manager.email, rig.roster.safety_rep.email]
    )
    for report in reports:
        text = report.message().get_body(("plain",)).get_content()
        assert gone.name in text and gone.email in text, text
        assert "550" in text, text

    minutes_id = rig.minutes().id
    shown = subprocess.run(
        [*MINNES, "deliveries", "--config", str(rig.folder), str(minutes_id)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MINNES_SIGNING_PASSPHRASE": PASSPHRASE},
    )
    assert shown.returncode == 0, shown.stderr
    line = next(x for x in shown.stdout.splitlines() if x.startswith(gone.email))
    assert " failed " in line and "550 5.1.1" in line, shown.stdout
    assert shown.stdout.count(" sent ") == len(others), shown.stdout

    # Settled again later (a sweep, a late job): the report is not sent twice.
    rig.services.pipeline.sweep()
    rig.services.queue.enqueue("distribute", minutes_id)
    rig.drain()
    assert len(rig.mails("delivery-report")) == 2


def test_421_on_connect_defers_everyone_then_everyone_is_reached(rig_factory):  # noqa: ANN001
    rig = rig_factory(12)
    rig.sink.configure(refuse_connections=10_000)

    rig.services.pipeline.accept(authenticated(draft(rig.roster)), source="test")
    rig.drain()  # process, receipt, sign, distribute: every connection refused

    rows = rig.deliveries()
    assert sorted(rows) == rig.roster.emails
    assert {d.state for d in rows.values()} == {"deferred"}, rig.states()
    assert all(d.last_answer.startswith("421") for d in rows.values()), [d.last_answer for d in rows.values()]
    assert all(d.next_attempt_at is not None for d in rows.values())
    assert rig.sink.received == []

    rig.sink.configure(refuse_connections=0)
    rig.settle(rig.distributed)
    assert rig.reached() == collections.Counter(rig.roster.emails)
    assert {d.state for d in rig.deliveries().values()} == {"sent"}
    assert all(d.attempts >= 2 for d in rig.deliveries().values())
    assert [r.rcpt_tos for r in rig.mails("receipt")] == [(rig.roster.note_taker.email,)]
    assert rig.mails("delivery-report") == []


# --------------------------------------------------------------------------- processes that die


def _same_message_ids(rig: Rig) -> None:
    """Every copy of one recipient's minutes carries the Message-ID its delivery row records."""
    rows = rig.deliveries()
    for received in rig.mails("distribution"):
        address = received.rcpt_tos[0]
        assert received.message()["Message-ID"] == rows[address].message_id


def test_worker_sigkilled_twice_mid_fan_out_then_minnes_run_reaches_everyone(rig_factory):  # noqa: ANN001
    rig = rig_factory(150)
    rig.sink.configure(data_delay=0.03)
    everyone = set(rig.roster.emails)
    sweeper = rig.start("sweep")
    worker = rig.start("worker")
    rig.services.pipeline.accept(authenticated(draft(rig.roster)), source="test")

    for kills, threshold in enumerate((35, 80), start=1):
        wait_until(lambda t=threshold: len(rig.mails("distribution")) >= t, 60, rig, f"{threshold} delivered")
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        assert len(rig.reached()) < len(everyone), "the fan-out ended before the kill"
        if kills == 1:
            worker = rig.start("worker")

    os.killpg(sweeper.pid, signal.SIGTERM)
    sweeper.wait(timeout=15)
    rig.start("run", "--no-sample")
    wait_until(lambda: set(rig.reached()) == everyone, 90, rig, "everyone reached")
    wait_until(rig.distributed, 30, rig, "the fan-out settled")
    time.sleep(1.0)  # anything sent twice more would arrive now

    counts = rig.reached()
    duplicates = sum(n - 1 for n in counts.values())
    assert set(counts) == everyone
    assert duplicates <= 2, {a: n for a, n in counts.items() if n > 1}  # at most the one in flight per kill
    _same_message_ids(rig)
    assert {d.state for d in rig.deliveries().values()} == {"sent"}
    assert rig.mails("delivery-report") == []


def test_redis_flushed_mid_fan_out_everyone_is_still_reached(rig_factory):  # noqa: ANN001
    rig = rig_factory(60)
    slow = [p.email for p in rig.roster.people[10:20]]
    rig.sink.configure(data_delay=0.02, defer={address: 1 for address in slow})
    rig.start("sweep")
    rig.start("worker")
    rig.services.pipeline.accept(authenticated(draft(rig.roster)), source="test")

    wait_until(lambda: len(rig.mails("distribution")) >= 15, 60, rig, "15 delivered")
    rig.redis.client().flushall()
    wait_until(lambda: len(rig.mails("distribution")) >= 30, 60, rig, "30 delivered")
    rig.redis.client().flushall()
    wait_until(rig.distributed, 60, rig, "the fan-out settled")
    time.sleep(1.0)

    assert rig.reached() == collections.Counter(rig.roster.emails)  # everyone, once
    rows = rig.deliveries()
    assert {d.state for d in rows.values()} == {"sent"}
    assert all(rows[a].attempts == 2 for a in slow)  # the retries came from the sweeper, after the flush
    assert [r.rcpt_tos for r in rig.mails("receipt")] == [(rig.roster.note_taker.email,)]


def test_two_workers_racing_for_the_same_deliveries_send_each_once(rig_factory):  # noqa: ANN001
    rig = rig_factory(100)
    rig.sink.configure(data_delay=0.01)
    workers = [rig.start("worker"), rig.start("worker")]
    rig.services.pipeline.accept(authenticated(draft(rig.roster)), source="test")

    def fanning_out() -> bool:
        m = rig.minutes()
        return m is not None and m.state in ("distributing", "distributed")

    wait_until(fanning_out, 60, rig, "deliveries created")
    minutes_id = rig.minutes().id
    for _ in range(4):  # both workers run distribute for the same minutes at once
        rig.services.queue.enqueue("distribute", minutes_id)
    rig.start("sweep")
    wait_until(rig.distributed, 60, rig, "the fan-out settled")
    time.sleep(1.0)

    assert rig.reached() == collections.Counter(rig.roster.emails)  # each exactly once
    assert {d.state for d in rig.deliveries().values()} == {"sent"}
    assert all(d.attempts == 1 for d in rig.deliveries().values())
    order = [r.connection for r in rig.mails("distribution")]
    assert order != sorted(order), "the connections did not interleave: the workers did not race"
    assert all(w.poll() is None for w in workers), rig.output()


# --------------------------------------------------------------------------- the sweeper and the queue


def test_sweeping_while_no_worker_runs_queues_each_piece_of_work_once(rig_factory):  # noqa: ANN001
    """A weekend without workers must not leave thousands of copies of one job in Redis."""
    rig = rig_factory(6)
    rig.services.pipeline.accept(authenticated(draft(rig.roster)), source="test")
    for _ in range(10):
        rig.services.pipeline.sweep()
    name = rig.services.config.settings.worker.queue
    queue = Queue(name, connection=rig.redis.client(), serializer=SERIALIZER)
    waiting = collections.Counter(f"{job.func_name}({job.args[0]})" for job in queue.get_jobs())
    assert waiting == {"workers.jobs.process(1)": 1}

    rig.settle(rig.distributed)
    assert rig.reached() == collections.Counter(rig.roster.emails)
