"""Read a raw message with mail-parser into plain data: headers, sender, bodies, attachments."""

from __future__ import annotations

import codecs
import datetime as dt
import email
import email.message
import email.utils
import logging
import re
from dataclasses import dataclass, field

import mailparser

from service.domain.flowed import unflow
from service.mail.decoding import MAX_HEADER_CHARS, decode_bytes, decode_header_value

MAX_PARTS = 500
"""MIME parts beyond this many are ignored."""

MAX_DEPTH = 30
"""MIME nesting deeper than this is ignored."""

MAX_BODY_BYTES = 5_000_000
"""Text bodies are cut to this length: no minutes are longer."""

logging.getLogger("mailparser").setLevel(logging.CRITICAL)


class MalformedMessage(Exception):
    """The bytes cannot be read as an email."""


@dataclass(frozen=True)
class Attachment:
    """One attached file, kept in memory only."""

    filename: str
    """The file name the sender gave (decoded), '' when none."""

    content_type: str
    """The declared MIME type, lower case."""

    data: bytes
    """The decoded content."""

    charset: str = ""
    """The declared charset, for text attachments."""


@dataclass(frozen=True)
class ReadMessage:
    """What Minnes needs from one raw message."""

    size: int
    """Size of the raw message in bytes."""

    from_name: str
    """The sender's display name."""

    from_email: str
    """The sender's address, lower case ('' when none could be read)."""

    recipients: tuple[str, ...]
    """Addresses in To, Cc, Delivered-To, X-Original-To and Envelope-To, lower case."""

    subject: str
    """The decoded subject."""

    date: dt.datetime | None
    """The Date header, when it can be read."""

    message_id: str
    """The Message-ID, with angle brackets ('' when missing)."""

    authentication_results: tuple[str, ...]
    """Every Authentication-Results header, unfolded."""

    automatic: bool
    """The message is itself automatic: Auto-Submitted, Precedence bulk, an auto-reply subject."""

    text_plain: str
    """The first text/plain body ('' when none), unwrapped when its part declared format=flowed."""

    text_html: str
    """The first text/html body ('' when none)."""

    attachments: tuple[Attachment, ...]
    """Attached files, in message order."""

    forwarded_plain: str = ""
    """The text/plain body of an attached message (message/rfc822), for forwarded drafts; flowed too."""

    forwarded_html: str = ""
    """The text/html body of an attached message."""

    headers: tuple[tuple[str, str], ...] = ()
    """Every header as (name, decoded value), in order."""

    parsed: email.message.Message | None = field(default=None, compare=False, repr=False)
    """The parsed message itself, for what looks at its MIME structure again (delivery reports)."""

    def header(self, name: str) -> list[str]:
        """Return every value of one header, in order."""
        key = name.lower()
        return [v for n, v in self.headers if n.lower() == key]


# --------------------------------------------------------------------------- headers

_AUTO_SUBJECT = re.compile(
    r"^\s*(?:autosvar|automatiskt svar|frånvaro|frånvarande|out of office|automatic reply|"
    r"auto(?:matic)?[- ]?reply|"
    r"auto:|autoreply|abwesenheit|fravær|poissa|undeliverable|olevererbar|delivery status notification|"
    r"returned mail|mail delivery failed)",
    re.IGNORECASE,
)


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    try:
        pairs = email.utils.getaddresses(values)
    except Exception:  # noqa: BLE001
        return []
    return [(n, a.strip().lower()) for n, a in pairs if "@" in a]


def _sender(raw_from: list[str]) -> tuple[str, str]:
    """Return (name, address) from From headers, also when a broken mailer encoded the whole header."""
    unfolded = [re.sub(r"\r?\n[ \t]*", " ", v)[:MAX_HEADER_CHARS] for v in raw_from]
    found = _addresses(unfolded)
    if not found or not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", found[0][1]):
        found = _addresses([decode_header_value(v) for v in raw_from])
    if not found:
        return (decode_header_value(raw_from[0]) if raw_from else "", "")
    name, address = found[0]
    name = decode_header_value(name).strip().strip('"').strip()
    if "=?" in name:  # an encoded word that spans the address: decode the whole header first
        whole = _addresses([decode_header_value(v) for v in raw_from])
        if whole:
            name, address = whole[0]
            name = name.strip().strip('"').strip()
    if "=?" in address:
        address = decode_header_value(address).lower()
    return name, address


def _is_automatic(get: dict[str, list[str]], subject: str, sender: str) -> bool:
    auto = " ".join(get.get("auto-submitted", [])).strip().lower()
    if auto and auto != "no":
        return True
    if any(p.strip().lower() in ("bulk", "junk", "list") for p in get.get("precedence", [])):
        return True
    if get.get("x-autoreply") or get.get("x-autorespond") or get.get("x-minnes-kind"):
        return True
    local = sender.partition("@")[0]
    if local in ("mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply"):
        return True
    return bool(_AUTO_SUBJECT.match(subject))


# --------------------------------------------------------------------------- bodies


