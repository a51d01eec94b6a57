"""Accept: store a raw message durably, once, and ask for its processing.

A message is the same message only when its bytes are the same (the SHA-256 of the stored bytes is
unique): the same bytes again return the row already kept. A Message-ID is no key: a sender's mail
program may send new content under an old Message-ID (a corrected draft, a resend), so a known
Message-ID with other content is a new message, marked ``message_id_reused`` and logged.
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from service.archive.db import ArchiveError, Inbound
from service.steps.context import StepContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Accepted:
    """The answer of :func:`accept`."""

    id: int
    """The inbound message's id."""

    created: bool
    """False when the same message had been taken in before."""


def accept(
    ctx: StepContext, raw: bytes, *, source: str, source_ref: object = "", size: int | None = None
) -> Accepted:
    """Store a raw message durably, deduplicated by its content, then enqueue its processing.

    ``size`` is the message's real size when ``raw`` is only the header block of a message the intake
    found too large to take in (processing rejects it as ``message_too_large``); default ``len(raw)``.
    """
    size = len(raw) if size is None else max(size, len(raw))
    key = ctx.files.put(raw)
    message_id = message_id_of(raw)
    try:
        with ctx.db.session() as s:
            existing = s.scalar(select(Inbound.id).where(Inbound.sha256 == key))
            if existing is not None:
                return Accepted(existing, False)
            earlier = None
            if message_id:
                earlier = s.scalar(
                    select(Inbound.id).where(Inbound.message_id == message_id).order_by(Inbound.id).limit(1)
                )
            row = Inbound(
                sha256=key,
                message_id=message_id,
                size=size,
                source=source,
                source_ref=json.dumps(source_ref, ensure_ascii=False, default=str),
                message_id_reused=earlier is not None,
            )
            s.add(row)
            s.flush()
            ident = row.id
    except ArchiveError as exc:
        if not isinstance(exc.__cause__, IntegrityError):
            raise
        # The same bytes were stored by another intake at the same moment: that row is this message.
        with ctx.db.session() as s:
            existing = s.scalar(select(Inbound.id).where(Inbound.sha256 == key))
        if existing is None:
            raise
        return Accepted(existing, False)
    if earlier is not None:
        log.warning(
            "inkommande #%s har samma Message-ID %s som #%s men annat innehåll; tas emot som nytt",
            ident, message_id, earlier,
        )
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
