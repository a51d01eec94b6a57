"""What an information package is made from, which versions go in, and its two records (CSV).

Pure: the caller reads the archive into these facts. Each meeting's versions that went out go in, the
earlier ones marked as replaced by the next; a version that never went out does not.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

WENT_OUT = frozenset({"distributing", "distributed"})
"""Minutes states of a version that was sent to its recipients (``MinutesState``)."""


@dataclass(frozen=True)
class VersionFacts:
    """One stored minutes version, as the archive has it."""

    minutes_id: int
    """Its id."""
    inbound_id: int
    """The draft it was made from."""
    meeting_date: str
    """The meeting's date, ISO."""
    version: int
    """1, or higher for a correction."""
    state: str
    """Its ``MinutesState`` value."""
    pdf_sha256: str = ""
    """The key of its signed PDF, '' when it has none."""
    data: str = "{}"
    """The structured minutes, JSON."""
    signed_at: dt.datetime | None = None
    """When its PDF was signed."""
    finished_at: dt.datetime | None = None
    """When it passed every gate (justerad)."""
    distributed_at: dt.datetime | None = None
    """When its last delivery settled."""


@dataclass(frozen=True)
class ApprovalFacts:
    """One justerare asked to approve one version."""

    minutes_id: int
    """The version."""
    name: str
    """The justerare's name."""
    email: str
    """Their address."""
    answer: str
    """How they answered (``Answer`` value), '' while open."""
    asked_at: dt.datetime | None = None
    """When they were asked."""
    answered_at: dt.datetime | None = None
    """When they answered."""


@dataclass(frozen=True)
class DeliveryFacts:
    """One recipient of one version."""

    minutes_id: int
    """The version."""
    name: str
    """The recipient's name."""
    email: str
    """Their address."""
    role: str
    """Their role on the roster."""
    state: str
    """``sent``, ``failed``… (``DeliveryState`` value)."""
    sent_at: dt.datetime | None = None
    """When the mail was handed over."""


@dataclass(frozen=True)
class PackageFacts:
    """Everything an information package of one workplace's year is made from."""

    workplace_id: str
    """The workplace's id."""
    workplace_name: str
    """Its name."""
    organisation: str
    """The organisation it belongs to."""
    year: int
    """The year of the meetings."""
    created: dt.datetime
    """When the package is made (UTC)."""
    software_version: str
    """Minnes's version."""
    versions: tuple[VersionFacts, ...]
    """The workplace's versions of meetings in that year (any state)."""
    approvals: tuple[ApprovalFacts, ...] = ()
    """The justering requests of those versions."""
    deliveries: tuple[DeliveryFacts, ...] = ()
    """The deliveries of those versions."""
    with_drafts: bool = False
    """Whether the raw drafts go in."""


@dataclass(frozen=True)
class Chosen:
    """A version that goes into the package."""

    facts: VersionFacts
    """The version."""
    replaced_by: int | None = None
    """The distributed version that replaced it; None for the current one."""


@dataclass(frozen=True)
class Package:
    """An information package, every file with its place."""

    objid: str
    """Its identifier, also its folder's name."""
    files: tuple[tuple[str, bytes], ...]
    """(path under the package folder, content), METS.xml last."""
    minutes_ids: tuple[int, ...]
    """The versions it holds."""
    inbound_ids: tuple[int, ...] = field(default=())
    """The drafts whose raw message it holds."""


def choose(versions: Iterable[VersionFacts]) -> list[Chosen]:
    """Return the versions that go in: per meeting every version that went out, each replaced by the next."""
    by_meeting: dict[str, list[VersionFacts]] = {}
    for v in versions:
        if v.state in WENT_OUT and v.pdf_sha256:
            by_meeting.setdefault(v.meeting_date, []).append(v)
    chosen: list[Chosen] = []
    for date in sorted(by_meeting):
        out = sorted(by_meeting[date], key=lambda v: v.version)
        for n, v in enumerate(out):
            chosen.append(Chosen(v, out[n + 1].minutes_id if n + 1 < len(out) else None))
    return chosen


def iso(moment: dt.datetime | None) -> str:
    """Return a moment as ISO 8601 to the second, '' for none."""
    return moment.replace(microsecond=0).isoformat() if moment else ""


def _csv(rows: Iterable[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


NO_JUSTERING = "ingen justering"
"""The answer column of a version no justerare was asked about (the workplace asks for none)."""

ANSWER_WORDS = {
    "confirmed": "justerat",
    "stopped": "stoppat",
    "comment": "kommentar",
    "expired": "inget svar i tid",
    "replaced": "ersatt av nytt utkast",
    "": "obesvarad",
}
"""The justering record's answers in the words an archivist reads (request answer values)."""

DELIVERY_WORDS = {
    "sent": "nådd",
    "failed": "ej nådd",
    "deferred": "försöker igen",
    "pending": "väntar",
    "sending": "skickas",
}
"""The delivery record's states in the words an archivist reads (delivery state values)."""

ROLE_WORDS = {
    "manager": "chef",
    "safety_rep": "skyddsombud",
    "union_rep": "facklig företrädare",
    "employee": "medarbetare",
}
"""Roster roles in Swedish."""


def justering_csv(chosen: list[Chosen], approvals: Iterable[ApprovalFacts]) -> bytes:
    """Return the justering record: who was asked to approve which version, how and when they answered.

    A version nobody was asked about has one row saying so, with the moment it became finished.
    """
    asked: dict[int, list[ApprovalFacts]] = {}
    for a in approvals:
        asked.setdefault(a.minutes_id, []).append(a)
    rows = [["mote", "version", "justerare", "adress", "svar", "fragad_utc", "svarade_utc", "justerat_utc"]]
    for c in chosen:
        v = c.facts
        done = iso(v.finished_at or v.signed_at)
        found = sorted(asked.get(v.minutes_id, []), key=lambda a: a.email)
        if not found:
            rows.append([v.meeting_date, str(v.version), "", "", NO_JUSTERING, "", "", done])
        for a in found:
            rows.append(
                [
                    v.meeting_date,
                    str(v.version),
                    a.name,
                    a.email,
                    ANSWER_WORDS.get(a.answer, a.answer),
                    iso(a.asked_at),
                    iso(a.answered_at),
                    iso(v.finished_at),
                ]
            )
    return _csv(rows)


def delivery_csv(chosen: list[Chosen], deliveries: Iterable[DeliveryFacts]) -> bytes:
    """Return the delivery record: who each version was sent to, whether they were reached, and when."""
    versions = {c.facts.minutes_id: c.facts for c in chosen}
    rows = [["mote", "version", "mottagare", "adress", "roll", "status", "skickat_utc"]]
    for d in sorted(deliveries, key=lambda d: (d.minutes_id, d.email)):
        v = versions.get(d.minutes_id)
        if v is not None:
            rows.append([
                v.meeting_date, str(v.version), d.name, d.email, ROLE_WORDS.get(d.role, d.role),
                DELIVERY_WORDS.get(d.state, d.state), iso(d.sent_at),
            ])
    return _csv(rows)
