"""Reading the IMAP server's answers: pure functions, values in and values out, no connection.

The one seam that talks to a server is :mod:`workers.imap.connection` (and the intake that uses it);
everything here can be tested with the values imapclient returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def text(value: Any) -> str:
    """Return a server value (bytes, or already text) as text."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def uidvalidity(selected: dict) -> int:
    """Return the UIDVALIDITY of a SELECT answer."""
    return int(selected[b"UIDVALIDITY"])


def uidnext(selected: dict) -> int | None:
    """Return the UIDNEXT of a SELECT answer, None when the server did not give it."""
    value = selected.get(b"UIDNEXT")
    return int(value) if value is not None else None


def body_request(max_bytes: int) -> str:
    """Return the FETCH item for a whole message, unread, but at most one byte more than ``max_bytes``."""
    return f"BODY.PEEK[]<0.{max_bytes + 1}>"


def header_request(max_bytes: int) -> str:
    """Return the FETCH item for a message's header block, unread, at most ``max_bytes`` of it."""
    return f"BODY.PEEK[HEADER]<0.{max_bytes}>"


def _section(fetched: dict, uid: int, section: bytes) -> bytes | None:
    """Return one section of a FETCH answer, whole (``BODY[]``) or partial (``BODY[]<0>``)."""
    for key, value in fetched.get(uid, {}).items():
        if key == section or (isinstance(key, bytes) and key.startswith(section + b"<")):
            return value if isinstance(value, bytes) else None
    return None


def fetched_body(fetched: dict, uid: int) -> bytes | None:
    """Return the raw message of a ``BODY.PEEK[]`` FETCH answer, None when it is gone (expunged)."""
    return _section(fetched, uid, b"BODY[]")


def fetched_header(fetched: dict, uid: int) -> bytes | None:
    """Return the header block of a ``BODY.PEEK[HEADER]`` FETCH answer, None when it is gone."""
    return _section(fetched, uid, b"BODY[HEADER]")


def fetched_size(fetched: dict, uid: int) -> int | None:
    """Return the ``RFC822.SIZE`` of a FETCH answer, None when the server gave none (expunged)."""
    value = fetched.get(uid, {}).get(b"RFC822.SIZE")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def batches(uids: Sequence[int], size: int) -> list[list[int]]:
    """Split UIDs into lists of at most ``size``, in order."""
    return [list(uids[i:i + size]) for i in range(0, len(uids), size)]


def namespace_layout(personal: Sequence[tuple[Any, Any]] | None) -> tuple[str, str] | None:
    """Return (prefix, delimiter) of the personal NAMESPACE, None when the server names none."""
    if not personal:
        return None
    prefix, sep = personal[0]
    return text(prefix), text(sep or "/")


def listed_delimiter(listed: Sequence[tuple[Any, Any, Any]] | None) -> str | None:
    """Return the hierarchy delimiter of a ``LIST "" ""`` answer, None when it gives none."""
    if listed and listed[0][1]:
        return text(listed[0][1])
    return None


def is_inbox(name: str) -> bool:
    """Tell whether a configured folder is the INBOX, whose name is the same on every server."""
    return name.upper() == "INBOX"


def server_folder_name(name: str, prefix: str = "", delimiter: str = "/") -> str:
    """Return the server's name for a configured folder (``/`` as separator); INBOX stays INBOX."""
    if is_inbox(name):
        return "INBOX"
    server_name = name.replace("/", delimiter)
    if prefix and not server_name.startswith(prefix):
        server_name = prefix + server_name
    return server_name


def is_new_mail(response: tuple) -> bool:
    """Tell whether an untagged IDLE response announces mail (``* n EXISTS`` or ``* n RECENT``)."""
    return len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")


def is_bye(response: tuple) -> bool:
    """Tell whether an untagged response is the server's BYE."""
    return bool(response) and response[0] == b"BYE"
