"""Justering gate: every justerare approves before anyone else receives the minutes.

For a workplace with ``approval = "adjusters"`` (the default for a samverkansgrupp) the version waits
here (``minutes.state = held``, ``gate = justering``). Each justerare (:func:`service.domain.justering
.choose`) gets one ``approval-request`` with the draft PDF stamped "Utkast – ej justerat", and answers
by reply (``Justerat``/``OK`` approves) or by the button behind the link. An approval is recorded on
its request (who, ``answered_at``); a comment (or ``Nej``) goes to the note-taker as a ``comment`` mail
and the version waits for a corrected draft, which replaces it (:func:`gates.replace_older`) and is
justerad anew. Once all have approved it goes on to be signed, the PDF saying who justerade and when.

The sweeper reminds justerare who have not answered after 2 and 5 days (``request.reminders``, each
step once, by compare-and-set) and tells the managers after 7, in a ``notice``; it also lets on a
version whose last two approvals were recorded at the same moment by two workers.

The tokens of a request are keyed with the installation's secret (only their hashes are stored), so
that a reminder threads under the request it reminds of and carries the same link.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import make_msgid
from typing import TYPE_CHECKING

from sqlalchemy import select, update

from service.archive.claims import Answer, Gate, MinutesState, RequestKind
from service.archive.db import GateRequest, Inbound, MinutesRow, utcnow
from service.domain.justering import Choice, choose, own_words, reminding, request_token
from service.domain.requests import LINK_PATH, Verdict, new_token, request_message_id, token_hash
from service.domain.workplace import Member
from service.steps.context import StepContext, SweepTimes, Unfinished
from service.steps.gates import Job, advance, held_at
from service.steps.mail import queue_mail

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger("service.pipeline")

REQUEST_DAYS = 90
"""How long an approval-request can be answered (reminders after 2 and 5 days, the managers after 7)."""

NOT_ANSWERS = (Answer.REPLACED, Answer.EXPIRED)
"""Answers that take a request out of the justering: a newer version, or time."""


def applies(ctx: StepContext, s: Session, m: MinutesRow) -> bool:
    """Tell whether the workplace wants justering before the minutes go out."""
    return ctx.config.workplace(m.workplace_id).approval == "adjusters"


def choice_for(ctx: StepContext, m: MinutesRow) -> Choice:
    """Return who is asked to justera a version, and why."""
    named = tuple(str(n) for n in (m.minutes.get("roles") or {}).get("adjusters") or () if n)
    return choose(named, ctx.config.workplace(m.workplace_id))


def hold(ctx: StepContext, s: Session, m: MinutesRow) -> list[Job]:
    """Ask every justerare, each in one approval-request with the draft PDF; return the mails to send."""
    choice = choice_for(ctx, m)
    if not choice.justerare:
        log.warning("minnesanteckningar %s: ingen justerare att fråga — de väntar på ett rättat utkast", m.id)
        return []
    pdf = render_draft(ctx, m)
    now = utcnow()
    salt = _salt(s, m)
    asked = [p.name or p.email for p in choice.justerare]
    jobs: list[Job] = []
    for person in choice.justerare:
        request = GateRequest(
            kind=RequestKind.APPROVAL, minutes_id=m.id, email=person.email, name=person.name,
            reply_hash=token_hash(new_token()), link_hash=token_hash(new_token()), created_at=now,
            expires_at=now + dt.timedelta(days=REQUEST_DAYS), mailed_at=now,
        )
        s.add(request)
        s.flush()  # its id keys its tokens
        reply_token, link_token = _tokens(ctx, request, salt)
        request.reply_hash, request.link_hash = token_hash(reply_token), token_hash(link_token)
        mail_id = _mail_request(ctx, s, m, request, person, reply_token, link_token, asked, pdf)
        jobs += [("send_mail", mail_id)] if mail_id else []
    s.flush()
    log.info("minnesanteckningar %s väntar på justering av %s", m.id,
             ", ".join(p.email for p in choice.justerare))
    return jobs


def render_draft(ctx: StepContext, m: MinutesRow) -> bytes:
    """Render the draft PDF the justerare read: unsigned, "Utkast – ej justerat" on every page.

    The step calls the PDF adapter directly: StepContext is made by the Pipeline facade, which has no
    renderer to hand it. The draft is not signed and needs no key.
    """
    from service.pdf.render import render_minutes

    return render_minutes(m.minutes, ctx.config.workplace(m.workplace_id), draft=True)


def receipt(ctx: StepContext, s: Session, m: MinutesRow, language: str) -> tuple[list[str], str | None]:
    """Return what the receipt says: who is asked, why, and that nobody else gets the minutes before."""
    from service.domain.justering_texts import receipt_lines

    return receipt_lines(choice_for(ctx, m), language), None


def on_answer(
    ctx: StepContext, s: Session, request: GateRequest, said: Verdict, text: str
) -> tuple[str, list[Job]]:
    """Record an approval (and let the version on once all have approved) or pass a comment on."""
    m = _locked(s, request.minutes_id)
    if m is None or not held_at(m, Gate.JUSTERING):
        return f"förfrågan {request.id}: anteckningarna väntar inte längre på justering", []
    if said is Verdict.APPROVE:
        log.info("minnesanteckningar %s justerade av %s", m.id, request.email)
        if _all_approved(s, m.id):
            return (f"förfrågan {request.id}: justerad av {request.email}; alla har justerat",
                    advance(ctx, s, m, after=Gate.JUSTERING))
        return f"förfrågan {request.id}: justerad av {request.email}; väntar på fler", []
    mail_id = _mail_comment(ctx, s, m, request, text)
    log.info("minnesanteckningar %s: %s justerade inte (%s) — väntar på ett rättat utkast", m.id,
             request.email, said.value)
    return f"förfrågan {request.id}: kommentar från {request.email} till antecknaren", (
        [("send_mail", mail_id)] if mail_id else [])


def approvals_of(s: Session, minutes_id: int) -> list[dict[str, str]]:
    """Return who justerade a version and when: [{"name", "email", "at" (ISO, local time)}], in order."""
    rows = s.scalars(
        select(GateRequest).where(
            GateRequest.minutes_id == minutes_id, GateRequest.kind == RequestKind.APPROVAL,
            GateRequest.answer == Answer.CONFIRMED,
        ).order_by(GateRequest.answered_at, GateRequest.id)
    )
    return [{"name": r.name or r.email, "email": r.email, "at": _local(r.answered_at)} for r in rows
            if r.answered_at is not None]


def _local(moment: dt.datetime) -> str:
    """Return a stored UTC time as ISO 8601 in this machine's time zone, to the minute."""
    return moment.replace(tzinfo=dt.UTC).astimezone().isoformat(timespec="minutes")


