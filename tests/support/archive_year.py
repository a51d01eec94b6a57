"""A workplace year in the archive: hemtjanst-norr's three meetings of 2026, the last one corrected."""

from __future__ import annotations

from sqlalchemy import select

from service.archive.db import Inbound, MinutesRow
from service.bootstrap import Services
from tests.support.drafts import authenticated, corpus_draft

MEETINGS = ("2026-09-18", "2026-10-16", "2026-11-20")
"""The meeting days of the year (d01 moved to each)."""

CORRECTION = (b"Inga =C3=B6vriga fr=C3=A5gor.",
              b"Inga =C3=B6vriga fr=C3=A5gor. Julbordet flyttas till fredag.")
"""What the correction of the last meeting changes."""


def draft(day: str, tag: str, *, corrected: bool = False) -> bytes:
    """Return d01 moved to ``day``, with a Message-ID of its own, authenticated by the trusted MX."""
    raw = corpus_draft("d01-plain-numbered").replace(b"2026-11-20", day.encode())
    raw = raw.replace(b"<97975240040@mail.exempelby.se>", f"<{tag}@mail.exempelby.se>".encode())
    if corrected:
        assert CORRECTION[0] in raw
        raw = raw.replace(*CORRECTION)
    return authenticated(raw)


def take_through(services: Services, raw: bytes) -> int:
    """Take a draft through the pipeline (accept, process, sign, distribute); return its minutes id."""
    pipeline = services.pipeline
    accepted = pipeline.accept(raw, source="test")
    pipeline.process(accepted.id)
    with services.db.session() as s:
        minutes_id = s.get(Inbound, accepted.id).minutes_id
    assert minutes_id, "the draft was not accepted"
    pipeline.sign(minutes_id)
    pipeline.distribute(minutes_id)
    return minutes_id


def seed_year(services: Services) -> dict[str, int]:
    """Publish the three meetings and a correction of the last; return minutes ids by name."""
    ids = {day: take_through(services, draft(day, f"year-{n}")) for n, day in enumerate(MEETINGS)}
    ids["correction"] = take_through(services, draft(MEETINGS[-1], "year-correction", corrected=True))
    return ids


def states(services: Services) -> dict[int, str]:
    """Return every minutes version's state by id."""
    with services.db.session() as s:
        return {m.id: m.state for m in s.scalars(select(MinutesRow))}
