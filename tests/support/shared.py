"""Find the read-only shared folder (corpus, foreign mail, contracts) beside the checkout."""

from __future__ import annotations

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
"""The checkout this file is in, wherever it was cloned."""

SHARED = REPOSITORY.parent / "shared"
"""The shared folder beside the checkout, as laid out for developers and for CI."""


def shared_path(*parts: str) -> Path:
    """Return a path inside the shared folder beside the checkout."""
    return SHARED.joinpath(*parts)