def _locked(s: Session, minutes_id: int) -> MinutesRow | None:
    """Return a version, its row locked (PostgreSQL) so that two last approvals are judged one at a time."""
    return s.scalar(
        select(MinutesRow).where(MinutesRow.id == minutes_id).with_for_update()
        .execution_options(populate_existing=True)
    )


def _requests(s: Session, minutes_id: int) -> list[GateRequest]:
    """Return a version's approval-requests that still count (not replaced, not expired)."""
    return list(s.scalars(
        select(GateRequest).where(
            GateRequest.minutes_id == minutes_id, GateRequest.kind == RequestKind.APPROVAL,
            GateRequest.answer.not_in(NOT_ANSWERS),
        ).order_by(GateRequest.id).execution_options(populate_existing=True)
    ))


def _all_approved(s: Session, minutes_id: int) -> bool:
    """Tell whether every justerare of a version has approved it."""
    asked = _requests(s, minutes_id)
    return bool(asked) and all(r.answer == Answer.CONFIRMED for r in asked)


def _salt(s: Session, m: MinutesRow) -> str:
    inbound = s.get(Inbound, m.inbound_id)
    return inbound.sha256 if inbound is not None else str(m.id)


def _tokens(ctx: StepContext, request: GateRequest, salt: str) -> tuple[str, str]:
    """Return a request's (reply token, link token), keyed with the installation's secret."""
    secret = ctx.secret()
    return (request_token(secret, "reply", request.id, request.email, salt),
            request_token(secret, "link", request.id, request.email, salt))


def link_url(ctx: StepContext, token: str) -> str:
    """Return the page a request's link opens (it acts only on the button there, never on GET)."""
    return f"{ctx.settings.web.base_url.rstrip('/')}{LINK_PATH}{token}"


def _domain(ctx: StepContext) -> str:
    from service.mail.compose import sender_domain

    return sender_domain(ctx.settings.delivery.sender)


