"""Gates: the order a minutes version passes confirm, privacy, justering and review before it is signed.

Each gate is a module with the same three functions (see :class:`GateModule`); a version waits at a
gate in the database (``minutes.state = held``, ``minutes.gate``), never in a queue or a timer, and
goes on with :func:`advance` when the gate lets it through. Once a version is past the confirm gate
it replaces any older version of the same meeting still waiting at a gate, so an unconfirmed draft
never displaces a real one. A version takes its number when it leaves the last gate: one that never
went out (replaced, stopped, expired) takes none.
"""

from __future__ import annotations

import importlib
import json
import logging
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import func, select, update

from service.archive.claims import Answer, Gate, MinutesState
from service.archive.db import GateRequest, MinutesRow, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from service.domain.requests import Verdict
    from service.steps.context import StepContext

log = logging.getLogger("service.pipeline")

Job = tuple[str, int]
"""A follow-up job: (step, id), enqueued once the transaction that made it is committed."""

ORDER = (Gate.CONFIRM, Gate.PRIVACY, Gate.JUSTERING, Gate.REVIEW)
"""The gates in the order a version passes them (DESIGN "Gates")."""

MODULES = {
    Gate.CONFIRM: "service.steps.confirm",
    Gate.PRIVACY: "service.steps.privacy",
    Gate.JUSTERING: "service.steps.justering",
    Gate.REVIEW: "service.steps.review",
}
"""The module that keeps each gate."""

PASSED = (MinutesState.STRUCTURED, MinutesState.SIGNED, MinutesState.DISTRIBUTING, MinutesState.DISTRIBUTED)
"""States of a version that has passed every gate (and so has a number)."""


class GateModule(Protocol):
    """What every gate module offers."""

    def applies(self, ctx: StepContext, s: Session, m: MinutesRow) -> bool:
        """Tell whether this version must wait at the gate."""

    def hold(self, ctx: StepContext, s: Session, m: MinutesRow) -> list[Job]:
        """Start waiting (ask whoever passes it); return the mails to send."""

    def on_answer(
        self, ctx: StepContext, s: Session, request: GateRequest, said: Verdict, text: str
    ) -> tuple[str, list[Job]]:
        """Act on an answer already recorded on one of the gate's requests; return what happened and jobs."""


def module(gate: Gate | str) -> GateModule:
    """Return the module that keeps a gate."""
    return importlib.import_module(MODULES[Gate(gate)])  # type: ignore[return-value]


def advance(ctx: StepContext, s: Session, m: MinutesRow, *, after: Gate | None = None) -> list[Job]:
    """Move a version to the next gate that applies after ``after`` (from the start when None).

    It is held there and the jobs that ask are returned; when no gate is left it is numbered and
    marked structured, and the job that signs it is returned.
    """
    start = 0 if after is None else ORDER.index(Gate(after)) + 1
    for gate in ORDER[start:]:
        if gate is not Gate.CONFIRM:
            replace_older(s, m)
        keeper = module(gate)
        if keeper.applies(ctx, s, m):
            m.state, m.gate, m.gate_until = MinutesState.HELD, gate, None
            s.flush()
            return keeper.hold(ctx, s, m)
    replace_older(s, m)
    release(ctx, s, m)
    return [("sign", m.id)]


def release(ctx: StepContext, s: Session, m: MinutesRow) -> None:
    """Number a version that passed every gate, name the one it corrects, and mark it structured.

    Its actions are recorded for follow-up (:mod:`service.steps.followup`).
    """
    from service.archive import search
    from service.steps import followup

    older = s.scalar(
        select(MinutesRow)
        .where(MinutesRow.workplace_id == m.workplace_id, MinutesRow.meeting_date == m.meeting_date,
               MinutesRow.id != m.id, MinutesRow.state.in_(PASSED), MinutesRow.version > 0)
        .order_by(MinutesRow.version.desc())
        .limit(1)
    )
    latest = s.scalar(
        select(func.max(MinutesRow.version)).where(
            MinutesRow.workplace_id == m.workplace_id, MinutesRow.meeting_date == m.meeting_date
        )
    )
    if m.version <= 0:
        m.version = max(latest or 0, 0) + 1
    m.replaces_id = older.id if older is not None else None
    if older is not None:
        from service.domain.changes import compare

        m.changes = json.dumps(compare(older.minutes, m.minutes), ensure_ascii=False)
    m.state, m.gate, m.gate_until = MinutesState.STRUCTURED, "", None
    m.finished_at = utcnow()
    followup.record(ctx, s, m)
    search.index(s, m, getattr(ctx.config.workplaces.get(m.workplace_id), "language", "sv"))  # now findable


def replace_older(s: Session, m: MinutesRow) -> list[int]:
    """Retire older versions of the same meeting still waiting at a gate; return their ids."""
    older = list(
        s.scalars(
            select(MinutesRow.id).where(
                MinutesRow.workplace_id == m.workplace_id, MinutesRow.meeting_date == m.meeting_date,
                MinutesRow.id < m.id, MinutesRow.state == MinutesState.HELD,
            )
        )
    )
    if not older:
        return []
    s.execute(
        update(MinutesRow).where(MinutesRow.id.in_(older), MinutesRow.state == MinutesState.HELD)
        .values(state=MinutesState.REPLACED).execution_options(synchronize_session=False)
    )
    s.execute(
        update(GateRequest).where(GateRequest.minutes_id.in_(older), GateRequest.answer == "")
        .values(answer=Answer.REPLACED, answered_at=utcnow()).execution_options(synchronize_session=False)
    )
    log.info("version(er) %s ersattes av %s medan de väntade vid en grind", older, m.id)
    return older


def held_at(m: MinutesRow, gate: Gate) -> bool:
    """Tell whether a version waits at one gate."""
    return m.state == MinutesState.HELD and m.gate == gate


def temporary_version(inbound_id: int) -> int:
    """Return the number a version carries until it leaves the gates: unique, negative, never shown."""
    return -int(inbound_id)


def receipt_note(ctx: StepContext, s: Session, m: MinutesRow, language: str) -> tuple[list[str], str | None]:
    """Return what the receipt says about the gate a version waits at, and the receipt's own Message-ID.

    A gate module may offer ``receipt(ctx, s, m, language)``; a version at no gate gets ([], None): the
    receipt then says the minutes go out now.
    """
    if m.state != MinutesState.HELD or not m.gate:
        return [], None
    keeper = module(m.gate)
    note = getattr(keeper, "receipt", None)
    return note(ctx, s, m, language) if note is not None else ([], None)
