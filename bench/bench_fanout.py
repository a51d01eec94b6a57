"""Fan-out through the pipeline's distribute step against a bare smtplib loop; draft-to-last-delivery latency.

Part 1, side by side in one run: mails per second that ``Pipeline.distribute`` delivers (claims and
records in the database, composes each mail with the signed PDF, one reused SMTP connection) to a
local SMTP sink in its own process, against a bare reused-connection smtplib loop sending the same
mails already serialised. Goal: at least 0.8 of the bare loop and at least 150 mails a second.

Part 2: seconds from a draft APPENDed to Dovecot until the last of 30 recipients has its copy, with
the IMAP intake (IDLE) and one rq worker in this process's children. Goal: median under 2 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.support is not installed with the package

PASSPHRASE = "bench-lösen"


def _serve(conn, delay: float) -> None:  # noqa: ANN001 - multiprocessing connection
    """Run an SmtpSink in this child process; answer counts and the recipients of distribution mails."""
    from tests.support.smtp import SmtpSink

    with SmtpSink(keep_data=True, data_delay=delay) as sink:
        conn.send(sink.port)
        while True:
            command = conn.recv()
            if command == "count":
                conn.send(len(sink.received))
            elif command == "recipients":
                conn.send(
                    [
                        r.rcpt_tos[0]
                        for r in sink.received
                        if b"X-Minnes-Kind: distribution" in r.data.split(b"\r\n\r\n", 1)[0]
                    ]
                )
            elif command == "clear":
                sink.clear()
                conn.send(0)
            elif command == "stop":
                conn.send(len(sink.received))
                return


class Sink:
    """An SMTP sink in a child process, so that it does not share the benchmark's interpreter."""

    def __init__(self, delay: float = 0.0) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, delay), daemon=True)
        self._proc.start()
        self.port: int = self._conn.recv()

    def ask(self, command: str):  # noqa: ANN201
        """Send a command to the child and return its answer."""
        self._conn.send(command)
        return self._conn.recv()

    def stop(self) -> None:
        """Stop the child."""
        if self._proc.is_alive():
            self.ask("stop")
            self._proc.join(10)


def _prepared(folder: Path, size: int, port: int, database_url: str = ""):  # noqa: ANN202
    """Write a configuration and a workplace of ``size``; take a draft through process and sign."""
    from service.bootstrap import Services
    from service.config import load_config
    from tests.support.configs import write_config
    from tests.support.drafts import authenticated
    from tests.support.rosters import draft, write_workplace

    config_dir = write_config(folder, smtp_port=port, database_url=database_url or None)
    roster = write_workplace(config_dir, size)
    services = Services(load_config(config_dir), queue=False)
    inbound = services.pipeline.accept(authenticated(draft(roster, tag=str(time.time_ns()))), source="bench")
    services.pipeline.process(inbound.id)
    from sqlalchemy import select

    from service.archive.db import MinutesRow

    with services.db.session() as s:
        minutes_id = s.scalar(select(MinutesRow.id).where(MinutesRow.inbound_id == inbound.id))
    services.pipeline.sign(minutes_id)  # creates the deliveries; distribute finds nobody reachable yet
    return services, roster, minutes_id


def _same_mails(services, minutes_id: int) -> list[tuple[str, bytes]]:  # noqa: ANN001
    """Compose, outside the timing, exactly the mails distribute sends: (recipient, wire bytes)."""
    from sqlalchemy import select

    from service.archive.db import Delivery, MinutesRow
    from service.mail import compose
    from service.mail.transport import wire_bytes

    pipeline = services.pipeline
    with services.db.session() as s:
        m = s.get(MinutesRow, minutes_id)
        rows = list(
            s.scalars(select(Delivery).where(Delivery.minutes_id == minutes_id).order_by(Delivery.id))
        )
        data, version, pdf_sha, wp_id = m.minutes, m.version, m.pdf_sha256, m.workplace_id
    workplace = services.config.workplace(wp_id)
    members = {mb.email: mb for mb in workplace.members}
    pdf = services.files.get(pdf_sha)
    out = []
    for d in rows:
        msg = compose.distribution(
            minutes=data,
            workplace=workplace,
            recipient=members[d.email],
            pdf=pdf,
            minutes_id=minutes_id,
            version=version,
            archive_url=pipeline.archive_url(minutes_id),
            sender=pipeline.settings.delivery.sender,
        )
        out.append((d.email, wire_bytes(msg)))
    return out


def _bare(port: int, mails: list[tuple[str, bytes]]) -> float:
    """Send pre-serialised mails over one reused smtplib connection; return seconds."""
    import smtplib

    start = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
    smtp.ehlo()
    for recipient, data in mails:
        smtp.sendmail("minnes@exempelby.se", [recipient], data)
    smtp.quit()
    return time.perf_counter() - start


def _reset(services, minutes_id: int) -> None:  # noqa: ANN001
    """Make every delivery of the minutes due again, as if none had been sent."""
    from sqlalchemy import update

    from service.archive.db import Delivery, MinutesRow

    with services.db.session() as s:
        s.execute(
            update(Delivery)
            .where(Delivery.minutes_id == minutes_id)
            .values(state="pending", attempts=0, next_attempt_at=None, sent_at=None, claimed_at=None)
        )
        s.get(MinutesRow, minutes_id).state = "distributing"