def _mail_request(
    ctx: StepContext, s: Session, m: MinutesRow, request: GateRequest, person: Member, reply_token: str,
    link_token: str, asked: list[str], pdf: bytes,
) -> int | None:
    """Queue one justerare's approval-request."""
    from service.mail.approvals import approval_request, draft_filename

    language = ctx.config.workplace(m.workplace_id).language
    msg = approval_request(
        minutes=m.minutes, to=person, sender=ctx.settings.delivery.sender,
        reply_to=ctx.settings.intake.mailbox_address,
        message_id=request_message_id(reply_token, _domain(ctx)), link=link_url(ctx, link_token), asked=asked,
        pdf=pdf, filename=draft_filename(m.minutes, m.workplace_id, language), language=language,
    )
    return queue_mail(s, f"approval-request:{request.id}", "approval-request", person.email, msg)


def _mail_comment(ctx: StepContext, s: Session, m: MinutesRow, request: GateRequest, text: str) -> int | None:
    """Queue a justerare's comment to the note-taker who sent the draft."""
    from service.mail.approvals import justering_comment

    note_taker = str((m.minutes.get("sender") or {}).get("email") or "").strip().lower()
    if not note_taker:
        log.warning("minnesanteckningar %s: kommentar från %s, men ingen antecknare att skicka den till",
                    m.id, request.email)
        return None
    others = [r for r in _requests(s, m.id) if r.id != request.id]
    inbound = s.get(Inbound, m.inbound_id)
    language = ctx.config.workplace(m.workplace_id).language
    who = f"{request.name} ({request.email})" if request.name else request.email
    msg = justering_comment(
        minutes=m.minutes, to=note_taker, sender=ctx.settings.delivery.sender,
        message_id=make_msgid(idstring=f"minnes.comment.{request.id}", domain=_domain(ctx)), who=who,
        comment=own_words(text), approved=[r.name or r.email for r in others if r.answer == Answer.CONFIRMED],
        waiting=[r.name or r.email for r in others if not r.answer],
        in_reply_to=inbound.message_id if inbound else "", language=language,
    )
    return queue_mail(s, f"comment:{request.id}", "comment", note_taker, msg)


# --------------------------------------------------------------------------- the sweeper


def _commented(s: Session) -> set[int]:
    """Return the held versions a justerare commented on: they wait for a corrected draft, not for answers."""
    return set(s.scalars(
        select(GateRequest.minutes_id).join(MinutesRow, MinutesRow.id == GateRequest.minutes_id).where(
            MinutesRow.state == MinutesState.HELD, MinutesRow.gate == Gate.JUSTERING,
            GateRequest.kind == RequestKind.APPROVAL,
            GateRequest.answer.in_((Answer.COMMENT, Answer.STOPPED)),
        )
    ))


def unfinished(s: Session, times: SweepTimes) -> list[int]:
    """Return the versions held for justering with a reminder or notice due, or approved by everyone."""
    from service.domain.justering import REMINDER_DAYS

    first = times.now - dt.timedelta(days=REMINDER_DAYS[0])
    held = (MinutesRow.state == MinutesState.HELD) & (MinutesRow.gate == Gate.JUSTERING)
    rows = s.execute(
        select(GateRequest.minutes_id, GateRequest.answer, GateRequest.created_at, GateRequest.reminders)
        .join(MinutesRow, MinutesRow.id == GateRequest.minutes_id)
        .where(held, GateRequest.kind == RequestKind.APPROVAL, GateRequest.answer.not_in(NOT_ANSWERS))
    ).all()
    commented = _commented(s)
    answers: dict[int, list[str]] = {}
    due: set[int] = set()
    for minutes_id, answer, created_at, reminders in rows:
        answers.setdefault(minutes_id, []).append(answer)
        waiting = not answer and minutes_id not in commented and created_at <= first
        if waiting and _level(created_at, times) > (reminders or 0):
            due.add(minutes_id)
    due |= {mid for mid, said in answers.items() if all(a == Answer.CONFIRMED for a in said)}
    return sorted(due)


def _level(created_at: dt.datetime, times: SweepTimes) -> int:
    from service.domain.justering import due_level

    return due_level(created_at, times.now)


