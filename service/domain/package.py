"""Every file of an information package (FGS Paketstruktur 2.0 on E-ARK CSIP), from plain data.

Pure: the caller reads the archive (versions, approvals, deliveries, the stored PDFs and drafts) and
writes the files; here is decided what each file holds and where it goes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping

from service.domain.eark import FileRef, MetsDocument, Representation, mets_xml
from service.domain.package_facts import (
    Chosen,
    Package,
    PackageFacts,
    VersionFacts,
    choose,
    delivery_csv,
    iso,
    justering_csv,
)
from service.domain.premis import (
    OAI_DC_XSD,
    SIMPLE_DC_XSD,
    PremisAgent,
    PremisEvent,
    PremisObject,
    dublin_core_xml,
    premis_xml,
)


def _stem(facts: PackageFacts, v: VersionFacts) -> str:
    return f"{v.meeting_date}/{facts.workplace_id}-{v.meeting_date}-v{v.version}"


_PDFA_PART = re.compile(rb"pdfaid:part(?:>|=[\"'])\s*(\d)")
_PDFA_CONFORMANCE = re.compile(rb"pdfaid:conformance(?:>|=[\"'])\s*([ABUabu])")


def pdfa_format(pdf: bytes) -> str:
    """Return the PDF/A level its XMP metadata claims (``PDF/A-1b``), plain ``PDF`` when none."""
    part = _PDFA_PART.search(pdf)
    conformance = _PDFA_CONFORMANCE.search(pdf)
    if not part:
        return "PDF"
    return f"PDF/A-{part.group(1).decode()}{conformance.group(1).decode().lower() if conformance else ''}"


def objid_of(facts: PackageFacts) -> str:
    """Return the package's identifier: workplace, year and the moment it was made."""
    return f"minnes-{facts.workplace_id}-{facts.year}-{facts.created:%Y%m%dT%H%M%SZ}"


def _ref(path: str, data: bytes, mime: str, created: str, ident: str, **kw: str) -> FileRef:
    return FileRef(path, len(data), hashlib.sha256(data).hexdigest(), mime, created, ident, **kw)


def _readme(facts: PackageFacts, chosen: list[Chosen], with_drafts: bool) -> bytes:
    lines = [
        f"Informationspaket från Minnes: {facts.workplace_name} ({facts.organisation}), möten {facts.year}.",
        "",
        "METS.xml                              paketets struktur och kontrollsummor (SHA-256)",
        "metadata/descriptive/dc.xml           beskrivning: organisation, arbetsplats, mötesdatum",
        "metadata/preservation/premis.xml      bevarandemetadata: filer, signering, justering, utskick",
        "documentation/justering.csv           vem som justerade och när",
        "documentation/utskick.csv             vem protokollen skickades till och när",
        "representations/rep1/                 signerade protokoll (PDF/A), en mapp per möte",
        "representations/rep2/                 samma protokoll som strukturerade data (JSON)",
    ]
    if with_drafts:
        lines.append("representations/rep3/                 de ursprungliga utkasten (e-post, .eml)")
    lines += ["", "Möten och versioner:"]
    for c in chosen:
        v = c.facts
        note = "gällande" if c.replaced_by is None else "ersatt av en rättad version"
        lines.append(f"  {v.meeting_date} version {v.version}: {note}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _events(
    facts: PackageFacts, chosen: list[Chosen], ids: dict[int, str]
) -> tuple[list[PremisEvent], set[str]]:
    events: list[PremisEvent] = []
    people: set[str] = set()
    versions = {c.facts.minutes_id: c.facts.version for c in chosen}
    for c in chosen:
        v, obj = c.facts, ids[c.facts.minutes_id]
        if v.signed_at:
            events.append(
                PremisEvent(
                    f"event-sign-{v.minutes_id}",
                    "digital signature generation",
                    iso(v.signed_at),
                    f"PDF/A signerad, {v.meeting_date} version {v.version}",
                    agents=(("agent-minnes", "executing program"),),
                    objects=(obj,),
                )
            )
        approvers = tuple(
            a for a in facts.approvals if a.minutes_id == v.minutes_id and a.answer == "confirmed"
        )
        if approvers and v.finished_at:
            people.update(a.email for a in approvers)
            events.append(
                PremisEvent(
                    f"event-justering-{v.minutes_id}",
                    "validation",
                    iso(v.finished_at),
                    "Justerad av " + ", ".join(a.name or a.email for a in approvers),
                    agents=tuple((f"agent-{a.email}", "justerare") for a in approvers),
                    objects=(obj,),
                )
            )
        sent = [d for d in facts.deliveries if d.minutes_id == v.minutes_id]
        if sent:
            reached = sum(1 for d in sent if d.state == "sent")
            events.append(
                PremisEvent(
                    f"event-utskick-{v.minutes_id}",
                    "dissemination",
                    iso(v.distributed_at or max((d.sent_at for d in sent if d.sent_at), default=v.signed_at)),
                    f"Skickat till {reached} av {len(sent)} mottagare",
                    "success" if reached == len(sent) else "partial",
                    agents=(("agent-minnes", "executing program"),),
                    objects=(obj,),
                )
            )
        if c.replaced_by is not None:
            events.append(
                PremisEvent(
                    f"event-ersatt-{v.minutes_id}",
                    "replacement",
                    iso(v.distributed_at),
                    f"Ersatt av version {versions[c.replaced_by]}",
                    objects=(obj, ids[c.replaced_by]),
                )
            )
    return events, people


