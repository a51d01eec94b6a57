"""Sign a PDF whose signature field Minnes prepared, writing the incremental update directly.

pyHanko's ``PdfSigner`` re-reads the document, builds its object graph, lays out the stamp and rebuilds the
CMS with asn1crypto for every signature (about 40 ms before the stamp). For our own PDFs the update is
always the same handful of objects: the signature dictionary, the filled field, the AcroForm with
``SigFlags``, and the appearance (the signature block, prepared once per process as a template of which
only the signing time changes). This module writes exactly those, as an ordinary incremental update with
a classic cross-reference section, so signing costs one pass over a small byte string, one SHA-256 over
the file and one RSA signature. PDFs that do not look like ours go through pyHanko's ``PdfSigner``.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pikepdf
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from service.domain.wording import DEFAULT_LANGUAGE
from service.pdf.pdfa import SIGNATURE_FIELD
from service.pdf.stamp import render_stamp_pdf

_WIDGET_KEYS = {"/Type", "/Subtype", "/FT", "/T", "/Rect", "/F", "/P", "/AP"}
"""The entries of an unfilled signature field as the renderer writes it; anything else goes to pyHanko."""

_BYTE_RANGE_WIDTH = 60
"""Characters kept for the numbers of /ByteRange, filled in once the offsets are known."""

_REF = re.compile(rb"(\d+) (\d+) R")


class NotPreparedError(ValueError):
    """The PDF has no signature field prepared by Minnes; sign it the general way."""


@dataclass(frozen=True)
class PreparedField:
    """Where the update goes: what the unsigned PDF's last trailer and its empty signature field say."""

    size: int
    """The trailer's /Size: the first object number free for the update."""

    startxref: int
    """Offset of the last cross-reference section (the update's /Prev)."""

    root: int
    """Object number of the catalog."""

    info: int | None
    """Object number of the document info, if any."""

    ids: tuple[bytes, bytes]
    """The file identifiers."""

    acroform: int
    """Object number of the AcroForm dictionary."""

    fields: tuple[int, ...]
    """Object numbers of every field in the AcroForm."""

    widget: int
    """Object number of the signature field (merged with its widget)."""

    page: int
    """Object number of the page the field is on."""

    rect: tuple[float, float, float, float]
    """The field's rectangle on the page."""


def _raw_string(value: object) -> bytes:
    """The bytes of a PDF string, whether pyHanko read it as bytes or decoded it as text."""
    if isinstance(value, generic.TextStringObject):
        try:
            return bytes(value.original_bytes)
        except Exception as exc:  # noqa: BLE001 - pyHanko raises its PdfError when it kept no bytes
            raise NotPreparedError("file identifier without its bytes") from exc
    if isinstance(value, bytes):
        return value
    raise NotPreparedError("file identifier is not a string")


def find_prepared_field(pdf: bytes) -> PreparedField:
    """Read the trailer and the AcroForm; raise NotPreparedError unless the field is ours and empty."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        trailer = reader.trailer
        root_ref = trailer.raw_get("/Root")
        root = root_ref.get_object()
        form_ref = root.raw_get("/AcroForm")
        if not isinstance(form_ref, generic.IndirectObject):
            raise NotPreparedError("AcroForm is not an indirect object")
        form = form_ref.get_object()
        if set(form.keys()) != {"/Fields"}:
            raise NotPreparedError("AcroForm has entries we would not copy")
        fields = form.raw_get("/Fields")
        if isinstance(fields, generic.IndirectObject):
            raise NotPreparedError("Fields is indirect")
        refs = [f for f in fields if isinstance(f, generic.IndirectObject)]
        if len(refs) != len(fields):
            raise NotPreparedError("a field is not indirect")
        for ref in refs:
            field = ref.get_object()
            if field.get("/FT") != "/Sig" or field.get("/T") != SIGNATURE_FIELD:
                continue
            if set(field.keys()) - _WIDGET_KEYS or "/V" in field:
                raise NotPreparedError("the signature field is filled or has other entries")
            page = field.raw_get("/P")
            if not isinstance(page, generic.IndirectObject):
                raise NotPreparedError("the field names no page")
            x1, y1, x2, y2 = (float(v) for v in field["/Rect"])  # Decimal in pyHanko
            info = trailer.raw_get("/Info") if "/Info" in trailer else None
            id_entry = trailer["/ID"] if "/ID" in trailer else None
            ids = (_raw_string(id_entry[0]), _raw_string(id_entry[1])) if id_entry else (b"", b"")
            if not ids[0]:
                raise NotPreparedError("no file identifier")
            return PreparedField(
                size=int(trailer["/Size"]),
                startxref=reader.last_startxref,
                root=root_ref.idnum,
                info=info.idnum if isinstance(info, generic.IndirectObject) else None,
                ids=ids,
                acroform=form_ref.idnum,
                fields=tuple(r.idnum for r in refs),
                widget=ref.idnum,
                page=page.idnum,
                rect=(min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)),
            )
        raise NotPreparedError("no empty field named Signatur")
    except NotPreparedError:
        raise
    except Exception as exc:  # noqa: BLE001 - anything odd: let pyHanko deal with it
        raise NotPreparedError(f"unreadable: {exc}") from exc


@dataclass(frozen=True)
class StampTemplate:
    """The signature block as PDF objects, numbered relative to the update; only the time is filled in."""

    content_before: bytes
    """The block's drawing up to the signing time (uncompressed)."""

    content_after: bytes
    """The drawing after the signing time."""

    time_length: int
    """Length of the time text the template was drawn with; another length needs a new template."""

    resources: list[bytes | int]
    """The form's /Resources: byte chunks and indexes of the objects below (written as references)."""

    objects: list[list[bytes | int]]
    """Fonts and other objects the drawing uses, in the same chunk form."""