def resume(ctx: StepContext, minutes_id: int) -> None:
    """Let on a version everyone approved, or send the reminders and the notice that are due, once each."""
    from service.domain.justering import due_level

    now = utcnow()
    with ctx.db.session() as s:
        m = _locked(s, minutes_id)
        if m is None or not held_at(m, Gate.JUSTERING):
            return
        if _all_approved(s, m.id):
            jobs = advance(ctx, s, m, after=Gate.JUSTERING)
        elif m.id in _commented(s):
            jobs = []
        else:
            jobs = []
            late: list[GateRequest] = []
            for request in _requests(s, m.id):
                if request.answer:
                    continue
                before, after = request.reminders or 0, due_level(request.created_at, now)
                if after <= before or not _step_reminders(s, request, before, after):
                    continue
                step = reminding(before, after)
                if step.justerare:
                    jobs += _remind(ctx, s, m, request, after)
                if step.managers:
                    late.append(request)
            if late:
                jobs += _notify_managers(ctx, s, m, [r for r in _requests(s, m.id) if not r.answer])
    for step_name, ident in jobs:
        ctx.enqueue(step_name, ident)


def _step_reminders(s: Session, request: GateRequest, before: int, after: int) -> bool:
    """Move a request's reminder count from ``before`` to ``after``; False when someone else already did."""
    taken = s.execute(
        update(GateRequest).where(GateRequest.id == request.id, GateRequest.reminders == before,
                                  GateRequest.answer == "")
        .values(reminders=after).execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def _remind(ctx: StepContext, s: Session, m: MinutesRow, request: GateRequest, level: int) -> list[Job]:
    """Queue a reminder to one justerare, threaded under the request, carrying its link again."""
    from service.mail.approvals import approval_reminder

    reply_token, link_token = _tokens(ctx, request, _salt(s, m))
    if token_hash(reply_token) != request.reply_hash or token_hash(link_token) != request.link_hash:
        # The installation's secret changed since the request went out: its tokens are new from now on.
        request.reply_hash, request.link_hash = token_hash(reply_token), token_hash(link_token)
    workplace = ctx.config.workplace(m.workplace_id)
    person = workplace.member(request.email) or Member(name=request.name, email=request.email, role="")
    msg = approval_reminder(
        minutes=m.minutes, to=person, sender=ctx.settings.delivery.sender,
        reply_to=ctx.settings.intake.mailbox_address,
        message_id=make_msgid(idstring=f"minnes.reminder.{request.id}.{level}", domain=_domain(ctx)),
        request_message_id=request_message_id(reply_token, _domain(ctx)), link=link_url(ctx, link_token),
        asked_on=_local(request.created_at)[:10], language=workplace.language,
    )
    mail_id = queue_mail(s, f"justering-reminder:{request.id}:{level}", "reminder", request.email, msg)
    log.info("påminnelse %s om justering till %s (minnesanteckningar %s)", level, request.email, m.id)
    return [("send_mail", mail_id)] if mail_id else []


def _notify_managers(ctx: StepContext, s: Session, m: MinutesRow, waiting: list[GateRequest]) -> list[Job]:
    """Queue one notice per manager: these justerare have not answered in seven days (once per version)."""
    from service.mail.approvals import justering_notice

    workplace = ctx.config.workplace(m.workplace_id)
    if not workplace.managers:
        log.warning("minnesanteckningar %s väntar på justering sedan en vecka; rostern har ingen chef", m.id)
        return []
    names = [f"{r.name} ({r.email})" if r.name else r.email for r in waiting]
    asked_on = _local(min(r.created_at for r in waiting))[:10] if waiting else ""
    jobs: list[Job] = []
    for manager in workplace.managers:
        msg = justering_notice(
            minutes=m.minutes, to=manager, sender=ctx.settings.delivery.sender,
            message_id=make_msgid(idstring=f"minnes.notice.{m.id}", domain=_domain(ctx)), waiting=names,
            asked_on=asked_on, language=workplace.language,
        )
        mail_id = queue_mail(s, f"justering-notice:{m.id}:{manager.email}", "notice", manager.email, msg)
        jobs += [("send_mail", mail_id)] if mail_id else []
    log.info("minnesanteckningar %s: chefen underrättad om justerare som inte svarat", m.id)
    return jobs


def _find(s: Session, times: SweepTimes) -> list[int]:
    return unfinished(s, times)


SWEPT = Unfinished("justering", _find, resume=resume)
"""What the sweeper asks of this gate: reminders and notices due, and versions everyone approved."""
