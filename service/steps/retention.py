"""Retention: remove the raw drafts and minutes each workplace's plan lets go, and record every removal.

The decisions are :mod:`service.domain.retention`'s. Removing minutes removes every version of the
meeting with what hangs on it: deliveries, requests, actions, their search index rows, the mails
Minnes composed about them, the inbound message and its raw draft, and the PDFs. A blob is deleted
only when no row still names it (the store is content-addressed). The audit log is never touched:
each removal is added to it, and to ``removal``. The database rows go first, the blobs after, so no
row ever names a blob that is gone.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, load_only

from service.archive import search
from service.archive.audit import AuditAction, record
from service.archive.claims import InboundState, MinutesState
from service.archive.db import ActionRow, Delivery, GateRequest, Inbound, MinutesRow, OutgoingMail, utcnow
from service.archive.records import Removal, RemovalKind, claim_day, exports_of, removed_raw
from service.domain.retention import DraftFacts, MinutesFacts, Plan, WorkplaceRules, meetings_due, raw_due
from service.steps.context import StepContext

log = logging.getLogger("service.retention")

NEVER_OUT = (MinutesState.EXPIRED.value, MinutesState.STOPPED.value, MinutesState.REPLACED.value)
"""Minutes states of a version that will never go out: its draft's time runs from then."""


_MINUTES_COLUMNS = (
    MinutesRow.id,
    MinutesRow.inbound_id,
    MinutesRow.workplace_id,
    MinutesRow.meeting_date,
    MinutesRow.version,
    MinutesRow.state,
    MinutesRow.pdf_sha256,
    MinutesRow.created_at,
    MinutesRow.signed_at,
    MinutesRow.gate_until,
)
"""What retention reads of each minutes version (never its text)."""
_INBOUND_COLUMNS = (
    Inbound.id,
    Inbound.sha256,
    Inbound.state,
    Inbound.received_at,
    Inbound.workplace_id,
    Inbound.minutes_id,
)


@dataclass(frozen=True)
class RawRemoval:
    """A raw draft that is (or would be) removed."""

    inbound_id: int
    """The inbound message."""
    workplace_id: str
    """Its workplace."""
    sha256: str
    """Its blob."""
    ended_at: dt.datetime
    """When its time began to run."""
    how: str = "utskickat"
    """How it ended, in Swedish: ``utskickat``, ``avvisat`` or ``aldrig utskickat``."""


@dataclass(frozen=True)
class MinutesRemoval:
    """A minutes version that is (or would be) removed."""

    minutes_id: int
    """Its id."""
    inbound_id: int
    """Its draft's inbound message."""
    workplace_id: str
    """Its workplace."""
    meeting_date: str
    """The meeting's date."""
    version: int
    """Its version."""
    pdf_sha256: str
    """Its PDF's blob ('' when none)."""
    raw_sha256: str
    """Its raw draft's blob ('' when already removed)."""


@dataclass(frozen=True)
class RetentionResult:
    """What one retention run removed (or would remove)."""

    drafts: tuple[RawRemoval, ...]
    """Raw drafts removed on their own."""
    minutes: tuple[MinutesRemoval, ...]
    """Minutes versions removed, each with its draft."""
    blobs: int = 0
    """Blobs deleted from the store."""


def _plan(ctx: StepContext) -> tuple[Plan, dict[str, WorkplaceRules]]:
    r = ctx.settings.retention
    rules = {
        wp_id: WorkplaceRules(wp.retention_years, wp.export_before_removal)
        for wp_id, wp in ctx.config.workplaces.items()
    }
    return Plan(r.raw_message_days, r.minutes_years), rules


def _day(meeting_date: str, created_at: dt.datetime) -> dt.date:
    try:
        return dt.date.fromisoformat(meeting_date)
    except ValueError:
        return created_at.date()