def _chunks(text: bytes, numbering: dict[tuple[int, int], int]) -> list[bytes | int]:
    """Split unparsed PDF text at its references, mapping each to the index of the object it names."""
    out: list[bytes | int] = []
    last = 0
    for m in _REF.finditer(text):
        out.append(text[last : m.start()])
        out.append(numbering[(int(m.group(1)), int(m.group(2)))])
        last = m.end()
    out.append(text[last:])
    return out


def build_stamp_template(width: float, height: float, *, signer: str, when: str, verify_url: str | None,
                         language: str = DEFAULT_LANGUAGE) -> StampTemplate:
    """Draw the block once with reportlab, labelled in the language, and take it apart into objects."""
    pdf = render_stamp_pdf(width, height, signer=signer, when=when, verify_url=verify_url, compress=False,
                           language=language)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0].obj
        content = page.Contents.read_bytes() if not isinstance(page.Contents, pikepdf.Array) else b"".join(
            c.read_bytes() for c in page.Contents
        )
        order: list[pikepdf.Object] = []
        numbering: dict[tuple[int, int], int] = {}

        def walk(obj: pikepdf.Object) -> None:
            if isinstance(obj, pikepdf.Stream):
                walk(obj.stream_dict)
                return
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Array):
                values = obj.values() if isinstance(obj, pikepdf.Dictionary) else list(obj)
                for value in values:
                    if not isinstance(value, pikepdf.Object):
                        continue
                    if value.is_indirect:
                        if value.objgen not in numbering:
                            numbering[value.objgen] = len(order)
                            order.append(value)
                            walk(value)
                    else:
                        walk(value)

        resources = page.Resources
        walk(resources)
        objects: list[list[bytes | int]] = []
        for obj in order:
            if isinstance(obj, pikepdf.Stream):
                entries = pikepdf.Dictionary({k: v for k, v in obj.stream_dict.items() if k != "/Length"})
                raw = obj.read_raw_bytes()
                entries[pikepdf.Name.Length] = len(raw)
                body = entries.unparse() + b"\nstream\n" + raw + b"\nendstream"
                head, _, _ = body.partition(b"\nstream\n")
                objects.append([*_chunks(head, numbering), b"\nstream\n" + raw + b"\nendstream"])
            else:
                objects.append(_chunks(obj.unparse(resolved=True), numbering))
        resources_chunks = _chunks(resources.unparse(resolved=True), numbering)
    marker = when.encode("latin-1")
    if content.count(marker) != 1:
        raise NotPreparedError("the signing time is not found once in the drawing")
    before, _, after = content.partition(marker)
    return StampTemplate(before, after, len(marker), resources_chunks, objects)


def _join(chunks: list[bytes | int], base: int) -> bytes:
    """Put chunks back together, writing object indexes as references to numbers from ``base``."""
    return b"".join(c if isinstance(c, bytes) else b"%d 0 R" % (base + c) for c in chunks)


def _text_string(text: str) -> bytes:
    """A PDF text string: UTF-16BE with byte order mark, as hex."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _number(value: float) -> bytes:
    """A PDF real without exponent or trailing zeros."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return (text or "0").encode("ascii")