def _payload(part: email.message.Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken base64/quoted-printable
        data = None
    if isinstance(data, bytes):
        return data[:MAX_BODY_BYTES]
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")[:MAX_BODY_BYTES]
    return b""


def _filename(part: email.message.Message) -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except Exception:  # noqa: BLE001
        name = ""
    if isinstance(name, tuple):  # RFC 2231 (charset, language, value)
        name = email.utils.collapse_rfc2231_value(name)
    return decode_header_value(name) if name else ""


def _charset(part: email.message.Message) -> str:
    try:
        cs = part.get_content_charset()
    except Exception:  # noqa: BLE001
        cs = None
    return cs or ""


def _param(part: email.message.Message, name: str) -> str:
    """Return one Content-Type parameter, unquoted and lower case ('' when absent or unreadable)."""
    try:
        value = part.get_param(name)
    except Exception:  # noqa: BLE001 - broken Content-Type headers
        return ""
    if isinstance(value, tuple):  # RFC 2231 (charset, language, value)
        value = email.utils.collapse_rfc2231_value(value)
    return str(value).strip().strip('"').strip().lower() if value else ""


def _plain_text(part: email.message.Message) -> str:
    """Decode a text/plain part, unwrapped when it declares format=flowed (RFC 3676)."""
    text = decode_bytes(_payload(part), _charset(part))
    if _param(part, "format") == "flowed":
        text = unflow(text, delsp=_param(part, "delsp") == "yes")
    return text


@dataclass
class _Bodies:
    plain: str = ""
    html: str = ""
    fwd_plain: str = ""
    fwd_html: str = ""


def _walk(msg: email.message.Message, bodies: _Bodies, attachments: list[Attachment]) -> None:
    """Collect bodies and attachments, breadth-bounded and depth-bounded, without recursion."""
    stack: list[tuple[email.message.Message, int, bool]] = [(msg, 0, False)]
    seen = 0
    while stack and seen < MAX_PARTS:
        part, depth, forwarded = stack.pop()
        seen += 1
        try:
            ctype = part.get_content_type().lower()
        except Exception:  # noqa: BLE001
            ctype = "text/plain"
        payload = part.get_payload()
        if isinstance(payload, list):
            if depth < MAX_DEPTH:
                inner_fwd = forwarded or ctype.startswith("message/")
                children = [p for p in payload if isinstance(p, email.message.Message)]
                stack.extend((c, depth + 1, inner_fwd) for c in reversed(children))
            continue
        try:
            disposition = (part.get_content_disposition() or "").lower()
        except Exception:  # noqa: BLE001
            disposition = ""
        filename = _filename(part)
        if disposition == "attachment" or (filename and not ctype.startswith("text/")) or (
            filename and disposition != "inline"
        ):
            if not forwarded:
                attachments.append(Attachment(filename, ctype, _payload(part), _charset(part)))
            continue
        if ctype == "text/plain":
            text = _plain_text(part)
            if forwarded:
                bodies.fwd_plain = bodies.fwd_plain or text
            elif not bodies.plain.strip():
                bodies.plain = text
        elif ctype == "text/html":
            text = decode_bytes(_payload(part), _charset(part))
            if forwarded:
                bodies.fwd_html = bodies.fwd_html or text
            elif not bodies.html.strip():
                bodies.html = text


def read_message(raw: bytes) -> ReadMessage:
    """Parse a raw message; raise :class:`MalformedMessage` when it cannot be read as an email."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    if not raw or not raw.strip():
        raise MalformedMessage("empty message")
    try:
        msg = mailparser.parse_from_bytes(raw).message
    except Exception:  # noqa: BLE001 - mail-parser raises anything on garbage; the stdlib parser is lenient
        try:
            msg = email.message_from_bytes(raw)
        except Exception as exc:  # noqa: BLE001
            raise MalformedMessage(f"{type(exc).__name__}: {exc}") from None
    if msg is None:
        raise MalformedMessage("no message")
    try:
        raw_items = list(msg.raw_items())
    except Exception as exc:  # noqa: BLE001
        raise MalformedMessage(f"unreadable headers: {exc}") from None
    if not raw_items:
        raise MalformedMessage("no headers")
    get: dict[str, list[str]] = {}
    headers: list[tuple[str, str]] = []
    for name, value in raw_items[:1000]:
        key = str(name).strip().lower()
        text = str(value)
        get.setdefault(key, []).append(text)
        headers.append((str(name), decode_header_value(text)))
    from_name, from_email = _sender(get.get("from", []) or get.get("sender", []))
    rcpt_raw = [re.sub(r"\r?\n[ \t]*", " ", v)[:MAX_HEADER_CHARS] for k in
                ("to", "cc", "delivered-to", "x-original-to", "envelope-to", "resent-to")
                for v in get.get(k, [])]
    recipients = tuple(dict.fromkeys(a for _, a in _addresses(rcpt_raw)))
    subject = decode_header_value(get.get("subject", [""])[0])
    date = None
    if get.get("date"):
        try:
            date = email.utils.parsedate_to_datetime(decode_header_value(get["date"][0]))
        except (TypeError, ValueError, IndexError, OverflowError):
            date = None
    message_id = decode_header_value(get.get("message-id", [""])[0]).strip()
    auth = tuple(decode_header_value(v) for v in get.get("authentication-results", []))
    bodies = _Bodies()
    attachments: list[Attachment] = []
    try:
        _walk(msg, bodies, attachments)
    except RecursionError:
        raise MalformedMessage("MIME structure too deep") from None
    return ReadMessage(
        size=len(raw),
        from_name=from_name,
        from_email=from_email,
        recipients=recipients,
        subject=subject,
        date=date,
        message_id=message_id,
        authentication_results=auth,
        automatic=_is_automatic(get, subject, from_email),
        text_plain=bodies.plain,
        text_html=bodies.html,
        attachments=tuple(attachments),
        forwarded_plain=bodies.fwd_plain,
        forwarded_html=bodies.fwd_html,
        headers=tuple(headers),
        parsed=msg,
    )


def read_headers(raw: bytes) -> ReadMessage:
    """Read only the header block (for messages too large to parse): sender, subject, ids."""
    head = raw[:256_000]
    end = re.search(rb"\r?\n\r?\n", head)
    block = head[: end.start()] if end else head
    try:
        return read_message(block + b"\n\n")
    except MalformedMessage:
        return ReadMessage(len(raw), "", "", (), "", None, "", (), False, "", "", ())
