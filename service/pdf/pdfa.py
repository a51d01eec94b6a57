"""PDF/A-1b straight from reportlab, with an empty signature field where the signature goes.

The archival parts (sRGB OutputIntent, XMP identification, document info in step with it, end of line
before ``endstream``, the signature widget with an appearance) are written by reportlab itself while the
document is formatted, so no second pass over the file is needed.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFObject, PDFString

SIGNATURE_FIELD = "Signatur"
"""Name of the signature field the renderer prepares and the signer fills."""

SRGB_CONDITION = "sRGB IEC61966-2.1"
"""Output condition named in the OutputIntent."""


class ArchivalError(RuntimeError):
    """The PDF could not be made into PDF/A."""


@dataclass(frozen=True)
class SignatureSlot:
    """Space on a page kept free for the visible signature, in PDF points."""

    page: int
    """Zero-based page index."""

    x: float
    """Left edge, from the page's left."""

    y: float
    """Bottom edge, from the page's bottom."""

    width: float
    """Width."""

    height: float
    """Height."""


@dataclass(frozen=True)
class DocumentInfo:
    """What the document info dictionary and the XMP metadata both say about the document."""

    title: str
    """Title, shown by viewers instead of the file name."""

    author: str
    """The organisation."""

    subject: str
    """Kind of meeting and workplace."""

    creator: str
    """The application that made the content."""

    producer: str
    """The library that wrote the PDF."""

    language: str
    """Natural language of the text, e.g. ``sv-SE``."""

    created: datetime
    """Creation (and modification) time, UTC, whole seconds."""


def pdf_date(moment: datetime) -> str:
    """Format a UTC moment as a PDF date string."""
    return moment.strftime("D:%Y%m%d%H%M%S+00'00'")


def xmp_packet(info: dict[str, str], *, now: datetime, language: str) -> bytes:
    """Build the XMP metadata with the PDF/A-1b identification, matching the document info."""
    def esc(key: str) -> str:
        return escape(info.get(key, ""))

    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    xml = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{esc("Title")}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{esc("Author")}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{esc("Subject")}</rdf:li></rdf:Alt></dc:description>
<dc:language><rdf:Bag><rdf:li>{escape(language)}</rdf:li></rdf:Bag></dc:language>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
<xmp:CreateDate>{stamp}</xmp:CreateDate>
<xmp:ModifyDate>{stamp}</xmp:ModifyDate>
<xmp:MetadataDate>{stamp}</xmp:MetadataDate>
<xmp:CreatorTool>{esc("Creator")}</xmp:CreatorTool>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdf:Producer>{esc("Producer")}</pdf:Producer>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>1</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return xml.encode("utf-8")


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """Return the sRGB ICC profile that pikepdf ships."""
    try:
        return (resources.files("pikepdf") / "pdfa" / "data" / "sRGB.icc").read_bytes()
    except (FileNotFoundError, ModuleNotFoundError) as exc:  # pragma: no cover - packaging problem
        raise ArchivalError("sRGB-profilen saknas i pikepdf; uppgradera pikepdf (>= 10).") from exc


@lru_cache(maxsize=1)
def _srgb_profile_deflated() -> bytes:
    """The sRGB profile, compressed once per process."""
    return zlib.compress(srgb_profile(), 6)


class RawStream(PDFObject):
    """A stream written as given: no filters added, end of line before ``endstream`` (PDF/A)."""

    __RefOnly__ = 1

    def __init__(self, entries: dict[str, Any], content: bytes) -> None:
        self.entries = entries
        self.content = content

    def format(self, document: pdfdoc.PDFDocument) -> bytes:
        """Write the dictionary with the right Length, then the data."""
        dictionary = PDFDictionary({**self.entries, "Length": len(self.content)})
        return pdfdoc.format(dictionary, document) + b"\nstream\n" + self.content + b"\nendstream\n"


ARCHIVAL_FLAG = "_minnes_pdfa"
"""Attribute set on a reportlab document that must be written as PDF/A."""

_original_stream_format = pdfdoc.PDFStream.format


