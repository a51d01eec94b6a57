"""PREMIS 3 preservation metadata and a Dublin Core description, built from plain data.

Pure: the objects (files with their fixity), the events (signed, justerad, distributed, replaced,
exported) and the agents are described by the caller.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

PREMIS = "http://www.loc.gov/premis/v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
ID_TYPE = "local"
"""The identifier type of every object, event and agent: identifiers inside the package."""

for _prefix, _uri in (("premis", PREMIS), ("xsi", XSI), ("oai_dc", OAI_DC), ("dc", DC)):
    ET.register_namespace(_prefix, _uri)


@dataclass(frozen=True)
class PremisObject:
    """One file, as preservation metadata describes it."""

    ident: str
    """Its identifier (the METS file ID)."""
    path: str
    """Where it is in the package (its original name)."""
    sha256: str
    """Its SHA-256, hex."""
    size: int
    """Its length in bytes."""
    format_name: str
    """Its format, e.g. ``PDF/A-1b``."""
    superseded_by: str = ""
    """The object that replaced it (a correction), '' when it is current."""
    supersedes: str = ""
    """The object it replaced, '' when none."""
    events: tuple[str, ...] = ()
    """The events that concern it."""


@dataclass(frozen=True)
class PremisEvent:
    """One thing that happened to the records."""

    ident: str
    """Its identifier."""
    kind: str
    """Its PREMIS event type, e.g. ``digital signature generation``."""
    at: str
    """When, ISO 8601."""
    detail: str
    """What happened, in plain words."""
    outcome: str = "success"
    """How it ended."""
    agents: tuple[tuple[str, str], ...] = ()
    """(agent identifier, role) of everyone involved."""
    objects: tuple[str, ...] = ()
    """The objects it concerns."""


@dataclass(frozen=True)
class PremisAgent:
    """A person, organisation or program that took part."""

    ident: str
    """Its identifier."""
    name: str
    """Its name."""
    kind: str
    """``software``, ``organization`` or ``person``."""
    note: str = ""
    """E.g. a person's address or a program's version."""


def _q(name: str) -> str:
    return f"{{{PREMIS}}}{name}"


def _sub(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, _q(name))
    if text is not None:
        el.text = text
    return el


def _identifier(parent: ET.Element, prefix: str, value: str) -> None:
    el = _sub(parent, f"{prefix}Identifier")
    _sub(el, f"{prefix}IdentifierType", ID_TYPE)
    _sub(el, f"{prefix}IdentifierValue", value)


def _object(parent: ET.Element, obj: PremisObject) -> None:
    el = ET.SubElement(parent, _q("object"), {f"{{{XSI}}}type": "premis:file"})
    _identifier(el, "object", obj.ident)
    chars = _sub(el, "objectCharacteristics")
    fixity = _sub(chars, "fixity")
    _sub(fixity, "messageDigestAlgorithm", "SHA-256")
    _sub(fixity, "messageDigest", obj.sha256)
    _sub(chars, "size", str(obj.size))
    fmt = _sub(_sub(chars, "format"), "formatDesignation")
    _sub(fmt, "formatName", obj.format_name)
    _sub(el, "originalName", obj.path)
    for other, sub_type in ((obj.superseded_by, "is superseded by"), (obj.supersedes, "supersedes")):
        if other:
            rel = _sub(el, "relationship")
            _sub(rel, "relationshipType", "derivation")
            _sub(rel, "relationshipSubType", sub_type)
            _identifier(rel, "relatedObject", other)
    for event in obj.events:
        _identifier(el, "linkingEvent", event)


def _event(parent: ET.Element, event: PremisEvent) -> None:
    el = _sub(parent, "event")
    _identifier(el, "event", event.ident)
    _sub(el, "eventType", event.kind)
    _sub(el, "eventDateTime", event.at)
    _sub(_sub(el, "eventDetailInformation"), "eventDetail", event.detail)
    _sub(_sub(el, "eventOutcomeInformation"), "eventOutcome", event.outcome)
    for agent, role in event.agents:
        link = _sub(el, "linkingAgentIdentifier")
        _sub(link, "linkingAgentIdentifierType", ID_TYPE)
        _sub(link, "linkingAgentIdentifierValue", agent)
        _sub(link, "linkingAgentRole", role)
    for obj in event.objects:
        link = _sub(el, "linkingObjectIdentifier")
        _sub(link, "linkingObjectIdentifierType", ID_TYPE)
        _sub(link, "linkingObjectIdentifierValue", obj)


def _agent(parent: ET.Element, agent: PremisAgent) -> None:
    el = _sub(parent, "agent")
    _identifier(el, "agent", agent.ident)
    _sub(el, "agentName", agent.name)
    _sub(el, "agentType", agent.kind)
    if agent.note:
        _sub(el, "agentNote", agent.note)


def premis_xml(
    objects: tuple[PremisObject, ...],
    events: tuple[PremisEvent, ...] = (),
    agents: tuple[PremisAgent, ...] = (),
) -> bytes:
    """Return a PREMIS 3 document of the objects, events and agents, UTF-8."""
    root = ET.Element(
        _q("premis"),
        {
            "version": "3.0",
            f"{{{XSI}}}schemaLocation": f"{PREMIS} https://www.loc.gov/standards/premis/premis.xsd",
        },
    )
    for obj in objects:
        _object(root, obj)
    for event in events:
        _event(root, event)
    for agent in agents:
        _agent(root, agent)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def dublin_core_xml(fields: tuple[tuple[str, str], ...]) -> bytes:
    """Return an OAI Dublin Core record of (element, value) pairs, e.g. ("title", "…"), UTF-8."""
    root = ET.Element(
        f"{{{OAI_DC}}}dc",
        {
            f"{{{XSI}}}schemaLocation": f"{OAI_DC} ../../schemas/oai_dc.xsd",
        },
    )
    for name, value in fields:
        ET.SubElement(root, f"{{{DC}}}{name}").text = value
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


OAI_DC_XSD = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- The OAI Dublin Core record (a dc container of the fifteen DC elements), as in dc.xml. -->
<schema targetNamespace="{OAI_DC}" xmlns:oai_dc="{OAI_DC}" xmlns:dc="{DC}"
        xmlns="http://www.w3.org/2001/XMLSchema"
        elementFormDefault="qualified" attributeFormDefault="unqualified">
  <import namespace="{DC}" schemaLocation="simpledc.xsd"/>
  <element name="dc" type="oai_dc:oai_dcType"/>
  <complexType name="oai_dcType">
    <choice minOccurs="0" maxOccurs="unbounded">
      <element ref="dc:title"/><element ref="dc:creator"/><element ref="dc:subject"/>
      <element ref="dc:description"/><element ref="dc:publisher"/><element ref="dc:contributor"/>
      <element ref="dc:date"/><element ref="dc:type"/><element ref="dc:format"/>
      <element ref="dc:identifier"/><element ref="dc:source"/><element ref="dc:language"/>
      <element ref="dc:relation"/><element ref="dc:coverage"/><element ref="dc:rights"/>
    </choice>
  </complexType>
</schema>
""".encode()
"""The schema of the descriptive record's container (after the OAI-PMH oai_dc schema)."""

SIMPLE_DC_XSD = (
    f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- The fifteen Dublin Core elements, each a string. -->
<schema targetNamespace="{DC}" xmlns="http://www.w3.org/2001/XMLSchema"
        elementFormDefault="qualified" attributeFormDefault="unqualified">
"""
    + "".join(
        f'  <element name="{n}" type="string"/>\n'
        for n in (
            "title",
            "creator",
            "subject",
            "description",
            "publisher",
            "contributor",
            "date",
            "type",
            "format",
            "identifier",
            "source",
            "language",
            "relation",
            "coverage",
            "rights",
        )
    )
    + "</schema>\n"
).encode()
"""The schema of the Dublin Core elements (after DCMI's simpledc schema)."""