def fanout(size: int, rounds: int, database_url: str = "") -> dict[str, float]:
    """Return the best mails/second of distribute and of the bare loop over ``rounds`` runs each."""
    sink = Sink()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-fanout-") as tmp:
            services, roster, minutes_id = _prepared(Path(tmp) / "config", size, sink.port, database_url)
            try:
                mails = _same_mails(services, minutes_id)
                ours: list[float] = []
                bare: list[float] = []
                for _ in range(rounds):
                    _reset(services, minutes_id)
                    sink.ask("clear")
                    start = time.perf_counter()
                    sent = services.pipeline.distribute(minutes_id)
                    ours.append(time.perf_counter() - start)
                    if sent != size or sorted(sink.ask("recipients")) != roster.emails:
                        raise SystemExit(f"distribute sände {sent} av {size}")
                    bare.append(_bare(sink.port, mails))
            finally:
                services.close()
    finally:
        sink.stop()
    return {
        "distribute": size / min(ours),
        "bare": size / min(bare),
        "distribute_median": size / statistics.median(ours),
        "bare_median": size / statistics.median(bare),
        "size": size,
    }


# --------------------------------------------------------------------------- draft to last delivery


def latency(recipients: int, drafts: int) -> list[float]:
    """Return, per draft, seconds from its APPEND to the last recipient's delivery."""
    from tests.support.configs import write_config
    from tests.support.dovecot import DovecotServer
    from tests.support.drafts import authenticated
    from tests.support.redis import RedisServer
    from tests.support.rosters import draft, write_workplace

    sink = Sink()
    dovecot = DovecotServer().start()
    redis = RedisServer()
    procs: list[subprocess.Popen] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
            imap = {
                "host": dovecot.host,
                "port": dovecot.port,
                "security": "none",
                "username": dovecot.username,
                "idle_seconds": 300,
            }
            folder = write_config(Path(tmp) / "config", redis_url=redis.url, smtp_port=sink.port, imap=imap)
            roster = write_workplace(folder, recipients)
            env = {k: v for k, v in os.environ.items() if not k.startswith("MINNES_")}
            env.update(
                MINNES_SIGNING_PASSPHRASE=PASSPHRASE,
                MINNES_IMAP_PASSWORD=dovecot.password,
                MINNES_LOG_LEVEL="WARNING",
            )
            base = [sys.executable, "-m", "service.cli"]
            for command in ("worker", "intake", "sweep"):
                procs.append(
                    subprocess.Popen(
                        [*base, command, "--config", str(folder)],
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )
            out: list[float] = []
            everyone = set(roster.emails)
            for n in range(drafts + 1):  # the first is a warm-up: key made, modules loaded
                sink.ask("clear")
                mailed = draft(roster, date=f"2026-11-{n + 1:02d}", tag=f"lat-{n}-{time.time_ns()}")
                raw = authenticated(mailed)  # as the trusted MX hands it to the mailbox
                start = time.perf_counter()
                dovecot.append(raw)
                deadline = start + 60
                while set(sink.ask("recipients")) != everyone:
                    if time.perf_counter() > deadline:
                        raise SystemExit(f"utkast {n}: alla nåddes inte inom 60 s")
                    time.sleep(0.01)
                if n:
                    out.append(time.perf_counter() - start)
            return out
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        redis.stop()
        dovecot.stop()
        sink.stop()


def main(argv: list[str] | None = None) -> int:
    """Print both figures; exit 1 when a goal is not met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300, help="recipients in the fan-out (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="best of this many runs each (default 3)")
    parser.add_argument("--database", default="", help="database URL (default: SQLite in a temporary folder)")
    parser.add_argument("--recipients", type=int, default=30, help="recipients for the latency (default 30)")
    parser.add_argument("--drafts", type=int, default=5, help="drafts for the latency (default 5)")
    parser.add_argument("--no-latency", action="store_true", help="skip the IMAP-to-delivery part")
    args = parser.parse_args(argv)

    rates = fanout(args.size, args.rounds, args.database)
    ratio = rates["distribute"] / rates["bare"]
    ok = ratio >= 0.8 and rates["distribute"] >= 150
    print(f"fan-out bench: {args.size} recipients, signed PDF attached, best of {args.rounds}")
    print(
        f"  pipeline distribute   {rates['distribute']:8.1f} mails/s  (database claims, compose, send;"
        f" median {rates['distribute_median']:.1f})"
    )
    print(
        f"  bare smtplib loop     {rates['bare']:8.1f} mails/s  (the same mails, already serialised;"
        f" median {rates['bare_median']:.1f})"
    )
    print(f"  ratio                 {ratio:8.2f}  (goal >= 0.80, and >= 150 mails/s per worker)")
    if not args.no_latency:
        times = latency(args.recipients, args.drafts)
        median = statistics.median(times)
        ok = ok and median < 2.0
        print(f"draft APPENDed over IMAP to last of {args.recipients} delivered, {len(times)} drafts:")
        spread = f"min {min(times):6.2f} s   max {max(times):6.2f} s"
        print(f"  median {median:6.2f} s   {spread}  (goal: median < 2 s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
