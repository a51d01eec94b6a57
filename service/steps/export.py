"""Export: read one workplace's year from the archive, write its information package, record the export."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from service.archive.audit import AuditAction, record
from service.archive.claims import RequestKind
from service.archive.db import Delivery, GateRequest, Inbound, MinutesRow, utcnow
from service.archive.files import StorageError
from service.archive.records import ExportRecord, removed_raw
from service.domain.package import build, objid_of
from service.domain.package_facts import (
    ApprovalFacts,
    Chosen,
    DeliveryFacts,
    Package,
    PackageFacts,
    VersionFacts,
    choose,
)
from service.fileio import fsync_dir, write_atomically
from service.steps.context import StepContext

SOFTWARE_VERSION = "0.1.0"
"""Minnes's version, as the package's creating agent names it."""


class ExportError(Exception):
    """The package could not be written."""


@dataclass(frozen=True)
class Exported:
    """What one export wrote."""

    path: Path
    """The package folder (METS.xml at its root)."""
    minutes: int
    """How many minutes versions it holds."""
    drafts: int
    """How many raw drafts it holds."""
    files: int
    """How many files it has."""


def _software_version() -> str:
    try:
        from importlib.metadata import version

        return version("minnes")
    except Exception:  # noqa: BLE001 - not installed as a distribution: the source's version
        return SOFTWARE_VERSION


def gather(
    ctx: StepContext, workplace_id: str, year: int, *, with_drafts: bool, now: dt.datetime | None = None
) -> PackageFacts:
    """Read what the package of a workplace's year is made from."""
    wp = ctx.config.workplace(workplace_id)
    with ctx.db.session() as s:
        rows = list(
            s.scalars(
                select(MinutesRow)
                .where(
                    MinutesRow.workplace_id == workplace_id,
                    MinutesRow.meeting_date.like(f"{year:04d}-%"),
                )
                .order_by(MinutesRow.meeting_date, MinutesRow.version)
            )
        )
        ids = [r.id for r in rows]
        settled = (
            dict(
                s.execute(
                    select(Delivery.minutes_id, func.max(Delivery.updated_at))
                    .where(Delivery.minutes_id.in_(ids))
                    .group_by(Delivery.minutes_id)
                ).all()
            )
            if ids
            else {}
        )
        approvals = (
            [
                ApprovalFacts(r.minutes_id, r.name, r.email, r.answer, r.created_at, r.answered_at)
                for r in s.scalars(
                    select(GateRequest).where(
                        GateRequest.minutes_id.in_(ids), GateRequest.kind == RequestKind.APPROVAL.value
                    )
                )
            ]
            if ids
            else []
        )
        deliveries = (
            [
                DeliveryFacts(d.minutes_id, d.name, d.email, d.role, d.state, d.sent_at)
                for d in s.scalars(select(Delivery).where(Delivery.minutes_id.in_(ids)))
            ]
            if ids
            else []
        )
    versions = tuple(
        VersionFacts(
            r.id,
            r.inbound_id,
            r.meeting_date,
            r.version,
            r.state,
            r.pdf_sha256,
            r.data,
            r.signed_at,
            r.finished_at,
            settled.get(r.id),
        )
        for r in rows
    )
    return PackageFacts(
        workplace_id=workplace_id,
        workplace_name=wp.name,
        organisation=wp.organisation,
        year=year,
        created=(now or utcnow()).replace(microsecond=0),
        software_version=_software_version(),
        versions=versions,
        approvals=tuple(approvals),
        deliveries=tuple(deliveries),
        with_drafts=with_drafts,
    )