def find(ctx: StepContext, s: Session, now: dt.datetime) -> RetentionResult:
    """Decide what may be removed now, reading the archive."""
    plan, rules = _plan(ctx)
    exports = exports_of(s)
    exported = set().union(*(e.minutes for e in exports)) if exports else set()
    exported_raw = set().union(*(e.inbounds for e in exports if e.with_drafts)) if exports else set()
    rows = list(s.scalars(select(MinutesRow).options(load_only(*_MINUTES_COLUMNS))))
    due = set(
        meetings_due(
            (
                MinutesFacts(
                    m.id,
                    m.workplace_id,
                    _day(m.meeting_date, m.created_at),
                    m.state in (MinutesState.DISTRIBUTING.value, MinutesState.DISTRIBUTED.value),
                    m.id in exported,
                )
                for m in rows
            ),
            plan,
            rules,
            now.date(),
        )
    )
    gone = removed_raw(s)
    inbound = {
        i.id: i
        for i in s.scalars(
            select(Inbound)
            .options(load_only(*_INBOUND_COLUMNS))
            .where(or_(Inbound.minutes_id.is_not(None), Inbound.state == InboundState.REJECTED.value))
        )
    }
    minutes = tuple(
        MinutesRemoval(
            m.id,
            m.inbound_id,
            m.workplace_id,
            m.meeting_date,
            m.version,
            m.pdf_sha256,
            "" if m.inbound_id in gone or m.inbound_id not in inbound else inbound[m.inbound_id].sha256,
        )
        for m in sorted(rows, key=lambda m: (m.workplace_id, m.meeting_date, m.version))
        if m.id in due
    )
    leaving = {m.inbound_id for m in minutes}
    settled = dict(
        s.execute(
            select(Delivery.minutes_id, func.max(Delivery.updated_at)).group_by(Delivery.minutes_id)
        ).all()
    )
    by_id = {m.id: m for m in rows}
    drafts = []
    for i in sorted(inbound.values(), key=lambda i: i.id):
        if i.id in gone or i.id in leaving:
            continue
        m = by_id.get(i.minutes_id) if i.minutes_id else None
        ended = _ended(i, m, settled)
        if ended is None:
            continue
        facts = DraftFacts(i.id, i.workplace_id, ended[0], i.id in exported_raw)
        if raw_due(facts, plan, rules.get(i.workplace_id, WorkplaceRules()), now):
            drafts.append(RawRemoval(i.id, i.workplace_id, i.sha256, ended[0], ended[1]))
    return RetentionResult(tuple(drafts), minutes)


def _ended(
    i: Inbound, m: MinutesRow | None, settled: dict[int, dt.datetime]
) -> tuple[dt.datetime, str] | None:
    """Return when a draft's time began and how (Swedish): distributed, rejected, or never sent."""
    if i.state == InboundState.REJECTED.value:
        return i.received_at, "avvisat"
    if m is None or m.inbound_id != i.id:
        return None
    if m.state == MinutesState.DISTRIBUTED.value:
        return settled.get(m.id) or m.signed_at or m.created_at, "utskickat"
    if m.state in NEVER_OUT:
        return m.gate_until or m.created_at, "aldrig utskickat"
    return None


def _referenced(s: Session, key: str) -> bool:
    """Tell whether any row still needs a blob (an inbound whose raw draft was removed needs it no more)."""
    if not key:
        return True
    raw_gone = select(Removal.inbound_id).where(
        Removal.kind == RemovalKind.RAW.value, Removal.inbound_id.is_not(None)
    )
    return bool(
        s.scalar(
            select(func.count())
            .select_from(Inbound)
            .where(Inbound.sha256 == key, Inbound.id.not_in(raw_gone))
        )
        or s.scalar(select(func.count()).select_from(MinutesRow).where(MinutesRow.pdf_sha256 == key))
    )


def _mail_keys(
    minutes_ids: list[int], request_ids: list[int], action_ids: list[int], inbound_ids: list[int]
) -> list:
    """Return conditions on ``outgoing.key`` for the mails Minnes composed about removed rows."""
    k = OutgoingMail.key
    conds: list = []
    for mid in minutes_ids:
        conds += [
            k.like(f"{p}:{mid}:%") for p in ("report", "justering-notice", "hold-notice", "notice:safety")
        ]
    for rid in request_ids:
        conds += [
            k == f"approval-request:{rid}",
            k == f"comment:{rid}",
            k == f"confirm-request:{rid}",
            k.like(f"justering-reminder:{rid}:%"),
        ]
    for aid in action_ids:
        conds += [k.like(f"reminder:action:{aid}:%"), k.like(f"notice:overdue:{aid}:%")]
    for iid in inbound_ids:
        conds += [k == f"receipt:{iid}", k.like(f"rejection:{iid}%")]
    return conds


