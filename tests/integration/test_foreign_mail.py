"""Every foreign message (other projects' real-world and malformed mail) ends cleanly and quickly."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from service.config import load_config
from service.structuring import structure_message

FOREIGN = Path("/work/shared/foreign-mail")
CORPUS_CONFIG = Path("/work/shared/corpus/config")
REJECTION_CODES = {
    "workplace_unknown",
    "sender_not_allowed",
    "sender_not_authenticated",
    "no_minutes_found",
    "message_too_large",
    "unreadable_attachment",
    "malformed_message",
}
PER_FILE_SECONDS = 5.0


def _files() -> list[Path]:
    if not FOREIGN.is_dir():
        pytest.fail(f"{FOREIGN} is missing: the foreign-mail collection must be present for this test")
    return sorted(p for p in FOREIGN.rglob("*") if p.is_file() and p.name != "SOURCES.md")


def test_every_foreign_message_is_accepted_or_rejected_with_a_code_in_time() -> None:
    config = load_config(CORPUS_CONFIG)
    files = _files()
    assert len(files) >= 482
    problems: list[str] = []
    for path in files:
        raw = path.read_bytes()
        started = time.perf_counter()
        try:
            outcome = structure_message(raw, config, workplace_id="hemtjanst-norr", skip_sender_check=True)
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