def build(
    facts: PackageFacts, pdfs: Mapping[str, bytes], drafts: Mapping[int, bytes] | None = None
) -> Package | None:
    """Return every file of the package (METS.xml last), or None when no version went out that year.

    ``pdfs`` are the stored PDFs by key; ``drafts`` the raw drafts by inbound id (with drafts only).
    """
    chosen = choose(facts.versions)
    if not chosen:
        return None
    created = iso(facts.created)
    objid = objid_of(facts)
    drafts = drafts if facts.with_drafts and drafts else {}
    files: list[tuple[str, bytes]] = []
    pdf_ids = {c.facts.minutes_id: f"file-pdf-{c.facts.minutes_id}" for c in chosen}
    json_ids = {c.facts.minutes_id: f"file-json-{c.facts.minutes_id}" for c in chosen}
    reps: list[Representation] = []
    all_objects: list[PremisObject] = []

    def representation(
        name: str, label: str, entries: list[tuple[str, bytes, str, str, str, Chosen]]
    ) -> None:
        refs, objects = [], []
        for path, data, mime, ident, fmt, c in entries:
            replaced = c.replaced_by is not None
            use = "superseded" if replaced else "current"
            refs.append(_ref(path, data, mime, created, ident, use=use, format_name=fmt))
            prefix = ident.rsplit("-", 1)[0]
            objects.append(
                PremisObject(
                    ident,
                    f"representations/{name}/{path}",
                    refs[-1].sha256,
                    len(data),
                    fmt,
                    superseded_by=f"{prefix}-{c.replaced_by}" if replaced else "",
                    supersedes=next(
                        (
                            f"{prefix}-{x.facts.minutes_id}"
                            for x in chosen
                            if x.replaced_by == c.facts.minutes_id
                        ),
                        "",
                    ),
                )
            )
            files.append((f"representations/{name}/{path}", data))
        premis = premis_xml(tuple(objects))
        files.append((f"representations/{name}/metadata/preservation/premis.xml", premis))
        premis_ref = _ref("metadata/preservation/premis.xml", premis, "text/xml", created, f"{name}-premis")
        rep_mets = mets_xml(
            MetsDocument(
                f"{objid}-{name}",
                label,
                created,
                facts.software_version,
                facts.organisation,
                preservation=(premis_ref,),
                data=tuple(refs),
                data_label=name,
            )
        )
        files.append((f"representations/{name}/METS.xml", rep_mets))
        reps.append(
            Representation(
                name,
                label,
                _ref(f"representations/{name}/METS.xml", rep_mets, "text/xml", created, f"file-{name}-mets"),
            )
        )
        all_objects.extend(objects)

    representation(
        "rep1",
        "Signerade protokoll (PDF/A)",
        [
            (
                f"data/{_stem(facts, c.facts)}.pdf",
                pdfs[c.facts.pdf_sha256],
                "application/pdf",
                pdf_ids[c.facts.minutes_id],
                pdfa_format(pdfs[c.facts.pdf_sha256]),
                c,
            )
            for c in chosen
        ],
    )
    representation(
        "rep2",
        "Strukturerade protokoll (JSON)",
        [
            (
                f"data/{_stem(facts, c.facts)}.json",
                _pretty_json(c.facts.data),
                "application/json",
                json_ids[c.facts.minutes_id],
                "JSON",
                c,
            )
            for c in chosen
        ],
    )
    inbound_ids = tuple(c.facts.inbound_id for c in chosen if c.facts.inbound_id in drafts)
    if inbound_ids:
        representation(
            "rep3",
            "Ursprungliga utkast (e-post)",
            [
                (
                    f"data/{_stem(facts, c.facts)}.eml",
                    drafts[c.facts.inbound_id],
                    "message/rfc822",
                    f"file-eml-{c.facts.minutes_id}",
                    "Internet Message Format (RFC 5322)",
                    c,
                )
                for c in chosen
                if c.facts.inbound_id in drafts
            ],
        )

    docs = [
        (
            "documentation/LASMIG.txt",
            _readme(facts, chosen, bool(inbound_ids)),
            "text/plain",
            "file-doc-readme",
        ),
        (
            "documentation/justering.csv",
            justering_csv(chosen, facts.approvals),
            "text/csv",
            "file-doc-justering",
        ),
        ("documentation/utskick.csv", delivery_csv(chosen, facts.deliveries), "text/csv", "file-doc-utskick"),
    ]
    schemas = [
        ("schemas/oai_dc.xsd", OAI_DC_XSD, "text/xml", "file-schema-oai-dc"),
        ("schemas/simpledc.xsd", SIMPLE_DC_XSD, "text/xml", "file-schema-dc"),
    ]
    for path, data, _mime, _ident in docs + schemas:
        files.append((path, data))
    events, people = _events(facts, chosen, pdf_ids)
    events.append(
        PremisEvent(
            "event-export",
            "information package creation",
            created,
            f"Informationspaket {objid} skapat",
            agents=(("agent-minnes", "executing program"),),
            objects=tuple(o.ident for o in all_objects),
        )
    )
    agents = [PremisAgent("agent-minnes", "Minnes", "software", f"version {facts.software_version}")]
    if facts.organisation:
        agents.append(PremisAgent("agent-organisation", facts.organisation, "organization"))
    names = {a.email: a.name for a in facts.approvals}
    agents += [
        PremisAgent(f"agent-{email}", names.get(email) or email, "person", email) for email in sorted(people)
    ]
    event_ids: dict[str, list[str]] = {}
    for e in events:
        for o in e.objects:
            event_ids.setdefault(o, []).append(e.ident)
    objects = tuple(
        PremisObject(
            o.ident,
            o.path,
            o.sha256,
            o.size,
            o.format_name,
            o.superseded_by,
            o.supersedes,
            tuple(event_ids.get(o.ident, ())),
        )
        for o in all_objects
    )
    premis = premis_xml(objects, tuple(events), tuple(agents))
    dc = dublin_core_xml(_description(facts, chosen))
    files += [("metadata/preservation/premis.xml", premis), ("metadata/descriptive/dc.xml", dc)]
    root = MetsDocument(
        objid,
        f"{facts.workplace_name}: minnesanteckningar {facts.year}",
        created,
        facts.software_version,
        facts.organisation,
        descriptive=(_ref("metadata/descriptive/dc.xml", dc, "text/xml", created, "md-dc"),),
        preservation=(_ref("metadata/preservation/premis.xml", premis, "text/xml", created, "md-premis"),),
        documentation=tuple(_ref(p, d, m, created, i) for p, d, m, i in docs),
        schemas=tuple(_ref(p, d, m, created, i) for p, d, m, i in schemas),
        representations=tuple(reps),
    )
    files.append(("METS.xml", mets_xml(root)))
    return Package(objid, tuple(files), tuple(c.facts.minutes_id for c in chosen), inbound_ids)


def _pretty_json(data: str) -> bytes:
    try:
        return (json.dumps(json.loads(data), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    except ValueError:
        return data.encode("utf-8")


def _description(facts: PackageFacts, chosen: list[Chosen]) -> tuple[tuple[str, str], ...]:
    dates = sorted({c.facts.meeting_date for c in chosen})
    fields = [
        ("title", f"{facts.workplace_name}: minnesanteckningar {facts.year}"),
        ("creator", facts.organisation or facts.workplace_name),
        ("contributor", facts.workplace_name),
        ("subject", "Minnesanteckningar från möten"),
        (
            "description",
            f"{len(dates)} möten, {len(chosen)} protokollversioner; arbetsplats {facts.workplace_id}.",
        ),
        ("type", "Text"),
        ("format", "application/pdf"),
        ("identifier", objid_of(facts)),
        ("language", "sv"),
        ("coverage", str(facts.year)),
    ]
    fields += [("date", d) for d in dates]
    return tuple(fields)
