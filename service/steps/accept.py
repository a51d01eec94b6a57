"""Accept: store a raw message durably, once, and ask for its processing."""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import dataclass

from sqlalchemy import select

from service.archive.db import Inbound
from service.steps.context import StepContext


@dataclass(frozen=True)
class Accepted:
    """The answer of :func:`accept`."""

    id: int
    """The inbound message's id."""

    created: bool
    """False when the same message had been taken in before."""


def accept(ctx: StepContext, raw: bytes, *, source: str, source_ref: object = "") -> Accepted:
    """Store a raw message durably, deduplicated, then enqueue its processing."""
    key = ctx.files.put(raw)
    message_id = message_id_of(raw)
    with ctx.db.session() as s:
        existing = s.scalar(select(Inbound).where(Inbound.sha256 == key))
        if existing is None and message_id:
            existing = s.scalar(select(Inbound).where(Inbound.message_id == message_id))
        if existing is not None:
            return Accepted(existing.id, False)
        row = Inbound(
            sha256=key,
            message_id=message_id,
            size=len(raw),
            source=source,
            source_ref=json.dumps(source_ref, ensure_ascii=False, default=str),
        )
        s.add(row)
        s.flush()
        ident = row.id
    ctx.enqueue("process", ident)
    return Accepted(ident, True)


def message_id_of(raw: bytes) -> str:
    """Return the Message-ID header of a raw message, or ''."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:65536]
    try:
        msg = email.message_from_bytes(head + b"\n\n", policy=email.policy.compat32)
        value = msg.get("Message-ID", "") or ""
    except Exception:  # noqa: BLE001 - a malformed header is just no id
        return ""
    return " ".join(str(value).split())[:998]
