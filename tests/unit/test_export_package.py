"""The pure part of `minnes export`: which versions go in, the records, and the METS/PREMIS/DC files."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import xml.etree.ElementTree as ET

import pytest

from service.domain.eark import CSIP, METS, XLINK
from service.domain.package import build
from service.domain.package_facts import (
    NO_JUSTERING,
    ApprovalFacts,
    DeliveryFacts,
    PackageFacts,
    VersionFacts,
    choose,
    delivery_csv,
    justering_csv,
)
from service.domain.premis import OAI_DC_XSD, PREMIS, SIMPLE_DC_XSD

T = dt.datetime(2026, 12, 1, 12, 0)
NS = {"mets": METS, "xlink": XLINK, "premis": PREMIS, "csip": CSIP}


def _v(mid: int, date: str, version: int = 1, state: str = "distributed", **kw: object) -> VersionFacts:
    return VersionFacts(mid, 100 + mid, date, version, state, pdf_sha256=f"{mid:064x}",
                        data=json.dumps({"meeting": {"date": date}}), signed_at=T, **kw)


def _facts(versions: tuple[VersionFacts, ...], **kw: object) -> PackageFacts:
    return PackageFacts("hemtjanst-norr", "Hemtjänst Norr", "Exempelby kommun", 2026, T, "0.1.0", versions,
                        **kw)


YEAR = (
    _v(1, "2026-09-18"),
    _v(2, "2026-10-16"),
    _v(3, "2026-11-20"),
    _v(4, "2026-11-20", 2),
    _v(5, "2026-10-16", 2, state="signed"),  # a correction that never went out
    _v(6, "2026-11-20", 3, state="held"),
)


def test_choose_takes_what_went_out_each_replaced_by_the_next():
    chosen = choose(YEAR)
    assert [(c.facts.minutes_id, c.replaced_by) for c in chosen] == [(1, None), (2, None), (3, 4), (4, None)]


def test_choose_skips_versions_without_a_pdf_and_the_never_sent():
    assert choose((_v(1, "2026-01-01", state="expired"), _v(2, "2026-02-01", state="stopped"))) == []
    no_pdf = VersionFacts(3, 3, "2026-03-01", 1, "distributed")
    assert choose((no_pdf,)) == []
    assert choose((_v(4, "2026-04-01", state="distributing"),))[0].facts.minutes_id == 4


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_justering_record_names_who_approved_and_says_when_nobody_was_asked():
    chosen = choose(YEAR)
    later = T + dt.timedelta(hours=2)
    approvals = [ApprovalFacts(3, "Karin Berg", "karin.berg@exempelby.se", "confirmed", T, later),
                 ApprovalFacts(5, "Karin Berg", "karin.berg@exempelby.se", "confirmed", T, T)]  # not exported
    rows = _rows(justering_csv(chosen, approvals))
    assert rows[0][:5] == ["mote", "version", "justerare", "adress", "svar"]
    assert ["2026-11-20", "1", "Karin Berg", "karin.berg@exempelby.se", "justerat"] == rows[3][:5]
    assert rows[3][6] == "2026-12-01T14:00:00"
    assert rows[1][4] == NO_JUSTERING and rows[1][7] == "2026-12-01T12:00:00"
    assert len(rows) == 1 + 4


def test_delivery_record_lists_each_recipient_of_exported_versions():
    chosen = choose(YEAR)
    deliveries = [DeliveryFacts(1, "Anna Svensson", "anna@exempelby.se", "employee", "sent", T),
                  DeliveryFacts(1, "Johan Ek", "johan@exempelby.se", "employee", "failed", None),
                  DeliveryFacts(5, "Johan Ek", "johan@exempelby.se", "employee", "sent", T)]
    rows = _rows(delivery_csv(chosen, deliveries))
    assert rows == [
        ["mote", "version", "mottagare", "adress", "roll", "status", "skickat_utc"],
        ["2026-09-18", "1", "Anna Svensson", "anna@exempelby.se", "medarbetare", "nådd",
         "2026-12-01T12:00:00"],
        ["2026-09-18", "1", "Johan Ek", "johan@exempelby.se", "medarbetare", "ej nådd", ""],
    ]


def _package(with_drafts: bool = False):  # noqa: ANN202
    pdfs = {v.pdf_sha256: b"%PDF-1.4 " + str(v.minutes_id).encode() for v in YEAR}
    drafts = {v.inbound_id: b"Subject: APT\r\n\r\nutkast\r\n" for v in YEAR}
    return build(_facts(YEAR, with_drafts=with_drafts), pdfs, drafts)


def test_nothing_to_export_builds_nothing():
    assert build(_facts((_v(1, "2026-01-01", state="held"),)), {}) is None


def test_package_files_and_what_it_holds():
    package = _package()
    paths = [p for p, _ in package.files]
    assert paths[-1] == "METS.xml"
    assert package.objid == "minnes-hemtjanst-norr-2026-20261201T120000Z"
    assert package.minutes_ids == (1, 2, 3, 4) and package.inbound_ids == ()
    pdfs = sorted(p for p in paths if p.endswith(".pdf"))
    assert pdfs == [
        "representations/rep1/data/2026-09-18/hemtjanst-norr-2026-09-18-v1.pdf",
        "representations/rep1/data/2026-10-16/hemtjanst-norr-2026-10-16-v1.pdf",
        "representations/rep1/data/2026-11-20/hemtjanst-norr-2026-11-20-v1.pdf",
        "representations/rep1/data/2026-11-20/hemtjanst-norr-2026-11-20-v2.pdf",
    ]
    assert sum(p.endswith(".json") for p in paths) == 4
    assert not any(p.endswith(".eml") for p in paths)
    for wanted in ("metadata/descriptive/dc.xml", "metadata/preservation/premis.xml",
                   "documentation/justering.csv", "documentation/utskick.csv", "schemas/oai_dc.xsd",
                   "representations/rep1/METS.xml"):
        assert wanted in paths


def test_drafts_only_when_asked_for():
    package = _package(with_drafts=True)
    emls = [p for p, _ in package.files if p.endswith(".eml")]
    assert len(emls) == 4 and all(p.startswith("representations/rep3/data/") for p in emls)
    assert package.inbound_ids == (101, 102, 103, 104)


def test_every_file_is_in_a_mets_with_its_sha256_and_size():
    files = dict(_package(with_drafts=True).files)
    listed: dict[str, tuple[str, str]] = {}
    for mets_path in [p for p in files if p.endswith("METS.xml")]:
        base = mets_path.rsplit("METS.xml", 1)[0]
        root = ET.fromstring(files[mets_path])
        for el in root.iter():
            if el.tag in (f"{{{METS}}}file", f"{{{METS}}}mdRef"):
                href = el.get(f"{{{XLINK}}}href") or el.find(f"{{{METS}}}FLocat").get(f"{{{XLINK}}}href")
                assert el.get("CHECKSUMTYPE") == "SHA-256"
                listed[base + href] = (el.get("CHECKSUM"), el.get("SIZE"))
    for path, data in files.items():
        if path == "METS.xml":
            continue
        assert listed[path] == (hashlib.sha256(data).hexdigest(), str(len(data))), path


def test_root_mets_follows_csip():
    root = ET.fromstring(dict(_package().files)["METS.xml"])
    assert root.get("OBJID") and root.get("PROFILE")
    hdr = root.find("mets:metsHdr", NS)
    assert hdr.get(f"{{{CSIP}}}OAISPACKAGETYPE") in ("SIP", "DIP")
    creator = hdr.find("mets:agent[@ROLE='CREATOR']", NS)
    assert creator.get("OTHERTYPE") == "SOFTWARE" and creator.find("mets:name", NS).text == "Minnes"
    assert root.find("mets:dmdSec/mets:mdRef", NS).get("MDTYPE") == "DC"
    assert root.find("mets:amdSec/mets:digiprovMD/mets:mdRef", NS).get("MDTYPE") == "PREMIS"
    uses = [g.get("USE") for g in root.findall("mets:fileSec/mets:fileGrp", NS)]
    assert uses == ["Documentation", "Schemas", "Representations/rep1", "Representations/rep2"]
    struct = root.find("mets:structMap", NS)
    assert struct.get("LABEL") == "CSIP" and struct.get("TYPE") == "PHYSICAL"
    labels = [d.get("LABEL") for d in struct.findall("mets:div/mets:div", NS)]
    assert labels == ["Metadata", "Documentation", "Schemas", "Representations"]
    reps = struct.findall("mets:div/mets:div[@LABEL='Representations']/mets:div/mets:mptr", NS)
    assert [m.get(f"{{{XLINK}}}href") for m in reps] == ["representations/rep1/METS.xml",
                                                           "representations/rep2/METS.xml"]


def test_replaced_version_is_marked_in_mets_and_premis():
    files = dict(_package().files)
    rep = ET.fromstring(files["representations/rep1/METS.xml"])
    uses = {f.find("mets:FLocat", NS).get(f"{{{XLINK}}}href"): f.get("USE")
            for f in rep.iter(f"{{{METS}}}file")}
    assert uses["data/2026-11-20/hemtjanst-norr-2026-11-20-v1.pdf"] == "superseded"
    assert uses["data/2026-11-20/hemtjanst-norr-2026-11-20-v2.pdf"] == "current"
    premis = ET.fromstring(files["metadata/preservation/premis.xml"])
    relations = {}
    for obj in premis.findall("premis:object", NS):
        ident = obj.find("premis:objectIdentifier/premis:objectIdentifierValue", NS).text
        for rel in obj.findall("premis:relationship", NS):
            relations[ident] = (rel.find("premis:relationshipSubType", NS).text,
                                rel.find("premis:relatedObjectIdentifier/premis:relatedObjectIdentifierValue",
                                         NS).text)
    assert relations["file-pdf-3"] == ("is superseded by", "file-pdf-4")
    assert relations["file-pdf-4"] == ("supersedes", "file-pdf-3")
    events = {e.find("premis:eventType", NS).text for e in premis.findall("premis:event", NS)}
    assert {"digital signature generation", "replacement", "information package creation"} <= events


def test_descriptive_metadata_names_organisation_workplace_and_dates_and_fits_its_schema(tmp_path):
    etree = pytest.importorskip("lxml.etree")
    files = dict(_package().files)
    dc = ET.fromstring(files["metadata/descriptive/dc.xml"])
    values = [(el.tag.rsplit("}", 1)[1], el.text) for el in dc]
    assert ("creator", "Exempelby kommun") in values and ("contributor", "Hemtjänst Norr") in values
    assert [v for k, v in values if k == "date"] == ["2026-09-18", "2026-10-16", "2026-11-20"]
    (tmp_path / "oai_dc.xsd").write_bytes(OAI_DC_XSD)
    (tmp_path / "simpledc.xsd").write_bytes(SIMPLE_DC_XSD)
    schema = etree.XMLSchema(etree.parse(str(tmp_path / "oai_dc.xsd")))
    assert schema.validate(etree.fromstring(files["metadata/descriptive/dc.xml"])), schema.error_log


def test_pdfa_level_is_read_from_the_xmp():
    from service.domain.package import pdfa_format

    xmp = b"<pdfaid:part>1</pdfaid:part>\n<pdfaid:conformance>B</pdfaid:conformance>"
    assert pdfa_format(xmp) == "PDF/A-1b"
    assert pdfa_format(b'<rdf:Description pdfaid:part="2" pdfaid:conformance="B"/>') == "PDF/A-2b"
    assert pdfa_format(b"%PDF-1.7 no metadata") == "PDF"
