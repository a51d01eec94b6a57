"""Privacy gate: a draft with personnummer or health details about a named person reaches nobody.

Under ``[privacy] check = "hold"`` (the default) the note-taker and the manager get a ``hold-notice``
quoting the sentences found; a corrected draft for the same meeting replaces the held version, or a
manager releases it as it is through the link in their copy (the release is recorded on the request:
who, when). ``"warn"`` sends as usual and the receipt warns; ``"off"`` does neither.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from service.archive.claims import Gate, RequestKind
from service.archive.db import GateRequest, Inbound, MinutesRow, utcnow
from service.domain.requests import LINK_PATH, Verdict, new_token, token_hash
from service.steps.gates import Job, advance, held_at
from service.steps.mail import queue_mail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from service.steps.context import StepContext

RELEASE_DAYS = 30
"""How long a manager's release link works."""


def applies(ctx: StepContext, s: Session, m: MinutesRow) -> bool:
    """Tell whether a version is held for what the privacy check found."""
    return ctx.settings.privacy.check == "hold" and bool(m.minutes.get("privacy"))


def hold(ctx: StepContext, s: Session, m: MinutesRow) -> list[Job]:
    """Tell the note-taker and each manager what was found; give each manager a release link."""
    from service.mail.compose import hold_notice

    workplace = ctx.config.workplace(m.workplace_id)
    data = m.minutes
    inbound = s.get(Inbound, m.inbound_id)
    in_reply_to = inbound.message_id if inbound else ""
    sender = ctx.settings.delivery.sender
    note_taker = str((data.get("sender") or {}).get("email") or "").strip().lower()
    jobs: list[Job] = []
    told: set[str] = set()
    if note_taker:
        msg = hold_notice(minutes=data, to=note_taker, sender=sender, in_reply_to=in_reply_to,
                          language=workplace.language)
        mail_id = queue_mail(s, f"hold-notice:{m.id}:{note_taker}", "hold-notice", note_taker, msg)
        jobs += [("send_mail", mail_id)] if mail_id else []
        told.add(note_taker)
    now = utcnow()
    for manager in workplace.managers:
        link_token = new_token()
        s.add(GateRequest(
            kind=RequestKind.RELEASE, minutes_id=m.id, email=manager.email, name=manager.name,
            reply_hash=token_hash(new_token()), link_hash=token_hash(link_token), created_at=now,
            expires_at=now + dt.timedelta(days=RELEASE_DAYS), mailed_at=now,
        ))
        if manager.email in told:
            continue  # the manager wrote the draft: one notice, with the link
        link = f"{ctx.settings.web.base_url.rstrip('/')}{LINK_PATH}{link_token}"
        msg = hold_notice(minutes=data, to=manager.email, sender=sender, release_link=link,
                          language=workplace.language)
        mail_id = queue_mail(s, f"hold-notice:{m.id}:{manager.email}", "hold-notice", manager.email, msg)
        jobs += [("send_mail", mail_id)] if mail_id else []
        told.add(manager.email)
    s.flush()
    return jobs


def on_answer(
    ctx: StepContext, s: Session, request: GateRequest, said: Verdict, text: str
) -> tuple[str, list[Job]]:
    """Release held minutes as they are: a manager pressed the button behind the link."""
    m = s.get(MinutesRow, request.minutes_id)
    if m is None or not held_at(m, Gate.PRIVACY):
        return f"förfrågan {request.id}: anteckningarna väntar inte längre", []
    if said is not Verdict.APPROVE:
        return f"förfrågan {request.id}: inget släpptes", []
    from service.steps.process import receipt_after_gate

    jobs = advance(ctx, s, m, after=Gate.PRIVACY)
    return f"förfrågan {request.id}: släppt av {request.email}", jobs + receipt_after_gate(ctx, s, m)
