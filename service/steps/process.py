"""Process: parse, route, authorise and structure one inbound message; answer its sender."""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.utils import parseaddr
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from service.archive import claims
from service.archive.claims import Gate, InboundState, MinutesState
from service.archive.db import Inbound, MinutesRow, utcnow
from service.domain.workplace import Workplace
from service.steps import answer, bounce, gates
from service.steps.context import StepContext, SweepTimes, Unfinished
from service.steps.gates import Job
from service.steps.mail import queue_mail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from service.structuring import StructureOutcome

MAX_PROCESS_ATTEMPTS = 5
"""Times a draft's processing may be started before it is marked failed for an administrator."""


def process(ctx: StepContext, inbound_id: int) -> None:
    """Parse, route, authorise and structure one inbound message; idempotent."""
    from service.mail.reading import MalformedMessage
    from service.structuring import read_draft, structure_message

    me = claims.worker_identity()
    with ctx.db.session() as s:
        if not claims.claim_received(s, Inbound, inbound_id, utcnow(), me):
            return
        row = s.get(Inbound, inbound_id)
        sha, size = row.sha256, row.size
    raw = ctx.files.get(sha)
    try:
        msg = read_draft(raw, ctx.config, size=max(size, len(raw)))  # parsed once, for every look below
    except MalformedMessage:
        msg = None
    if msg is not None and bounce.handle_bounce(ctx, inbound_id, msg.parsed or raw):
        return
    if msg is not None and answer.handle_reply(ctx, inbound_id, msg):
        return
    outcome = structure_message(raw, ctx.config, size=max(size, len(raw)), message=msg)
    out = outcome.output
    jobs: list[Job] = []
    with ctx.db.session() as s:
        row = s.get(Inbound, inbound_id)
        if row is None or row.state != InboundState.PROCESSING or row.claimed_by != me:
            return
        row.workplace_id = outcome.workplace.id if outcome.workplace else ""
        row.sender_email = outcome.sender_email
        row.subject = outcome.subject[:2000]
        row.claimed_at = None
        m: MinutesRow | None = None
        if outcome.accepted and outcome.workplace is not None:
            m, new = _store_minutes(s, row, out, outcome.workplace)
            row.state = InboundState.ACCEPTED
            row.minutes_id = m.id
            nobody_to_ask = outcome.automatic or _is_own_address(ctx, outcome.sender_email)
            if not new:
                pass  # processed before, up to here: its gates and answers were decided then
            elif outcome.needs_confirmation and nobody_to_ask:
                m.state = MinutesState.STOPPED  # unauthenticated, and nobody to ask: never sent
            else:
                jobs = gates.advance(ctx, s, m)
        else:
            err = out.get("error") or {}
            row.state = InboundState.REJECTED
            row.error_code = str(err.get("code", ""))
            row.error_message = str(err.get("message", ""))
        quiet = m is not None and m.state in (MinutesState.HELD, MinutesState.STOPPED) and m.gate in (
            Gate.CONFIRM, Gate.PRIVACY, "")  # the confirm-request or hold-notice told the sender instead
        if not quiet:
            reply = _reply_for(ctx, s, inbound_id, outcome, m)
            mail_id = queue_mail(s, *reply) if reply else None
            jobs = ([("send_mail", mail_id)] if mail_id else []) + jobs
    for step, ident in jobs:
        ctx.enqueue(step, ident)


def _store_minutes(s: Session, row: Inbound, out: dict, workplace: Workplace) -> tuple[MinutesRow, bool]:
    """Store the structured minutes of one inbound message, once; it takes its number past the gates.

    Return it, and whether it was stored just now.
    """
    existing = s.scalar(select(MinutesRow).where(MinutesRow.inbound_id == row.id))
    if existing is not None:
        return existing, False
    date = (out.get("meeting") or {}).get("date") or ""
    minutes = MinutesRow(
        inbound_id=row.id,
        workplace_id=workplace.id,
        meeting_date=date,
        version=gates.temporary_version(row.id),
        data=json.dumps(out, ensure_ascii=False),
        search_text=search_text(out),
    )
    s.add(minutes)
    s.flush()
    return minutes, True