def _remove_minutes(s: Session, found: tuple[MinutesRemoval, ...]) -> set[str]:
    """Delete the rows of removed minutes and record each removal, in the caller's transaction.

    Return the blobs of the inbound messages removed with them: their drafts, and the replies about them.
    """
    ids = [m.minutes_id for m in found]
    if not ids:
        return set()
    related = s.execute(
        select(Inbound.id, Inbound.sha256).where(
            or_(Inbound.id.in_([m.inbound_id for m in found]), Inbound.minutes_id.in_(ids))
        )
    ).all()
    inbound_ids = [i for i, _ in related]
    request_ids = list(s.scalars(select(GateRequest.id).where(GateRequest.minutes_id.in_(ids))))
    action_ids = list(s.scalars(select(ActionRow.id).where(ActionRow.minutes_id.in_(ids))))
    conds = _mail_keys(ids, request_ids, action_ids, inbound_ids)
    for n in range(0, len(conds), 200):
        s.execute(delete(OutgoingMail).where(or_(*conds[n : n + 200])))
    search.drop(s, ids)
    s.execute(delete(Delivery).where(Delivery.minutes_id.in_(ids)))
    s.execute(delete(GateRequest).where(GateRequest.minutes_id.in_(ids)))
    s.execute(delete(ActionRow).where(ActionRow.minutes_id.in_(ids)))
    s.execute(delete(MinutesRow).where(MinutesRow.id.in_(ids)))
    s.execute(delete(Inbound).where(Inbound.id.in_(inbound_ids)))
    for m in found:
        _note_removal(
            s,
            Removal(
                kind=RemovalKind.MINUTES.value,
                workplace_id=m.workplace_id,
                inbound_id=m.inbound_id,
                minutes_id=m.minutes_id,
                meeting_date=m.meeting_date,
                sha256=m.pdf_sha256,
            ),
            target=f"minutes/{m.minutes_id}",
            detail=f"gallrad: minnesanteckningar {m.meeting_date} version {m.version} med utkast och utskick",
        )
    return {key for _, key in related}


def _remove_drafts(s: Session, found: tuple[RawRemoval, ...]) -> None:
    for d in found:
        _note_removal(
            s,
            Removal(
                kind=RemovalKind.RAW.value,
                workplace_id=d.workplace_id,
                inbound_id=d.inbound_id,
                sha256=d.sha256,
            ),
            target=f"inbound/{d.inbound_id}",
            detail=f"gallrat: utkastet (rått meddelande) #{d.inbound_id}",
        )


def _note_removal(s: Session, removal: Removal, *, target: str, detail: str) -> None:
    """Record one removal in the removal table and in the audit log."""
    s.add(removal)
    record(s, "minnes", AuditAction.REMOVAL, target=target, workplace_id=removal.workplace_id, detail=detail)


def apply_retention(
    ctx: StepContext, *, dry_run: bool = False, now: dt.datetime | None = None
) -> RetentionResult:
    """Remove (or with ``dry_run`` only find) what retention allows now; return what it was."""
    now = now or utcnow()
    with ctx.db.session() as s:
        found = find(ctx, s, now)
        if dry_run or not (found.drafts or found.minutes):
            return found
        inbound_keys = _remove_minutes(s, found.minutes)
        _remove_drafts(s, found.drafts)
    keys = (
        inbound_keys
        | {d.sha256 for d in found.drafts}
        | {m.pdf_sha256 for m in found.minutes}
        | {m.raw_sha256 for m in found.minutes}
    )
    deleted = 0
    for key in sorted(k for k in keys if k):
        with ctx.db.session() as s:
            if _referenced(s, key):
                continue
        try:
            if ctx.files.exists(key):
                ctx.files.delete(key)
                deleted += 1
        except Exception as exc:  # noqa: BLE001 - the rows are gone; a blob left behind is only space
            log.warning("gallring: filen %s kunde inte tas bort: %s", key, exc)
    return RetentionResult(found.drafts, found.minutes, deleted)


def run_daily(ctx: StepContext, now: dt.datetime | None = None) -> RetentionResult | None:
    """Apply retention once a day: the first sweeper to claim the day runs it; None for the others."""
    now = now or utcnow()
    with ctx.db.session() as s:
        if not claim_day(s, now.date(), f"{socket.gethostname()}:{os.getpid()}"):
            return None
    return apply_retention(ctx, now=now)


def report_lines(result: RetentionResult, *, dry_run: bool) -> list[str]:
    """Return what was (or would be) removed, in Swedish, one line each."""
    verb = "skulle tas bort" if dry_run else "togs bort"
    if not (result.drafts or result.minutes):
        return ["gallring: inget att ta bort"]
    lines = [
        f"gallring{' (provkörning)' if dry_run else ''}: {len(result.drafts)} utkast och "
        f"{len(result.minutes)} versioner av minnesanteckningar {verb}"
    ]
    for d in result.drafts:
        lines.append(
            f"  utkast #{d.inbound_id} ({d.workplace_id or 'ingen arbetsplats'}), "
            f"{d.how} {d.ended_at:%Y-%m-%d}: {verb}"
        )
    for m in result.minutes:
        lines.append(
            f"  minnesanteckningar #{m.minutes_id} {m.workplace_id} {m.meeting_date or 'odaterat'} "
            f"version {m.version} (med utkast, PDF och utskick): {verb}"
        )
    return lines
