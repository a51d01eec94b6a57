"""Seconds from an APPEND to a real Dovecot until the IMAP intake has handed the draft on (over IDLE)."""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.support is not installed with the package


def main() -> int:
    """Append drafts one at a time and print how fast the intake took each in."""
    from service.config import ImapSettings
    from tests.support.dovecot import DovecotMissing, DovecotServer
    from workers.imap import ImapIntake

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=30, help="drafts to append (default 30)")
    args = parser.parse_args()
    try:
        server = DovecotServer().start()
    except DovecotMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    arrived: dict[bytes, float] = {}
    changed = threading.Condition()

    def accept(raw: bytes, meta: dict) -> None:
        with changed:
            arrived[raw] = time.perf_counter()
            changed.notify_all()

    settings = ImapSettings(
        host=server.host, port=server.port, security="none", username=server.username,
        idle_seconds=300, poll_seconds=30,
    )
    intake = ImapIntake(settings, server.password, accept)
    stop = threading.Event()
    thread = threading.Thread(target=intake.run, args=(stop,), daemon=True)
    latencies: list[float] = []
    try:
        thread.start()
        warmup = b"Subject: warm-up\r\nMessage-ID: <warmup@bench>\r\n\r\nx\r\n"
        server.append(warmup)
        with changed:
            assert changed.wait_for(lambda: warmup in arrived, 10), "the intake took nothing in"
        for n in range(args.count):
            time.sleep(0.05)  # let the intake return to IDLE
            raw = f"Subject: Utkast {n}\r\nMessage-ID: <bench-{n}@bench>\r\n\r\nAnteckningar {n}\r\n".encode()
            sent = time.perf_counter()
            server.append(raw)
            with changed:
                assert changed.wait_for(lambda raw=raw: raw in arrived, 10), f"draft {n} not taken in"
            latencies.append(arrived[raw] - sent)
    finally:
        stop.set()
        thread.join(timeout=5)
        server.cleanup()
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(
        f"IMAP IDLE intake, {len(latencies)} drafts: APPEND → accept median "
        f"{statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
