"""What every intake (maildir, IMAP) shares: the size limit, the header of a message too large, refusals.

A message larger than ``intake.max_message_bytes`` is never read whole: the intakes learn its size
first (the file's size, the server's ``RFC822.SIZE``), read at most one byte more than the limit of a
message that claims to fit, and of one too large only its header block (at most
:data:`MAX_HEADER_BYTES`). That header block is what they hand to ``accept``, with the message's
real size in the metadata under ``"size"``, and they file the message as failed: processing then
knows the sender, the Message-ID and the Authentication-Results, and rejects it as
``message_too_large``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from service.config import IntakeSettings

MAX_MESSAGE_BYTES: int = IntakeSettings.max_message_bytes
"""The default of ``intake.max_message_bytes``: larger messages are not taken in whole."""

MAX_HEADER_BYTES = 1024 * 1024
"""Most of a too-large message's header block that is read and kept."""

_CHUNK = 64 * 1024


class MessageRefused(Exception):
    """Raised by ``accept``: the message cannot be processed at all and is filed as failed, not retried."""


@dataclass(frozen=True)
class Incoming:
    """One message as an intake read it."""

    raw: bytes
    """The whole message; only its header block when it is too large."""

    size: int
    """The message's real size in bytes."""

    too_large: bool
    """It is larger than the limit, and ``raw`` is its header block."""


def _header_ends(data: bytes) -> bool:
    """Tell whether the bytes hold the blank line that ends a header block."""
    return data.startswith((b"\n", b"\r\n")) or b"\n\n" in data or b"\n\r\n" in data


def header_block(data: bytes) -> bytes:
    """Return the header block at the start of a message's bytes, ending in its blank line.

    ``data`` may be cut anywhere (a partial read): a last line without its line end is dropped, and
    a blank line is added when the bytes held none.
    """
    lines: list[bytes] = []
    for part in data.split(b"\n")[:-1]:  # the last part has no line end: cut off, or empty
        line = part + b"\n"
        lines.append(line)
        if line in (b"\n", b"\r\n"):
            return b"".join(lines)
    eol = b"\r\n" if lines and lines[0].endswith(b"\r\n") else b"\n"
    return b"".join(lines) + eol


def read_header_block(stream: BinaryIO, max_bytes: int = MAX_HEADER_BYTES) -> bytes:
    """Read a message's header block from a stream at its start, at most ``max_bytes`` of it."""
    data = b""
    while len(data) < max_bytes and not _header_ends(data):
        chunk = stream.read(min(_CHUNK, max_bytes - len(data)))
        if not chunk:
            break
        data += chunk
    return header_block(data)


def read_message_file(path: Path, max_bytes: int = MAX_MESSAGE_BYTES) -> Incoming:
    """Read a message file whole when it fits the limit, else only its header block and its size."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size <= max_bytes:
            raw = fh.read(size + 1)  # one byte more: a file that grew meanwhile is noticed
            if len(raw) > size:
                raw += fh.read(max_bytes + 1 - len(raw))
            if len(raw) <= max_bytes:
                return Incoming(raw, len(raw), False)
            size = max(os.fstat(fh.fileno()).st_size, len(raw))
            return Incoming(header_block(raw[:MAX_HEADER_BYTES]), size, True)
        return Incoming(read_header_block(fh), size, True)
