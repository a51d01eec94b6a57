"""Answer: a reply to one of Minnes's requests, or the button behind a request's link.

A reply counts only when it references the request's Message-ID (whose token Minnes stored hashed),
comes from the address the request went to, is not itself automatic and is not refused by the
trusted MX (``dmarc=fail``). Each request is answered once; an expired one no longer answers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from service.archive.audit import AuditAction, record
from service.archive.claims import Answer, Gate, InboundState, RequestKind
from service.archive.db import GateRequest, Inbound, MinutesRow, utcnow
from service.domain.requests import Verdict, is_token, referenced_tokens, token_hash, verdict
from service.domain.routing import AUTH_FAIL, sender_verdict
from service.steps import gates
from service.steps.context import StepContext
from service.steps.gates import Job

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from service.mail.reading import ReadMessage

log = logging.getLogger("service.pipeline")

ANSWERS = {Verdict.APPROVE: Answer.CONFIRMED, Verdict.STOP: Answer.STOPPED, Verdict.COMMENT: Answer.COMMENT}
"""What each verdict on a reply records."""

AUDITED = {
    RequestKind.CONFIRM: AuditAction.CONFIRMATION,
    RequestKind.APPROVAL: AuditAction.APPROVAL,
    RequestKind.RELEASE: AuditAction.RELEASE,
}
"""The audit log's action for an answer to each kind of request (a review's STOPP is not audited)."""

VERDICT_NOTES = {Verdict.APPROVE: "godkänt", Verdict.STOP: "stoppat", Verdict.COMMENT: "kommentar"}
"""What the audit log says an answer was."""


@dataclass(frozen=True)
class LinkRequest:
    """What the page behind a request's link shows before its button is pressed."""

    request_id: int
    """The request."""

    kind: str
    """What it asks (:class:`RequestKind`)."""

    workplace_id: str
    """The workplace of the minutes it is about."""

    meeting_date: str
    """Their meeting date (ISO), '' when unknown."""

    open: bool
    """It can still be answered (not answered, not expired)."""


def _record(s: Session, inbound_id: int, note: str) -> None:
    """Mark an inbound message as a reply to a request, with what became of it."""
    row = s.get(Inbound, inbound_id)
    row.state = InboundState.REPLY
    row.claimed_at = None
    row.error_message = note[:2000]


def handle_reply(ctx: StepContext, inbound_id: int, msg: ReadMessage) -> bool:
    """Route a reply to the request it references; True when it referenced one (never then a draft)."""
    tokens = referenced_tokens(msg.header("in-reply-to") + msg.header("references"))
    if not tokens:
        return False
    hashes = [token_hash(t) for t in tokens]
    with ctx.db.session() as s:
        request = s.scalar(select(GateRequest).where(GateRequest.reply_hash.in_(hashes)))
        if request is None:
            return False  # names no request of ours (any more): an ordinary message
        row = s.get(Inbound, inbound_id)
        row.sender_email, row.subject = msg.from_email, msg.subject[:2000]
        intake = ctx.settings.intake
        judged = sender_verdict(
            msg.headers, trusted_authserv_id=intake.trusted_authserv_id,
            trusted_internal_header=intake.trusted_internal_header,
            from_domain=msg.from_email.rpartition("@")[2],
        )
        if msg.from_email.lower() != request.email:
            note = f"svar på förfrågan {request.id} från fel adress ({msg.from_email}) — ignorerat"
            _record(s, inbound_id, note)
            return True
        if judged == AUTH_FAIL:
            _record(s, inbound_id, f"svar på förfrågan {request.id} underkänt av e-postservern (dmarc=fail)")
            return True
        if msg.automatic:
            _record(s, inbound_id, f"automatiskt svar på förfrågan {request.id} — räknas inte som svar")
            return True
        text = msg.text_plain or msg.text_html
        said = verdict(text)
        if request.kind == RequestKind.REVIEW and said is not Verdict.STOP:
            return False  # a reply to the receipt that does not stop the minutes is a corrected draft
        note, jobs = _answer(ctx, s, request, said, text, via="svar via mejl")
        _record(s, inbound_id, note)
    _enqueue(ctx, jobs)
    return True


GATE_OF = {
    RequestKind.CONFIRM: Gate.CONFIRM,
    RequestKind.RELEASE: Gate.PRIVACY,
    RequestKind.APPROVAL: Gate.JUSTERING,
    RequestKind.REVIEW: Gate.REVIEW,
}
"""The gate whose module acts on the answers to each kind of request."""


def _audit(s: Session, request: GateRequest, said: Verdict, via: str, client: str) -> None:
    """Write an answer to the audit log: the answering address, the minutes, never a token."""
    action = AUDITED.get(RequestKind(request.kind))
    if action is None:
        return
    minutes = s.get(MinutesRow, request.minutes_id)
    record(s, request.email, action, target=f"minutes/{request.minutes_id}",
           workplace_id=minutes.workplace_id if minutes else "",
           detail=f"{via}: {VERDICT_NOTES[said]} (förfrågan {request.id})", client=client)


def _answer(
    ctx: StepContext, s: Session, request: GateRequest, said: Verdict, text: str, *, via: str,
    client: str = "",
) -> tuple[str, list[Job]]:
    """Record one answer to an open request, once, audit it and let its gate act on it; say what happened."""
    now = utcnow()
    if request.expires_at < now and not request.answer:
        return f"förfrågan {request.id} har gått ut", []
    taken = s.execute(
        update(GateRequest)
        .where(GateRequest.id == request.id, GateRequest.answer == "")
        .values(answer=ANSWERS[said], answered_at=now, answer_text=text.strip()[:4000])
        .execution_options(synchronize_session=False)
    )
    if not taken.rowcount:
        return f"förfrågan {request.id} var redan besvarad", []
    s.refresh(request)
    _audit(s, request, said, via, client)
    return gates.module(GATE_OF[RequestKind(request.kind)]).on_answer(ctx, s, request, said, text)


def _enqueue(ctx: StepContext, jobs: list[Job]) -> None:
    for step, ident in jobs:
        ctx.enqueue(step, ident)


def _by_link(s: Session, token: str) -> GateRequest | None:
    """Return the request a link's token names, or None."""
    if not is_token(token):
        return None
    return s.scalar(select(GateRequest).where(GateRequest.link_hash == token_hash(token)))


def link_request(ctx: StepContext, token: str) -> LinkRequest | None:
    """Return what a request's link is about, or None when the token names no request."""
    with ctx.db.session() as s:
        request = _by_link(s, token)
        if request is None:
            return None
        minutes = s.get(MinutesRow, request.minutes_id)
        return LinkRequest(
            request_id=request.id,
            kind=request.kind,
            workplace_id=minutes.workplace_id if minutes else "",
            meeting_date=minutes.meeting_date if minutes else "",
            open=not request.answer and request.expires_at >= utcnow(),
        )


def answer_link(ctx: StepContext, token: str, *, client: str = "") -> str | None:
    """Approve through a request's link (its button was pressed); return what happened, None if unknown.

    ``client`` is the address the page saw, for the audit log.
    """
    with ctx.db.session() as s:
        request = _by_link(s, token)
        if request is None:
            return None
        note, jobs = _answer(ctx, s, request, Verdict.APPROVE, "(via länken)", via="svar via länken",
                             client=client)
    _enqueue(ctx, jobs)
    return note
