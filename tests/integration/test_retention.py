"""`minnes retention` on a seeded archive: what a plan allows is listed, then removed and audited."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select, update

from service.archive.audit import AuditAction, AuditEvent
from service.archive.db import ActionRow, Delivery, GateRequest, Inbound, MinutesRow, OutgoingMail, utcnow
from service.archive.records import Removal, RetentionRun
from service.archive.search import entries
from service.bootstrap import Services
from service.cli import main
from service.config import load_config
from service.steps.export import export
from service.steps.retention import apply_retention, find, run_daily
from tests.support.archive_year import seed_year, take_through
from tests.support.configs import make_config
from tests.support.drafts import authenticated, corpus_draft
from workers.runner import run_sweeper

PLAN = "[retention]\nraw_message_days = 365\nminutes_years = 0\n"
"""A plan of one year for raw drafts and none for minutes (kept for ever)."""
WP = "hemtjanst-norr"


def _not_minutes(tag: str) -> bytes:
    return authenticated(
        f"From: Anna Svensson <anna.svensson@exempelby.se>\r\nTo: apt@exempelby.se\r\nSubject: Hej\r\n"
        f"Message-ID: <{tag}@mail.exempelby.se>\r\nDate: Fri, 20 Nov 2026 10:00:00 +0100\r\n\r\n"
        "Hej, kan vi ses?\r\n".encode())


def _rejected(services: Services, tag: str, received: dt.datetime) -> int:
    accepted = services.pipeline.accept(_not_minutes(tag), source="test")
    services.pipeline.process(accepted.id)
    with services.db.session() as s:
        inbound = s.get(Inbound, accepted.id)
        assert inbound.state == "rejected"
        inbound.received_at = received
    return accepted.id


def _distributed_at(services: Services, minutes_id: int, when: dt.datetime) -> None:
    with services.db.session() as s:
        s.execute(update(Delivery).where(Delivery.minutes_id == minutes_id).values(updated_at=when))


def _inbound_of(services: Services, minutes_id: int) -> Inbound:
    with services.db.session() as s:
        return s.get(Inbound, s.get(MinutesRow, minutes_id).inbound_id)


def _workplace_rules(config_dir: Path, text: str) -> None:
    path = config_dir / "workplaces" / f"{WP}.toml"
    toml = path.read_text(encoding="utf-8")
    roster = 'roster = "hemtjanst-norr.csv"\n'
    path.write_text(toml.replace(roster, roster + text, 1), encoding="utf-8")


def test_dry_run_lists_what_the_plan_allows_and_the_run_removes_and_audits_it(tmp_path, database_url, capsys):
    config = make_config(tmp_path / "config", database_url=database_url, extra=PLAN)
    long_ago = utcnow() - dt.timedelta(days=400)
    with Services(config, queue=False) as services:
        ids = seed_year(services)
        for day in ("2026-09-18", "2026-10-16"):
            _distributed_at(services, ids[day], long_ago)
        old_rejected = _rejected(services, "old-rejected", long_ago)
        _rejected(services, "new-rejected", utcnow() - dt.timedelta(days=10))
        due = {_inbound_of(services, ids["2026-09-18"]).id, _inbound_of(services, ids["2026-10-16"]).id,
               old_rejected}
        with services.db.session() as s:
            keys = {i.id: i.sha256 for i in s.scalars(select(Inbound))}
            pdfs = [m.pdf_sha256 for m in s.scalars(select(MinutesRow))]

    assert main(["retention", "--config", str(tmp_path / "config"), "--dry-run"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0] == ("gallring (provkörning): 3 utkast och 0 versioner av minnesanteckningar "
                         "skulle tas bort")
    assert sorted(int(line.split("#")[1].split()[0]) for line in listed[1:]) == sorted(due)
    with Services(config, queue=False) as services:
        assert all(services.files.exists(k) for k in keys.values())  # a dry run removes nothing
        with services.db.session() as s:
            assert s.scalar(select(func.count()).select_from(Removal)) == 0

    assert main(["retention", "--config", str(tmp_path / "config")]) == 0
    removed = capsys.readouterr().out
    assert removed.startswith("gallring: 3 utkast och 0 versioner av minnesanteckningar togs bort")
    with Services(config, queue=False) as services:
        for inbound_id, key in keys.items():
            assert services.files.exists(key) is (inbound_id not in due), inbound_id
        assert all(services.files.exists(k) for k in pdfs)
        with services.db.session() as s:
            removal = AuditEvent.action == AuditAction.REMOVAL.value
            audited = list(s.scalars(select(AuditEvent).where(removal)))
            assert sorted(e.target for e in audited) == sorted(f"inbound/{i}" for i in due)
            assert {r.inbound_id for r in s.scalars(select(Removal))} == due
            assert s.scalar(select(func.count()).select_from(MinutesRow)) == 4
    assert main(["retention", "--config", str(tmp_path / "config"), "--dry-run"]) == 0
    assert capsys.readouterr().out.strip() == "gallring: inget att ta bort"


def test_export_before_removal_holds_raw_drafts_until_an_export_with_drafts(tmp_path):
    config_dir = tmp_path / "config"
    make_config(config_dir, extra=PLAN)
    _workplace_rules(config_dir, "export_before_removal = true\n")
    config = load_config(config_dir)
    assert config.workplaces[WP].export_before_removal
    later = utcnow() + dt.timedelta(days=400)
    with Services(config, queue=False) as services:
        seed_year(services)
        ctx = services.pipeline.context
        with services.db.session() as s:
            assert find(ctx, s, later).drafts == ()
        assert export(ctx, WP, 2026, tmp_path / "out") is not None
        with services.db.session() as s:
            assert find(ctx, s, later).drafts == ()  # that export held no drafts
        assert export(ctx, WP, 2026, tmp_path / "out", with_drafts=True) is not None
        with services.db.session() as s:
            assert len(find(ctx, s, later).drafts) == 4
            assert find(ctx, s, later).minutes == ()  # minutes_years = 0: kept for ever


def test_minutes_go_after_their_years_once_exported_with_what_hangs_on_them(
    tmp_path, database_url, storage_backend
):
    config_dir = tmp_path / "config"
    make_config(config_dir, database_url=database_url, extra=PLAN, **storage_backend)
    _workplace_rules(config_dir, "retention_years = 1\nexport_before_removal = true\n")
    config = load_config(config_dir)
    later = dt.datetime(2028, 1, 10)
    with Services(config, queue=False) as services:
        ids = seed_year(services)
        other = take_through(services, authenticated(corpus_draft("d02-outlook-html")))
        ctx = services.pipeline.context
        with services.db.session() as s:
            mine = list(s.scalars(select(MinutesRow).where(MinutesRow.workplace_id == WP)))
            keys = {m.pdf_sha256 for m in mine} | {s.get(Inbound, m.inbound_id).sha256 for m in mine}
            shared = mine[0].pdf_sha256
            # Another row names the same bytes: that blob must stay.
            s.get(MinutesRow, other).pdf_sha256 = shared
            other_inbound = s.get(MinutesRow, other).inbound_id
            other_raw = s.get(Inbound, other_inbound).sha256
        assert apply_retention(ctx, now=later).minutes == ()  # not exported yet
        export(ctx, WP, 2026, tmp_path / "out")
        assert apply_retention(ctx, dry_run=True, now=later).minutes != ()
        done = apply_retention(ctx, now=later)
        assert sorted(m.minutes_id for m in done.minutes) == sorted(ids.values())
        with services.db.session() as s:
            gone = list(ids.values())
            assert s.scalars(select(MinutesRow).where(MinutesRow.id.in_(gone))).all() == []
            for table, column in ((Delivery, Delivery.minutes_id), (GateRequest, GateRequest.minutes_id),
                                  (ActionRow, ActionRow.minutes_id)):
                assert s.scalar(select(func.count()).select_from(table).where(column.in_(gone))) == 0
            assert s.execute(select(entries).where(entries.c.minutes_id.in_(gone))).all() == []
            assert s.scalar(select(func.count()).select_from(Inbound).where(Inbound.workplace_id == WP)) == 0
            assert not [k for k in s.scalars(select(OutgoingMail.key)) if k.startswith("receipt:")
                        and int(k.split(":")[1]) not in {i for i in s.scalars(select(Inbound.id))}]
            audited = [e.target for e in s.scalars(select(AuditEvent).where(
                AuditEvent.action == AuditAction.REMOVAL.value))]
            # ekbackens-skola keeps its minutes (the plan's 0 years); its raw draft went after a year
            assert sorted(audited) == sorted([f"minutes/{i}" for i in gone] + [f"inbound/{other_inbound}"])
            assert s.get(MinutesRow, other) is not None and s.get(Inbound, other_inbound) is not None
        for key in keys:
            assert services.files.exists(key) is (key == shared), key
        assert not services.files.exists(other_raw)
    assert (tmp_path / "out").exists() and list((tmp_path / "out").rglob("*.pdf"))


def test_the_sweeper_runs_retention_once_a_day(tmp_path, database_url):
    config = make_config(tmp_path / "config", database_url=database_url, extra=PLAN)
    assert run_sweeper(config, once=True) == 0
    with Services(config, queue=False) as services:
        with services.db.session() as s:
            assert list(s.scalars(select(RetentionRun.day))) == [utcnow().date().isoformat()]
        ctx = services.pipeline.context
        today = dt.datetime(2027, 3, 1, 8, 0)
        assert run_daily(ctx, now=today) is not None
        assert run_daily(ctx, now=today + dt.timedelta(hours=5)) is None
        assert run_daily(ctx, now=today + dt.timedelta(days=1)) is not None
        with services.db.session() as s:
            assert sorted(s.scalars(select(RetentionRun.day)))[-2:] == ["2027-03-01", "2027-03-02"]
