"""METS documents of an E-ARK CSIP/SIP information package (FGS Paketstruktur 2.0), built from plain data.

Pure: every file is described by the caller (path, size, SHA-256, type, time); nothing is read here.
The package's METS.xml points to descriptive metadata (dmdSec), PREMIS (amdSec/digiprovMD), the
documentation and schema files and each representation's own METS.xml (fileSec, structMap); a
representation's METS.xml lists its data files.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

METS = "http://www.loc.gov/METS/"
CSIP = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
PACKAGE_TYPE = "DIP"
"""The package's ``csip:OAISPACKAGETYPE``: Minnes is the archive of its minutes and disseminates them.

A SIP would be the other choice, but eark-validator 1.1.3's SIP rule SIP14 asks every creator agent's
note for an unqualified ``NOTETYPE`` (which the METS schema refuses), while CSIP16 requires the
creator to be the software with a ``csip:NOTETYPE`` note: no METS document passes both.
"""
PROFILE = "https://earkdip.dilcis.eu/profile/E-ARK-DIP.xml"
SCHEMA_LOCATION = (
    "http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd "
    "http://www.w3.org/1999/xlink http://www.loc.gov/standards/mets/xlink.xsd "
    "https://DILCIS.eu/XML/METS/CSIPExtensionMETS https://earkcsip.dilcis.eu/schema/DILCISExtensionMETS.xsd "
    "https://DILCIS.eu/XML/METS/SIPExtensionMETS https://earksip.dilcis.eu/schema/DILCISExtensionSIPMETS.xsd"
)
CONTENT_CATEGORY = "Textual works – Digital"
"""The package's @TYPE, from the CSIP content category vocabulary."""
CONTENT_INFORMATION = "Minnes mötesprotokoll (PDF/A, JSON)"
"""What each file group holds, as ``csip:OTHERCONTENTINFORMATIONTYPE``."""

for _prefix, _uri in (("mets", METS), ("csip", CSIP), ("sip", SIP), ("xlink", XLINK), ("xsi", XSI)):
    ET.register_namespace(_prefix, _uri)


@dataclass(frozen=True)
class FileRef:
    """One file a METS document lists."""

    path: str
    """Where it is, relative to the folder of the METS.xml that lists it ('/' between folders)."""
    size: int
    """Its length in bytes."""
    sha256: str
    """Its SHA-256, hex."""
    mime: str
    """Its media type, e.g. ``application/pdf``."""
    created: str
    """When it was made, ISO 8601 (``2026-11-20T14:31:00``)."""
    ident: str
    """Its xml:id in the METS document (unique in the package)."""
    use: str = ""
    """METS ``file/@USE`` ('' for none), e.g. ``superseded`` for a replaced minutes version."""
    format_name: str = ""
    """The file format's name (``sip:FILEFORMATNAME``), '' when not told."""


@dataclass(frozen=True)
class Representation:
    """One representation of the package, with its own METS.xml."""

    name: str
    """Its folder under ``representations/`` (``rep1``)."""
    label: str
    """What it holds, in plain words."""
    mets: FileRef
    """Its METS.xml, as the package's METS.xml lists it."""


@dataclass(frozen=True)
class MetsDocument:
    """What one METS.xml says: the package's, or one representation's."""

    objid: str
    """The package's (or representation's) identifier, @OBJID."""
    label: str
    """A title a person reads, @LABEL."""
    created: str
    """When the package was made, ISO 8601."""
    software_version: str
    """Minnes's version, for the creating agent."""
    organisation: str
    """The organisation the records come from (the archival creator)."""
    descriptive: tuple[FileRef, ...] = ()
    """Descriptive metadata files (Dublin Core), each a dmdSec."""
    preservation: tuple[FileRef, ...] = ()
    """PREMIS files, each a digiprovMD."""
    documentation: tuple[FileRef, ...] = ()
    """Files in the Documentation file group."""
    schemas: tuple[FileRef, ...] = ()
    """Files in the Schemas file group."""
    representations: tuple[Representation, ...] = ()
    """The representations (in the package's METS.xml)."""
    data: tuple[FileRef, ...] = ()
    """The content files (in a representation's METS.xml)."""
    data_label: str = ""
    """The representation's name, for the file group of its content (``Representations/rep1``)."""


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _file(parent: ET.Element, ref: FileRef) -> None:
    attrs = {
        "ID": ref.ident,
        "MIMETYPE": ref.mime,
        "SIZE": str(ref.size),
        "CREATED": ref.created,
        "CHECKSUM": ref.sha256,
        "CHECKSUMTYPE": "SHA-256",
    }
    if ref.use:
        attrs["USE"] = ref.use
    if ref.format_name:
        attrs[_q(SIP, "FILEFORMATNAME")] = ref.format_name
    el = ET.SubElement(parent, _q(METS, "file"), attrs)
    ET.SubElement(
        el,
        _q(METS, "FLocat"),
        {
            "LOCTYPE": "URL",
            _q(XLINK, "type"): "simple",
            _q(XLINK, "href"): ref.path,
        },
    )


def _md_ref(parent: ET.Element, ref: FileRef, mdtype: str) -> None:
    ET.SubElement(
        parent,
        _q(METS, "mdRef"),
        {
            "LOCTYPE": "URL",
            _q(XLINK, "type"): "simple",
            _q(XLINK, "href"): ref.path,
            "MDTYPE": mdtype,
            "MIMETYPE": ref.mime,
            "SIZE": str(ref.size),
            "CREATED": ref.created,
            "CHECKSUM": ref.sha256,
            "CHECKSUMTYPE": "SHA-256",
        },
    )


