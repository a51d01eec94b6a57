"""`minnes export` of a workplace year: three meetings, one corrected, validated by eark-validator."""

from __future__ import annotations

import datetime as dt
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from sqlalchemy import select

from service.archive.audit import AuditAction, AuditEvent
from service.archive.db import GateRequest, Inbound, utcnow
from service.archive.records import ExportRecord
from service.bootstrap import Services
from service.cli import main
from service.domain.eark import METS, XLINK
from tests.support.archive_year import MEETINGS, draft, seed_year, states
from tests.support.configs import make_config
from tests.support.eark import validate


def _export(config_dir: Path, out: Path, *extra: str, year: str = "2026") -> int:
    return main(["export", "--config", str(config_dir), "--workplace", "hemtjanst-norr", "--year", year,
                 "-o", str(out), *extra])


def _package(out: Path) -> Path:
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    assert (folder / "METS.xml").is_file()
    return folder


def test_a_year_exported_passes_eark_validator_and_its_pdfs_verify(tmp_path, database_url, capsys):
    config = make_config(tmp_path / "config", database_url=database_url)
    with Services(config, queue=False) as services:
        ids = seed_year(services)
        # A correction of the October meeting that never went out (structured, not signed): not exported.
        raw = draft(MEETINGS[1], "year-unsent").replace(b"Inga =C3=B6vriga", b"Inga alls =C3=B6vriga")
        accepted = services.pipeline.accept(raw, source="test")
        services.pipeline.process(accepted.id)
        with services.db.session() as s:
            unsent = s.get(Inbound, accepted.id).minutes_id
        assert states(services)[unsent] == "structured"
    out = tmp_path / "export"
    assert _export(tmp_path / "config", out) == 0
    printed = capsys.readouterr().out
    assert "informationspaket skrivet" in printed and "4 versioner" in printed
    package = _package(out)

    verdict = validate(package)
    assert verdict.structure == "WellFormed", verdict.report
    assert verdict.errors == []

    pdfs = sorted(package.rglob("*.pdf"))
    assert [p.name for p in pdfs] == [
        "hemtjanst-norr-2026-09-18-v1.pdf", "hemtjanst-norr-2026-10-16-v1.pdf",
        "hemtjanst-norr-2026-11-20-v1.pdf", "hemtjanst-norr-2026-11-20-v2.pdf",
    ]
    for pdf in pdfs:
        assert main(["verify", "--config", str(tmp_path / "config"), str(pdf)]) == 0, pdf
        sig = subprocess.run(["pdfsig", str(pdf)], capture_output=True, text=True)
        assert "Signature is Valid" in sig.stdout, pdf
    assert len(list(package.rglob("*.json"))) == 4
    assert not list(package.rglob("*.eml"))

    rep = ET.parse(package / "representations" / "rep1" / "METS.xml").getroot()
    uses = {f.find(f"{{{METS}}}FLocat").get(f"{{{XLINK}}}href").rsplit("/", 1)[1]: f.get("USE")
            for f in rep.iter(f"{{{METS}}}file")}
    assert uses["hemtjanst-norr-2026-11-20-v1.pdf"] == "superseded"
    assert uses["hemtjanst-norr-2026-11-20-v2.pdf"] == "current"
    deliveries = (package / "documentation" / "utskick.csv").read_text(encoding="utf-8").splitlines()
    assert deliveries[0].startswith("mote,version,mottagare,adress")
    assert any(line.startswith("2026-11-20,2,") and ",nådd," in line for line in deliveries)
    assert (package / "documentation" / "justering.csv").is_file()
    readme = (package / "documentation" / "LASMIG.txt").read_text(encoding="utf-8")
    assert "2026-11-20 version 1: ersatt" in readme

    with Services(config, queue=False) as services, services.db.session() as s:
        (record,) = s.scalars(select(ExportRecord))
        assert record.workplace_id == "hemtjanst-norr" and record.year == 2026 and not record.with_drafts
        assert record.minutes == {ids["2026-09-18"], ids["2026-10-16"], ids["2026-11-20"], ids["correction"]}
        assert record.inbounds == set() and record.path == str(package.resolve())
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT.value)).one()


def test_drafts_only_with_drafts_and_nothing_to_export_is_exit_2(tmp_path, capsys):
    config = make_config(tmp_path / "config")
    with Services(config, queue=False) as services:
        ids = seed_year(services)
        with services.db.session() as s:  # as the justering step leaves an approved request
            asked = utcnow() - dt.timedelta(days=1)
            s.add(GateRequest(kind="approval", minutes_id=ids["correction"], email="karin.berg@exempelby.se",
                              name="Karin Berg", reply_hash="r" * 64, link_hash="l" * 64, created_at=asked,
                              expires_at=asked + dt.timedelta(days=14),
                              answered_at=asked + dt.timedelta(hours=3), answer="confirmed"))
    assert _export(tmp_path / "config", tmp_path / "none", year="2025") == 2
    assert "inget att exportera" in capsys.readouterr().err
    out = tmp_path / "with"
    assert _export(tmp_path / "config", out, "--with-drafts") == 0
    package = _package(out)
    emls = sorted(package.rglob("*.eml"))
    assert len(emls) == 4 and all("representations/rep3/data/" in str(p) for p in emls)
    assert b"Julbordet flyttas till fredag" in emls[-1].read_bytes()
    justering = (package / "documentation" / "justering.csv").read_text(encoding="utf-8").splitlines()
    approved = "2026-11-20,2,Karin Berg,karin.berg@exempelby.se,justerat,"
    assert any(line.startswith(approved) for line in justering)
    premis = (package / "metadata" / "preservation" / "premis.xml").read_text(encoding="utf-8")
    assert "Justerad av Karin Berg" in premis
    verdict = validate(package)
    assert verdict.structure == "WellFormed" and verdict.errors == []
    with Services(config, queue=False) as services, services.db.session() as s:
        (record,) = s.scalars(select(ExportRecord))
        assert record.with_drafts and len(record.inbounds) == 4