def write_signed(pdf: bytes, field: PreparedField, stamp: StampTemplate, *, when_text: str,
                 signed_at: datetime, name: str, reason: str, reserved: int,
                 make_cms: Callable[[bytes], bytes]) -> bytes:
    """Append the signing update to the PDF and fill in /ByteRange and /Contents.

    ``make_cms`` receives the SHA-256 of the signed byte ranges and returns the DER CMS signature.
    """
    x1, y1, x2, y2 = field.rect
    width, height = x2 - x1, y2 - y1
    sig_num = field.size
    ap_num = sig_num + 1
    base = sig_num + 2
    time_bytes = when_text.encode("latin-1")
    if len(time_bytes) != stamp.time_length:
        raise NotPreparedError("time text length differs from the template")
    drawing = zlib.compress(stamp.content_before + time_bytes + stamp.content_after, 6)

    out = io.BytesIO()
    out.write(pdf)
    if not pdf.endswith(b"\n"):
        out.write(b"\n")
    offsets: dict[int, int] = {}

    def obj(num: int, body: bytes) -> None:
        offsets[num] = out.tell()
        out.write(b"%d 0 obj\n" % num + body + b"\nendobj\n")

    fields = b" ".join(b"%d 0 R" % n for n in field.fields)
    obj(field.acroform, b"<< /Fields [ " + fields + b" ] /SigFlags 3 >>")
    rect = b" ".join(_number(v) for v in field.rect)
    obj(field.widget,
        b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (" + SIGNATURE_FIELD.encode("ascii") + b") /Rect [ "
        + rect + b" ] /F 4 /P %d 0 R /V %d 0 R /AP << /N %d 0 R >> >>" % (field.page, sig_num, ap_num))
    contents_hex_len = 2 * reserved
    sig_body = (
        b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M ("
        + signed_at.strftime("D:%Y%m%d%H%M%S+00'00'").encode("ascii")
        + b") /Name " + _text_string(name) + b" /Reason " + _text_string(reason)
        + b" /ByteRange [" + b" " * _BYTE_RANGE_WIDTH + b"] /Contents <"
    )
    offsets[sig_num] = out.tell()
    out.write(b"%d 0 obj\n" % sig_num + sig_body)
    contents_start = out.tell() - 1
    byte_range_at = contents_start - len(b"] /Contents ") - _BYTE_RANGE_WIDTH
    out.write(b"0" * contents_hex_len)
    out.write(b"> >>\nendobj\n")
    contents_end = contents_start + contents_hex_len + 2
    obj(ap_num,
        b"<< /Type /XObject /Subtype /Form /BBox [ 0 0 " + _number(width) + b" " + _number(height)
        + b" ] /Resources " + _join(stamp.resources, base)
        + b" /Filter /FlateDecode /Length %d >>\nstream\n" % len(drawing) + drawing + b"\nendstream")
    for i, chunks in enumerate(stamp.objects):
        obj(base + i, _join(chunks, base))

    xref_at = out.tell()
    numbers = sorted(offsets)
    sections: list[list[int]] = []
    for n in numbers:
        if sections and sections[-1][-1] == n - 1:
            sections[-1].append(n)
        else:
            sections.append([n])
    xref = [b"xref\n"]
    for section in sections:
        xref.append(b"%d %d\n" % (section[0], len(section)))
        xref.extend(b"%010d 00000 n\r\n" % offsets[n] for n in section)
    ids = b"[ <" + field.ids[0].hex().encode("ascii") + b"> <" + field.ids[1].hex().encode("ascii") + b"> ]"
    info = b" /Info %d 0 R" % field.info if field.info is not None else b""
    trailer = (
        b"trailer\n<< /Size %d /Root %d 0 R" % (base + len(stamp.objects), field.root) + info
        + b" /ID " + ids + b" /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (field.startxref, xref_at)
    )
    out.write(b"".join(xref) + trailer)

    buf = out.getbuffer()
    total = len(buf)
    byte_range = f"0 {contents_start} {contents_end} {total - contents_end}".encode("ascii")
    if len(byte_range) > _BYTE_RANGE_WIDTH:  # pragma: no cover - files of petabytes
        raise NotPreparedError("byte range does not fit")
    buf[byte_range_at : byte_range_at + _BYTE_RANGE_WIDTH] = byte_range.ljust(_BYTE_RANGE_WIDTH)
    digest = hashlib.sha256(buf[:contents_start])
    digest.update(buf[contents_end:])
    cms = make_cms(digest.digest()).hex().upper().encode("ascii")
    if len(cms) > contents_hex_len:
        raise NotPreparedError("the signature does not fit in the space kept for it")
    buf[contents_start + 1 : contents_start + 1 + len(cms)] = cms
    del buf
    return out.getvalue()


class TemplateCache:
    """Stamp templates per (size, signer, address, language, time length), built on first use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._templates: dict[tuple, StampTemplate] = {}

    def get(self, width: float, height: float, *, signer: str, when: str, verify_url: str | None,
            language: str = DEFAULT_LANGUAGE) -> StampTemplate:
        """Return the template, drawing it (with this time, in the language) when there is none yet."""
        key = (round(width, 3), round(height, 3), signer, verify_url, language, len(when.encode("latin-1")))
        template = self._templates.get(key)
        if template is None:
            with self._lock:
                template = self._templates.get(key)
                if template is None:
                    template = build_stamp_template(width, height, signer=signer, when=when,
                                                    verify_url=verify_url, language=language)
                    self._templates[key] = template
        return template