def _reply_for(
    ctx: StepContext, s: Session, inbound_id: int, outcome: StructureOutcome, m: MinutesRow | None
) -> tuple[str, str, str, EmailMessage] | None:
    """Return (key, kind, recipient, message) of the answer to a draft, or None."""
    from service.mail import compose

    if not outcome.may_reply or _is_own_address(ctx, outcome.sender_email):
        return None
    sender = ctx.settings.delivery.sender
    language = outcome.workplace.language if outcome.workplace is not None else "sv"
    if outcome.accepted and m is not None:
        msg = _receipt(ctx, s, m, to=outcome.sender_email, in_reply_to=outcome.message_id, language=language)
        return (f"receipt:{inbound_id}", "receipt", outcome.sender_email, msg)
    msg = compose.rejection(
        output=outcome.output,
        to=outcome.sender_email,
        sender=sender,
        subject=outcome.subject,
        in_reply_to=outcome.message_id,
        language=language,
    )
    return (f"rejection:{inbound_id}", "rejection", outcome.sender_email, msg)


def _receipt(ctx: StepContext, s: Session, m: MinutesRow, *, to: str, in_reply_to: str, language: str):  # noqa: ANN202
    """Compose the note-taker's receipt for a stored version, saying what it waits for now."""
    from service.mail import compose
    from service.steps import followup

    waiting, message_id = gates.receipt_note(ctx, s, m, language)
    return compose.receipt(
        output=m.minutes, to=to, sender=ctx.settings.delivery.sender, in_reply_to=in_reply_to,
        archive_url=ctx.archive_url(m.id), language=language, waiting=waiting,
        followup=followup.receipt_lines(ctx, s, m, language), message_id=message_id,
    )


def receipt_after_gate(ctx: StepContext, s: Session, m: MinutesRow) -> list[Job]:
    """Send the receipt a version did not get on arrival (it waited for confirmation or a release), once."""
    if m.state not in (MinutesState.HELD, MinutesState.STRUCTURED) or m.gate in (Gate.CONFIRM, Gate.PRIVACY):
        return []
    inbound = s.get(Inbound, m.inbound_id)
    to = str((m.minutes.get("sender") or {}).get("email") or "").strip().lower()
    if inbound is None or not to or _is_own_address(ctx, to):
        return []
    language = ctx.config.workplace(m.workplace_id).language
    msg = _receipt(ctx, s, m, to=to, in_reply_to=inbound.message_id, language=language)
    mail_id = queue_mail(s, f"receipt:{inbound.id}", "receipt", to, msg)
    return [("send_mail", mail_id)] if mail_id else []


def _is_own_address(ctx: StepContext, address: str) -> bool:
    """Tell whether an address is Minnes's own (its sender or its mailbox, plus tags ignored)."""
    own = {
        parseaddr(ctx.settings.delivery.sender)[1].lower(),
        ctx.settings.intake.mailbox_address.lower(),
    }
    local, _, domain = address.lower().partition("@")
    base = local.split("+", 1)[0] + "@" + domain
    return address.lower() in own or base in own


def search_text(out: dict) -> str:
    """Return the text the archive page searches in, folded."""
    parts: list[str] = []
    for section in list(out.get("items") or []) + list(out.get("unplanned") or []):
        parts += [section.get("title") or "", section.get("heading") or "", section.get("text") or ""]
        parts += list(section.get("decisions") or [])
        parts += [f"{a.get('what', '')} {a.get('owner') or ''}" for a in section.get("actions") or []]
    return "\n".join(p for p in parts if p).casefold()


def unfinished(s: Session, times: SweepTimes) -> list[int]:
    """Hand back drafts whose processor died or went silent (failing the often tried); return the due."""
    dead = claims.dead_claimers(claims.claimers_of(s, Inbound, InboundState.PROCESSING))
    abandoned = claims.abandoned(Inbound, InboundState.PROCESSING, times.stale, dead)
    # A draft whose processing keeps crashing is given up on, not retried for ever.
    s.execute(
        update(Inbound)
        .where(abandoned, Inbound.attempts >= MAX_PROCESS_ATTEMPTS)
        .values(
            state=InboundState.FAILED,
            claimed_at=None,
            claimed_by="",
            error_code="internal_error",
            error_message=f"behandlingen misslyckades {MAX_PROCESS_ATTEMPTS} gånger — se loggen",
        )
        .execution_options(synchronize_session=False)
    )
    s.execute(
        update(Inbound)
        .where(abandoned)
        .values(state=InboundState.RECEIVED, claimed_at=None, claimed_by="")
        .execution_options(synchronize_session=False)
    )
    return list(s.scalars(select(Inbound.id).where(Inbound.state == InboundState.RECEIVED)))


SWEPT = Unfinished("process", unfinished)
"""What the sweeper asks of this step."""
