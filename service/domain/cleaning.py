"""Cut what must never reach the minutes: quoted earlier mail, sign-offs, signatures, disclaimers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.domain.closing import Signatures, cut_closing
from service.domain.document import Line

_QUOTE_MARKERS = re.compile(
    r"^(?:-{2,}\s*(?:ursprungligt meddelande|original message|vidarebefordrat meddelande|"
    r"forwarded message|begin forwarded message)\s*-{0,}|"
    r"(?:on|den|på)\s.{1,200}\s(?:wrote|skrev)(?:\s.{0,80})?:|"
    r"begin forwarded message:|vidarebefordrat meddelande:)$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^(?:från|from|fra|von)\s*:\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^(?:skickat|sent|datum|date|till|to|ämne|subject|kopia|cc)\s*:", re.IGNORECASE)
_UNDERSCORES = re.compile(r"^_{8,}$")

SIGN_OFFS = frozenset((
    "hälsningar", "med vänliga hälsningar", "med vänlig hälsning", "vänliga hälsningar", "vänlig hälsning",
    "bästa hälsningar", "varma hälsningar", "hälsning", "med hälsning", "mvh", "m v h", "m.v.h", "vh",
    "allt gott", "ha det bra", "trevlig helg", "ha en fin dag", "ha en bra dag", "ha en trevlig helg",
    "kind regards", "best regards", "regards", "cheers",
))
"""Lines that end the minutes: everything from them on is signature."""

_SIGN_OFF_WITH_NAME = re.compile(
    r"^(?:mvh|hälsningar|vänliga hälsningar|med vänliga hälsningar|vh|hälsning)[,!.]?\s+"
    r"[A-ZÅÄÖ][\w\-]*(?:\s[A-ZÅÄÖ][\w\-]*){0,2}$",
    re.IGNORECASE,
)
_SLASH_NAME = re.compile(r"^/\s?[A-ZÅÄÖÉ][\w\-]*(?:\s[A-ZÅÄÖÉ][\w\-]*){0,2}$")
_DISCLAIMER = re.compile(
    r"konfidentiell|sekretessbelag|avsedd mottagare|avsedda mottagaren|"
    r"fått detta (e-post)?meddelande av misstag|"
    r"confidential|intended recipient|tänk på miljön|innan du skriver ut|behandlar personuppgifter|"
    r"privileged|could be (?:read|intercepted)",
    re.IGNORECASE,
)
_CONTACT = re.compile(
    r"^(?:tel(?:efon)?|mobil|mob|växel|direkt|fax|e-?post|mail|webb|www|besöksadress|postadress|adress)"
    r"\.?\s*[:.]?\s*\S|^\+?\d[\d \-]{6,}\d$|^www\.|^https?://\S+$|^\S+@\S+\.\w+$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Cleaned:
    """A draft with everything cut that is not the note-taker's own notes."""

    lines: list[Line]
    """What remains: the notes."""

    quoted: list[Line]
    """The quoted or forwarded mail that was cut (a forwarded draft may be in it)."""

    closing: list[str] = field(default_factory=list)
    """The lines cut at the end (greeting, signature, app line, signature block), for the receipt."""

    signatures: Signatures = field(default_factory=Signatures)
    """What a protocol signature block at the end says about the note-taker, chair and justerare."""


def _sign_off(text: str) -> bool:
    bare = text.strip().rstrip(",!.:").strip().casefold()
    return bare in SIGN_OFFS or bool(_SIGN_OFF_WITH_NAME.match(text.strip()))


def _quote_start(lines: list[Line], i: int) -> bool:
    text = lines[i].text
    if _QUOTE_MARKERS.match(text):
        return True
    if _HEADER_FROM.match(text):
        following = [ln.text for ln in lines[i + 1:i + 5] if ln.text]
        return any(_HEADER_NEXT.match(t) for t in following[:3])
    if _UNDERSCORES.match(text):
        following = [ln.text for ln in lines[i + 1:i + 4] if ln.text]
        return bool(following) and bool(_HEADER_FROM.match(following[0]))
    return False


def _paragraphs(lines: list[Line]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = None
    for i, ln in enumerate(lines):
        if ln.blank:
            if start is not None:
                spans.append((start, i))
                start = None
        elif start is None:
            start = i
    if start is not None:
        spans.append((start, len(lines)))
    return spans


def _name_words(sender_name: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"[^\W\d_]+", sender_name) if len(w) > 1}


def _is_signature_paragraph(par: list[Line], names: set[str]) -> bool:
    texts = [ln.text for ln in par]
    if len(texts) > 8:
        return False
    contacts = sum(1 for t in texts if _CONTACT.match(t))
    first = set(w.casefold() for w in re.findall(r"[^\W\d_]+", texts[0]))
    starts_with_name = bool(names) and bool(first) and first <= names
    if contacts and (starts_with_name or contacts * 2 >= len(texts) or len(texts) <= 5):
        return True
    return starts_with_name and len(texts) <= 4 and all(len(t) < 60 and not t.endswith(".") for t in texts)


def strip_header_block(lines: list[Line]) -> list[Line]:
    """Drop the ``Från:``/``Skickat:``/``Ämne:`` block that opens a quoted or forwarded mail."""
    i = 0
    while i < len(lines) and lines[i].blank:
        i += 1
    start = i
    while i < len(lines) and (_HEADER_FROM.match(lines[i].text) or _HEADER_NEXT.match(lines[i].text)):
        i += 1
    return lines[i:] if i > start else lines


def clean(lines: list[Line], sender_name: str = "", people: tuple[str, ...] = ()) -> Cleaned:
    """Cut quoted mail, sign-offs and what follows them, signature blocks and disclaimers."""
    body: list[Line] = []
    quoted: list[Line] = []
    cut_at = len(lines)
    for i in range(len(lines)):
        if _quote_start(lines, i):
            cut_at = i
            quoted = [Line(x.text.lstrip("> ").strip(), x.hint) for x in lines[i + 1:]]
            break
    closing: list[str] = []
    for n, ln in enumerate(lines[:cut_at]):
        if ln.text.startswith(">"):
            continue
        if _sign_off(ln.text) or _SLASH_NAME.match(ln.text) or ln.text in ("--", "-- "):
            closing = [x.text for x in lines[n:cut_at] if x.text]
            break
        body.append(ln)
    # Closing lines, disclaimers anywhere; signature blocks and a lone name at the end.
    names = _name_words(sender_name)
    end, signatures = cut_closing(body, people, names)
    closing = [x.text for x in body[end:] if x.text] + closing
    body = body[:end]
    spans = _paragraphs(body)
    drop: set[int] = set()
    for a, b in reversed(spans[1:]):
        disclaimer = (b - a) <= 8 and any(_DISCLAIMER.search(ln.text) for ln in body[a:b])
        if disclaimer or _is_signature_paragraph(body[a:b], names):
            drop.update(range(a, b))
            continue
        break
    kept = [ln for i, ln in enumerate(body) if i not in drop]
    while kept and kept[-1].blank:
        kept.pop()
    closing = [body[i].text for i in sorted(drop) if body[i].text] + closing
    return Cleaned(kept, quoted, closing, signatures)
