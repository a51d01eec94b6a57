"""The E-ARK validator (PyPI eark-validator) in its own virtualenv, .venv-eark beside the checkout's .venv."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[2]
EARK_PYTHON = CHECKOUT / ".venv-eark" / "bin" / "python"
"""The validator's python (``make test`` installs it: Makefile ``$(EARK)``)."""
RUNNER = Path(__file__).with_name("eark_offline.py")


@dataclass(frozen=True)
class Verdict:
    """What the validator said of one package."""

    structure: str
    """``WellFormed`` or not."""
    errors: list[str]
    """Each result of severity Error: rule id and message."""
    report: dict
    """The whole report."""


def _errors(node: object, out: list[str]) -> None:
    if isinstance(node, dict):
        if node.get("severity") == "Error":
            out.append(f"{node.get('rule_id')}: {str(node.get('message'))[:160]}")
        for value in node.values():
            _errors(value, out)
    elif isinstance(node, list):
        for value in node:
            _errors(value, out)


def validate(package: Path) -> Verdict:
    """Validate an unpacked package (checksums too); skip the test when .venv-eark is missing."""
    if not EARK_PYTHON.exists():
        pytest.skip(f"eark-validator is not installed: {EARK_PYTHON} is missing (make test installs it)")
    done = subprocess.run([str(EARK_PYTHON), str(RUNNER), str(package)], capture_output=True, text=True,
                          timeout=600)
    report = next((json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")), None)
    assert report is not None, f"no report from eark-validator: {done.stdout[-500:]} {done.stderr[-500:]}"
    errors: list[str] = []
    _errors(report, errors)
    return Verdict((report.get("structure") or {}).get("status", ""), errors, report)
