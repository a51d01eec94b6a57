"""Review gate: the minutes wait ``review_minutes`` after the receipt; the note-taker may stop them.

The receipt says when they go out and carries a token in its Message-ID: a reply whose first word is
``STOPP`` stops them; any other reply is a corrected draft, which replaces them while they wait. The
sweeper lets them on when the window has closed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select

from service.archive.claims import Gate, MinutesState, RequestKind
from service.archive.db import GateRequest, MinutesRow, utcnow
from service.domain.requests import Verdict, new_token, request_message_id, token_hash
from service.steps.context import StepContext, SweepTimes, Unfinished
from service.steps.gates import Job, advance, held_at

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def applies(ctx: StepContext, s: Session, m: MinutesRow) -> bool:
    """Tell whether the workplace gives its note-taker a review window."""
    return ctx.config.workplace(m.workplace_id).review_minutes > 0


def hold(ctx: StepContext, s: Session, m: MinutesRow) -> list[Job]:
    """Open the review window; nothing is mailed here (the receipt says it)."""
    minutes = ctx.config.workplace(m.workplace_id).review_minutes
    m.gate_until = utcnow() + dt.timedelta(minutes=minutes)
    return []


def receipt(ctx: StepContext, s: Session, m: MinutesRow, language: str) -> tuple[list[str], str | None]:
    """Return what the receipt says about the window, and its Message-ID holding the STOPP token."""
    from service.domain.gate_texts import review_lines
    from service.mail.compose import sender_domain

    if m.gate_until is None:
        return [], None
    token = new_token()
    note_taker = str((m.minutes.get("sender") or {}).get("email") or "").strip().lower()
    s.add(GateRequest(
        kind=RequestKind.REVIEW, minutes_id=m.id, email=note_taker, reply_hash=token_hash(token),
        link_hash=token_hash(new_token()), created_at=utcnow(), mailed_at=utcnow(),
        expires_at=m.gate_until + dt.timedelta(minutes=1),
    ))
    local = m.gate_until.replace(tzinfo=dt.UTC).astimezone()
    lines = review_lines(until_date=local.date().isoformat(), until_time=local.strftime("%H.%M"),
                         language=language)
    return lines, request_message_id(token, sender_domain(ctx.settings.delivery.sender))


def on_answer(
    ctx: StepContext, s: Session, request: GateRequest, said: Verdict, text: str
) -> tuple[str, list[Job]]:
    """Stop the minutes while they wait in the window (only STOPP reaches here)."""
    m = s.get(MinutesRow, request.minutes_id)
    if m is None or m.state != MinutesState.HELD:
        return f"förfrågan {request.id}: för sent att stoppa", []
    m.state = MinutesState.STOPPED
    return f"förfrågan {request.id}: stoppad av antecknaren", []


def unfinished(s: Session, times: SweepTimes) -> list[int]:
    """Return the versions whose review window has closed."""
    return list(
        s.scalars(
            select(MinutesRow.id).where(
                MinutesRow.state == MinutesState.HELD, MinutesRow.gate == Gate.REVIEW,
                MinutesRow.gate_until <= times.now,
            )
        )
    )


def close_window(ctx: StepContext, minutes_id: int) -> None:
    """Let a version whose window has closed go on to be signed."""
    with ctx.db.session() as s:
        m = s.get(MinutesRow, minutes_id)
        if m is None or not held_at(m, Gate.REVIEW) or (m.gate_until and m.gate_until > utcnow()):
            return
        jobs = advance(ctx, s, m, after=Gate.REVIEW)
    for step, ident in jobs:
        ctx.enqueue(step, ident)


SWEPT = Unfinished("review", unfinished, resume=close_window)
"""What the sweeper asks of this gate: windows that have closed."""
