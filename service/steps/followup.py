"""Actions that come back: every action tracked per workplace until done (not built yet)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from service.archive.db import MinutesRow
    from service.steps.context import StepContext


def record(ctx: StepContext, s: Session, m: MinutesRow) -> None:
    """Record the actions of a version that passed every gate, and close those it reports done."""


def receipt_lines(ctx: StepContext, s: Session, m: MinutesRow, language: str) -> list[str]:
    """Return what the receipt says about earlier actions: still open, and closed by this draft."""
    return []
