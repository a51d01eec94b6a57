"""Bounce: record a delivery status notification against the delivery it is about."""

from __future__ import annotations

from sqlalchemy import select

from service.archive.claims import DeliveryState, InboundState
from service.archive.db import Delivery, Inbound, MinutesRow, utcnow
from service.steps import settle
from service.steps.context import StepContext


def handle_bounce(ctx: StepContext, inbound_id: int, raw: bytes) -> bool:
    """Record a delivery status notification against its delivery; True when it was one."""
    from service.mail.bounces import is_dsn, parse_dsn

    if not is_dsn(raw):
        return False
    bounce = parse_dsn(raw, verp_secret=ctx.verp_secret())
    if bounce is not None and not bounce.permanent:
        bounce = None  # "delayed" and friends: the relay keeps trying; nothing to record
    minutes_id = None
    reason = ""
    with ctx.db.session() as s:
        hit = None
        if bounce is not None:
            reason = " ".join(x for x in (bounce.status, bounce.diagnostic) if x)
            if bounce.delivery_id:
                hit = s.get(Delivery, bounce.delivery_id)
            elif bounce.message_id and not ctx.settings.delivery.verp:
                # Without VERP the Message-ID is all there is; with VERP only a signed address counts.
                hit = s.scalar(select(Delivery).where(Delivery.message_id == bounce.message_id))
            if hit is not None and bounce.recipient and bounce.recipient.lower() != hit.email:
                hit = None  # a report about someone else than that delivery's recipient
        if hit is not None and hit.state != DeliveryState.FAILED:
            hit.state = DeliveryState.FAILED
            hit.last_answer = f"studsade: {reason}".strip()[:2000]
            hit.updated_at = utcnow()
            minutes_id = hit.minutes_id
            m = s.get(MinutesRow, minutes_id)
            if m is not None:
                m.report_sent = False
        row = s.get(Inbound, inbound_id)
        row.state = InboundState.BOUNCE
        row.claimed_at = None
        row.error_message = (reason or "leveransrapport utan misslyckad mottagare")[:2000]
    if minutes_id:
        settle.settle(ctx, minutes_id)
    return True