def _write(folder: Path, package: Package, progress: Callable[[int, int], None]) -> None:
    """Write every file under a new folder (METS.xml last), each fsynced."""
    try:
        folder.mkdir(parents=True, exist_ok=False)
    except FileExistsError:
        raise ExportError(f"{folder} finns redan") from None
    except OSError as exc:
        raise ExportError(f"kan inte skapa {folder}: {exc.strerror}") from exc
    made: set[Path] = {folder}
    total = len(package.files)
    try:
        for n, (rel, data) in enumerate(package.files, 1):
            path = folder / rel
            for parent in reversed(path.relative_to(folder).parents[:-1]):
                sub = folder / parent
                if sub not in made:
                    sub.mkdir(exist_ok=True)
                    made.add(sub)
            write_atomically(path, data)
            progress(n, total)
        for sub in made:
            fsync_dir(sub)
    except OSError as exc:
        raise ExportError(f"kan inte skriva paketet i {folder}: {exc.strerror}") from exc


def _read(
    ctx: StepContext, chosen: list[Chosen], with_drafts: bool, progress: Callable[[int, int], None]
) -> tuple[dict[str, bytes], dict[int, bytes]]:
    """Read the PDFs (and the raw drafts still stored) of the chosen versions from the store."""
    drafts_wanted: dict[int, str] = {}
    if with_drafts:
        with ctx.db.session() as s:
            gone = removed_raw(s)
            ids = [c.facts.inbound_id for c in chosen]
            keys = {i.id: i.sha256 for i in s.scalars(select(Inbound).where(Inbound.id.in_(ids)))}
        drafts_wanted = {i: k for i, k in keys.items() if k and i not in gone}
    total = len(chosen) + len(drafts_wanted)
    pdfs: dict[str, bytes] = {}
    drafts: dict[int, bytes] = {}
    try:
        for n, c in enumerate(chosen, 1):
            pdfs[c.facts.pdf_sha256] = ctx.files.get(c.facts.pdf_sha256)
            progress(n, total)
        for n, (inbound_id, key) in enumerate(sorted(drafts_wanted.items()), len(chosen) + 1):
            if ctx.files.exists(key):
                drafts[inbound_id] = ctx.files.get(key)
            progress(n, total)
    except StorageError as exc:
        raise ExportError(f"arkivets filer kunde inte läsas: {exc}") from exc
    return pdfs, drafts


def export(
    ctx: StepContext,
    workplace_id: str,
    year: int,
    out: Path,
    *,
    with_drafts: bool = False,
    progress: Callable[[int, int], None] = lambda done, total: None,
    reading: Callable[[int, int], None] = lambda done, total: None,
    now: dt.datetime | None = None,
) -> Exported | None:
    """Write the information package of a workplace's year under ``out``; None when nothing went out.

    ``reading`` is told how many stored files were read, ``progress`` how many package files written.
    """
    facts = gather(ctx, workplace_id, year, with_drafts=with_drafts, now=now)
    chosen = choose(facts.versions)
    if not chosen:
        return None
    pdfs, drafts = _read(ctx, chosen, with_drafts, reading)
    while (Path(out) / objid_of(facts)).exists():  # one made in the same second: the next second's name
        facts = dataclasses.replace(facts, created=facts.created + dt.timedelta(seconds=1))
    package = build(facts, pdfs, drafts)
    if package is None:
        return None
    folder = Path(out) / package.objid
    _write(folder, package, progress)
    with ctx.db.session() as s:
        s.add(
            ExportRecord(
                workplace_id=workplace_id,
                year=year,
                with_drafts=with_drafts,
                path=str(folder.resolve()),
                package_id=package.objid,
                minutes_ids=json.dumps(list(package.minutes_ids)),
                inbound_ids=json.dumps(list(package.inbound_ids)),
                created_at=facts.created,
            )
        )
        record(
            s,
            "minnes",
            AuditAction.EXPORT,
            target=f"export/{package.objid}",
            workplace_id=workplace_id,
            detail=f"{len(package.minutes_ids)} versioner, {len(package.inbound_ids)} utkast, {year}",
        )
    return Exported(folder, len(package.minutes_ids), len(package.inbound_ids), len(package.files))
