"""Sign: render and sign one minutes version's PDF, archive it, and create one delivery per recipient."""

from __future__ import annotations

import json
from email.utils import parseaddr
from typing import TYPE_CHECKING

from sqlalchemy import select

from service.archive.claims import DeliveryState, MinutesState
from service.archive.db import Delivery, MinutesRow, utcnow
from service.domain.workplace import Member, Workplace
from service.steps import justering
from service.steps.context import StepContext, SweepTimes, Unfinished

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def sign(ctx: StepContext, minutes_id: int) -> None:
    """Render and sign the PDF of one minutes version, then create its deliveries; idempotent."""
    with ctx.db.session() as s:
        m = s.get(MinutesRow, minutes_id)
        if m is None:
            return
        state, pdf_sha = m.state, m.pdf_sha256
        data, wp_id, version = m.minutes, m.workplace_id, m.version
        replaces = _replaced(s, m)
        approved = justering.approvals_of(s, minutes_id)
    if approved:
        data["justering"] = approved  # the PDF, the mail and the page say "Justerat av … den …"
    if state == MinutesState.STRUCTURED or not pdf_sha:
        workplace = ctx.config.workplace(wp_id)
        pdf, cert_sha = ctx.sign_pdf(data, workplace, archive_url=ctx.archive_url(minutes_id),
                                     version=version, replaces=replaces)
        key = ctx.files.put(pdf)
        with ctx.db.session() as s:
            m = s.get(MinutesRow, minutes_id)
            if m.state == MinutesState.STRUCTURED:
                if approved:
                    m.data = json.dumps(data, ensure_ascii=False)  # the justering, kept with the minutes
                m.pdf_sha256 = key
                m.certificate_sha256 = cert_sha
                m.signed_at = utcnow()
                m.state = MinutesState.SIGNED
    _create_deliveries(ctx, minutes_id)
    ctx.enqueue("distribute", minutes_id)


def _replaced(s: Session, m: MinutesRow) -> tuple[int, str | None] | None:
    """Return (version, ISO date it was signed) of the version a correction replaces, or None."""
    older = s.get(MinutesRow, m.replaces_id) if m.replaces_id else None
    if older is None:
        return None
    when = older.signed_at or older.created_at
    return older.version, when.date().isoformat() if when else None


def _create_deliveries(ctx: StepContext, minutes_id: int) -> None:
    """Create one delivery per roster member of a signed minutes version, once; mark it distributing."""
    from service.mail.compose import distribution_message_id

    with ctx.db.session() as s:
        m = s.get(MinutesRow, minutes_id)
        if m is None or m.state != MinutesState.SIGNED:
            return
        workplace = ctx.config.workplace(m.workplace_id)
        have = set(s.scalars(select(Delivery.email).where(Delivery.minutes_id == minutes_id)))
        domain = sender_domain(ctx.settings.delivery.sender)
        secret = ctx.secret()
        for member in recipients(s, m, workplace):
            if member.email in have:
                continue
            s.add(
                Delivery(
                    minutes_id=minutes_id,
                    email=member.email,
                    name=member.name,
                    role=member.role,
                    message_id=distribution_message_id(minutes_id, m.version, member.email, domain, secret),
                )
            )
        m.state = MinutesState.DISTRIBUTING


def recipients(s: Session, m: MinutesRow, workplace: Workplace) -> list[Member]:
    """Return who gets a version: the roster, and everyone who got the version it corrects."""
    people = list(workplace.members)
    if m.replaces_id:
        on_roster = {p.email for p in people}
        for d in s.scalars(
            select(Delivery).where(Delivery.minutes_id == m.replaces_id, Delivery.state == DeliveryState.SENT)
            .order_by(Delivery.id)
        ):
            if d.email not in on_roster:  # left the roster since, but holds the old version
                people.append(Member(name=d.name, email=d.email, role=d.role))
                on_roster.add(d.email)
    return people


def sender_domain(address: str) -> str:
    """Return the domain of Minnes's sender address, for Message-IDs."""
    return parseaddr(address)[1].rpartition("@")[2] or "minnes.invalid"


def unfinished(s: Session, times: SweepTimes) -> list[int]:
    """Return the minutes that are structured or signed but have no deliveries yet."""
    return list(
        s.scalars(
            select(MinutesRow.id).where(MinutesRow.state.in_((MinutesState.STRUCTURED, MinutesState.SIGNED)))
        )
    )


SWEPT = Unfinished("sign", unfinished)
"""What the sweeper asks of this step."""