def _header(root: ET.Element, doc: MetsDocument) -> None:
    hdr = ET.SubElement(
        root,
        _q(METS, "metsHdr"),
        {
            "CREATEDATE": doc.created,
            "LASTMODDATE": doc.created,
            "RECORDSTATUS": "NEW",
            _q(CSIP, "OAISPACKAGETYPE"): PACKAGE_TYPE,
        },
    )
    software = ET.SubElement(
        hdr, _q(METS, "agent"), {"ROLE": "CREATOR", "TYPE": "OTHER", "OTHERTYPE": "SOFTWARE"}
    )
    ET.SubElement(software, _q(METS, "name")).text = "Minnes"
    ET.SubElement(
        software, _q(METS, "note"), {_q(CSIP, "NOTETYPE"): "SOFTWARE VERSION"}
    ).text = doc.software_version
    if doc.organisation:
        org = ET.SubElement(hdr, _q(METS, "agent"), {"ROLE": "ARCHIVIST", "TYPE": "ORGANIZATION"})
        ET.SubElement(org, _q(METS, "name")).text = doc.organisation


def _group(parent: ET.Element, use: str, ident: str, files: tuple[FileRef, ...]) -> None:
    group = ET.SubElement(
        parent,
        _q(METS, "fileGrp"),
        {
            "ID": ident,
            "USE": use,
            _q(CSIP, "CONTENTINFORMATIONTYPE"): "OTHER",
            _q(CSIP, "OTHERCONTENTINFORMATIONTYPE"): CONTENT_INFORMATION,
        },
    )
    for ref in files:
        _file(group, ref)


def _division(parent: ET.Element, label: str, ident: str, file_ids: list[str]) -> ET.Element:
    div = ET.SubElement(parent, _q(METS, "div"), {"ID": ident, "LABEL": label})
    for file_id in file_ids:
        ET.SubElement(div, _q(METS, "fptr"), {"FILEID": file_id})
    return div


def mets_xml(doc: MetsDocument) -> bytes:
    """Return the METS.xml of a package or representation, UTF-8, with its XML declaration."""
    root = ET.Element(
        _q(METS, "mets"),
        {
            "OBJID": doc.objid,
            "LABEL": doc.label,
            "TYPE": CONTENT_CATEGORY,
            _q(CSIP, "CONTENTINFORMATIONTYPE"): "MIXED",
            "PROFILE": PROFILE,
            _q(XSI, "schemaLocation"): SCHEMA_LOCATION,
        },
    )
    _header(root, doc)
    dmd_ids = []
    for n, ref in enumerate(doc.descriptive, 1):
        dmd_ids.append(f"dmd-{n}")
        dmd = ET.SubElement(
            root, _q(METS, "dmdSec"), {"ID": f"dmd-{n}", "CREATED": ref.created, "STATUS": "CURRENT"}
        )
        _md_ref(dmd, ref, "DC")
    amd_ids = []
    amd = ET.SubElement(root, _q(METS, "amdSec"))
    for n, ref in enumerate(doc.preservation, 1):
        amd_ids.append(f"digiprov-{n}")
        digiprov = ET.SubElement(amd, _q(METS, "digiprovMD"), {"ID": f"digiprov-{n}", "STATUS": "CURRENT"})
        _md_ref(digiprov, ref, "PREMIS")
    package = not doc.data
    # The package's own METS.xml has every CSIP group and division; a representation's only its own.
    file_sec = ET.SubElement(root, _q(METS, "fileSec"), {"ID": "filesec-1"})
    if package or doc.documentation:
        _group(file_sec, "Documentation", "grp-documentation", doc.documentation)
    if package or doc.schemas:
        _group(file_sec, "Schemas", "grp-schemas", doc.schemas)
    rep_groups = []
    for n, rep in enumerate(doc.representations, 1):
        rep_groups.append(f"grp-rep-{n}")
        _group(file_sec, f"Representations/{rep.name}", f"grp-rep-{n}", (rep.mets,))
    if doc.data:
        _group(file_sec, f"Representations/{doc.data_label}", "grp-data", doc.data)
    struct = ET.SubElement(
        root, _q(METS, "structMap"), {"ID": "structmap-1", "TYPE": "PHYSICAL", "LABEL": "CSIP"}
    )
    top = ET.SubElement(struct, _q(METS, "div"), {"ID": "div-root", "LABEL": doc.objid})
    metadata = {"ID": "div-metadata", "LABEL": "Metadata"}
    if amd_ids:
        metadata["ADMID"] = " ".join(amd_ids)
    if dmd_ids:
        metadata["DMDID"] = " ".join(dmd_ids)
    ET.SubElement(top, _q(METS, "div"), metadata)
    if package or doc.documentation:
        _division(top, "Documentation", "div-documentation", [r.ident for r in doc.documentation])
    if package or doc.schemas:
        _division(top, "Schemas", "div-schemas", [r.ident for r in doc.schemas])
    reps = _division(
        top,
        "Representations",
        "div-representations",
        [r.mets.ident for r in doc.representations] + [r.ident for r in doc.data],
    )
    for n, rep in enumerate(doc.representations, 1):
        div = ET.SubElement(
            reps, _q(METS, "div"), {"ID": f"div-rep-{n}", "LABEL": f"Representations/{rep.name}"}
        )
        ET.SubElement(
            div,
            _q(METS, "mptr"),
            {
                _q(XLINK, "type"): "simple",
                _q(XLINK, "href"): rep.mets.path,
                _q(XLINK, "title"): rep_groups[n - 1],
                "LOCTYPE": "URL",
            },
        )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
