"""Decode mail text: bytes in a declared or guessed charset, and header values with encoded words."""

from __future__ import annotations

import codecs
import email.header
import re

MAX_HEADER_CHARS = 20000
"""Header values are cut to this length before anything looks at them."""

_LATIN = {"iso-8859-1", "latin-1", "latin1", "iso8859-1", "windows-1252", "cp1252", "us-ascii", "ascii",
          "iso-8859-15", "iso8859-15"}


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip('"').lower()
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if getattr(info, "_is_text_encoding", True) is False:
        return None
    return info.name


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode text: the declared charset, then utf-8, windows-1252, iso-8859-1 (never drops å/ä/ö)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    order: list[str] = []
    declared_codec = _codec(declared)
    if declared_codec and (declared or "").strip().strip('"').lower() in _LATIN:
        order.append("utf-8")  # A latin label on utf-8 bytes is a common mislabel; utf-8 is strict.
    if declared_codec:
        order.append(declared_codec)
    order += ["utf-8", "cp1252", "latin-1"]
    for name in order:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError, ValueError, TypeError):
            continue
    return data.decode("latin-1", "replace")


_SURROGATE = re.compile(r"[\udc80-\udcff]")
_ENCODED_WORD = re.compile(r"=\?[^?\s]{1,40}\?[bqBQ]\?[^?\s]{0,2000}\?=")


def decode_header_value(value: object) -> str:
    """Decode a header value: encoded words and raw 8-bit text, in any charset, folded lines joined."""
    if isinstance(value, email.header.Header):
        value = str(value)
    text = str(value)[:MAX_HEADER_CHARS]
    if _SURROGATE.search(text):
        text = decode_bytes(text.encode("utf-8", "surrogateescape"))
    text = re.sub(r"\r?\n[ \t]*", " ", text)
    if "=?" in text and _ENCODED_WORD.search(text):
        try:
            parts = email.header.decode_header(text)
        except Exception:  # noqa: BLE001 - the stdlib raises several kinds on broken words
            parts = [(text, None)]
        out = []
        for chunk, charset in parts:
            out.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
        text = "".join(out)
    return " ".join(text.replace("\x00", "").split())
