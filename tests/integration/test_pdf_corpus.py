"""Every accepted draft of the corpus, through `minnes render`, gives an archival, wholly signed PDF."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_pdf_tools import preflight, run, tool
from tests.support.configs import write_config
from tests.support.drafts import CASES

ACCEPTED = sorted(
    p.name
    for p in CASES.iterdir()
    if p.is_dir() and json.loads((p / "expected.json").read_text(encoding="utf-8"))["status"] == "accepted"
)
MINNES = [sys.executable, "-m", "service.cli"]


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_config(tmp_path_factory.mktemp("corpus-pdf") / "config")


@pytest.mark.parametrize("case", ACCEPTED)
def test_corpus_draft_renders_to_signed_pdfa(case: str, config_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / f"{case}.pdf"
    render = subprocess.run(
        [*MINNES, "render", "--config", str(config_dir), str(CASES / case / "message.eml"), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert render.returncode == 0, render.stderr

    fonts = run(tool("pdffonts"), out).stdout.splitlines()[2:]
    # The last five columns are: emb sub uni object-number generation.
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts
    assert run(tool("qpdf"), "--check", out).returncode == 0
    sig = run(tool("pdfsig"), out).stdout
    assert "Signature is Valid" in sig and "Total document signed" in sig, sig
    assert "is a valid PDF/A-1b file" in preflight(out)
    verify = subprocess.run(
        [*MINNES, "verify", "--config", str(config_dir), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