def _stream_format_with_eol(self: pdfdoc.PDFStream, document: pdfdoc.PDFDocument) -> bytes:
    """reportlab's stream formatting, plus the end of line PDF/A wants before ``endstream``.

    Only documents flagged as archival are changed; every other reportlab document is written as before.
    """
    out = _original_stream_format(self, document)
    if getattr(document, ARCHIVAL_FLAG, False) and out.endswith(b"endstream\n"):
        return out[: -len(b"endstream\n")] + b"\nendstream\n"
    return out


pdfdoc.PDFStream.format = _stream_format_with_eol  # type: ignore[method-assign]


class _ArchivalInfo(PDFObject):
    """Document info with exactly the entries the XMP packet repeats (PDF/A-1 wants them in step)."""

    def __init__(self, info: DocumentInfo) -> None:
        self.info = info

    def digest(self, md5object: Any) -> None:
        """Feed the document ID the way reportlab's own info does."""
        for value in (self.info.title, self.info.author, self.info.subject):
            md5object.update(value.encode("utf-8"))

    def format(self, document: pdfdoc.PDFDocument) -> bytes:
        """Write Title, Author, Subject, Creator, Producer and the dates."""
        i = self.info
        date = pdf_date(i.created)
        entries = {
            "Title": PDFString(i.title), "Author": PDFString(i.author), "Subject": PDFString(i.subject),
            "Creator": PDFString(i.creator), "Producer": PDFString(i.producer),
            "CreationDate": PDFString(date), "ModDate": PDFString(date),
        }
        return pdfdoc.format(PDFDictionary(entries), document)


def make_archival(doc: pdfdoc.PDFDocument, info: DocumentInfo, widget_ref: PDFObject | None) -> None:
    """Give a reportlab document, before it is written, everything PDF/A-1b needs.

    ``widget_ref`` is the reference of the prepared signature field, listed in the AcroForm.
    """
    setattr(doc, ARCHIVAL_FLAG, True)
    doc.info = _ArchivalInfo(info)
    catalog = doc.Catalog
    profile = RawStream({"N": 3, "Filter": PDFName("FlateDecode")}, _srgb_profile_deflated())
    intent = PDFDictionary({
        "Type": PDFName("OutputIntent"),
        "S": PDFName("GTS_PDFA1"),
        "OutputConditionIdentifier": PDFString(SRGB_CONDITION),
        "Info": PDFString(SRGB_CONDITION),
        "DestOutputProfile": doc.Reference(profile),
    })
    catalog.OutputIntents = PDFArray([intent])
    catalog.__NoDefault__ = [*type(catalog).__NoDefault__, "OutputIntents"]
    catalog.Lang = PDFString(info.language)
    catalog.ViewerPreferences = PDFDictionary({"DisplayDocTitle": b"true"})
    xmp_info = {"Title": info.title, "Author": info.author, "Subject": info.subject,
                "Creator": info.creator, "Producer": info.producer}
    catalog.Metadata = RawStream(
        {"Type": PDFName("Metadata"), "Subtype": PDFName("XML")},
        xmp_packet(xmp_info, now=info.created, language=info.language),
    )
    if widget_ref is not None:
        catalog.AcroForm = PDFDictionary({"Fields": PDFArray([widget_ref])})


def signature_widget(slot: SignatureSlot, page_ref: PDFObject) -> PDFDictionary:
    """An empty, printable signature field with an (empty) appearance at the slot."""
    appearance = RawStream(
        {"Type": PDFName("XObject"), "Subtype": PDFName("Form"),
         "BBox": PDFArray([0, 0, slot.width, slot.height]), "Resources": PDFDictionary({})},
        b"",
    )
    return PDFDictionary({
        "Type": PDFName("Annot"),
        "Subtype": PDFName("Widget"),
        "FT": PDFName("Sig"),
        "T": PDFString(SIGNATURE_FIELD),
        "Rect": PDFArray([slot.x, slot.y, slot.x + slot.width, slot.y + slot.height]),
        "F": 4,
        "P": page_ref,
        "AP": PDFDictionary({"N": appearance}),
    })
