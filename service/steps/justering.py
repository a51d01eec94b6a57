"""Justering gate: every justerare approves before anyone else receives the minutes (not built yet)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from service.archive.db import GateRequest, MinutesRow
    from service.domain.requests import Verdict
    from service.steps.context import StepContext
    from service.steps.gates import Job


def applies(ctx: StepContext, s: Session, m: MinutesRow) -> bool:
    """Tell whether the workplace wants justering (not built yet: never)."""
    return False


def hold(ctx: StepContext, s: Session, m: MinutesRow) -> list[Job]:
    """Ask every justerare."""
    return []


def on_answer(
    ctx: StepContext, s: Session, request: GateRequest, said: Verdict, text: str
) -> tuple[str, list[Job]]:
    """Record an approval or a comment."""
    return f"förfrågan {request.id}", []
