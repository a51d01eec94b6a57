"""Bounce: record a delivery status notification against the delivery it is about.

A report changes a delivery only through a token Minnes signed with its own secret: the VERP return
path it was sent to, or the distribution Message-ID it quotes (keyed with the installation's secret).
It must name that delivery's recipient as its Final-Recipient, and only a delivery recorded as sent
can turn failed. What the remote server said is kept as its status code and a short diagnostic in
plain text, without links, since anyone can write a report.
"""

from __future__ import annotations

import re
from email.message import Message

from sqlalchemy import select

from service.archive.claims import DeliveryState, InboundState
from service.archive.db import Delivery, Inbound, MinutesRow, utcnow
from service.steps import settle
from service.steps.context import StepContext

DIAGNOSTIC_CHARS = 160
"""How much of the remote server's diagnostic is kept."""

_TAG = re.compile(r"</?[a-z][^<>@]*>", re.IGNORECASE)
_LINK = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S*", re.IGNORECASE)
_UNSAFE = re.compile(r"[^\w\s.,;:()@<>'\"/+=#%-]", re.UNICODE)


def plain_reason(status: str, diagnostic: str) -> str:
    """Return a bounce's status code and a short diagnostic as plain text, links and markup removed."""
    text = _LINK.sub("(länk borttagen)", _TAG.sub(" ", diagnostic))
    text = _UNSAFE.sub(" ", text)
    text = " ".join(text.split())
    if len(text) > DIAGNOSTIC_CHARS:
        text = text[:DIAGNOSTIC_CHARS].rsplit(" ", 1)[0] + " …"
    code = status if re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}", status or "") else ""
    return " ".join(x for x in (code, text) if x)


def handle_bounce(ctx: StepContext, inbound_id: int, raw: bytes | Message) -> bool:
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
            reason = plain_reason(bounce.status, bounce.diagnostic)
            if bounce.delivery_id:
                hit = s.get(Delivery, bounce.delivery_id)
            elif bounce.message_id and not ctx.settings.delivery.verp:
                # Without VERP the Message-ID is all there is; with VERP only a signed address counts.
                hit = s.scalar(select(Delivery).where(Delivery.message_id == bounce.message_id))
            if hit is not None and (bounce.recipient or "").lower() != hit.email:
                hit = None  # a report about someone else than that delivery's recipient
        if hit is not None and hit.state == DeliveryState.SENT:
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
