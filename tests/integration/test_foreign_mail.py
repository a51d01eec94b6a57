"""Every foreign message (other projects' real-world and malformed mail) ends cleanly and quickly."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from service.config import load_config
from service.structuring import structure_message
from tests.support.shared import shared_path

FOREIGN = shared_path("foreign-mail")
"""Other projects' test mail, copied into shared/ beside the checkout."""

CORPUS_CONFIG = shared_path("corpus", "config")
"""The corpus configuration: its workplaces and rosters."""

EXPECTED_FILES = 482
"""How many messages the foreign-mail collection holds (SOURCES.md aside)."""

REJECTION_CODES = {
    "workplace_unknown",
    "sender_not_allowed",
    "sender_not_authenticated",
    "no_minutes_found",
    "message_too_large",
    "unreadable_attachment",
    "malformed_message",
}
"""The reason codes a rejection may carry (contracts); internal_error is not one of them."""

WORKPLACE = "hemtjanst-norr"
"""The corpus workplace every foreign message is structured for."""

PER_FILE_SECONDS = 5.0
"""Each message must be structured within this many seconds, measured on its own."""

HARD_STOP_SECONDS = PER_FILE_SECONDS + 1.0
"""A message still running after this long is interrupted, so a hang fails the test instead of stalling it."""


class _Overran(BaseException):
    """Raised by the alarm in the middle of a message; BaseException, so no `except Exception` swallows it."""


@contextmanager
def _hard_stop(seconds: float) -> Iterator[None]:
    """Interrupt the block with :class:`_Overran` after `seconds` (where the platform has interval timers)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def _alarm(signum: int, frame: object) -> None:
        raise _Overran

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _files() -> list[Path]:
    if not FOREIGN.is_dir():
        pytest.fail(f"{FOREIGN} is missing: the foreign-mail collection must be present for this test")
    return sorted(p for p in FOREIGN.rglob("*") if p.is_file() and p.name != "SOURCES.md")


def test_every_foreign_message_is_accepted_or_rejected_with_a_code_in_time() -> None:
    config = load_config(CORPUS_CONFIG)
    files = _files()
    assert len(files) == EXPECTED_FILES
    problems: list[str] = []
    for path in files:
        raw = path.read_bytes()
        started = time.perf_counter()
        try:
            with _hard_stop(HARD_STOP_SECONDS):
                outcome = structure_message(raw, config, workplace_id=WORKPLACE, skip_sender_check=True)
        except _Overran:
            problems.append(f"{path}: still running after {HARD_STOP_SECONDS:g} s, stopped")
            continue
        except Exception as exc:  # noqa: BLE001 - any exception is exactly the failure we look for
            problems.append(f"{path}: failed: {type(exc).__name__}: {exc}")
            continue
        elapsed = time.perf_counter() - started
        out = outcome.output
        if elapsed > PER_FILE_SECONDS:
            problems.append(f"{path}: took {elapsed:.1f} s")
        if out.get("status") == "rejected":
            code = (out.get("error") or {}).get("code")
            if code not in REJECTION_CODES:
                problems.append(f"{path}: rejected with unknown code {code!r}")
            if not (out.get("error") or {}).get("message"):
                problems.append(f"{path}: rejected without a message")
        elif out.get("status") != "accepted":
            problems.append(f"{path}: status {out.get('status')!r}")
    assert not problems, "\n".join(problems)
