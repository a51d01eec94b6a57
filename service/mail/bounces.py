"""Recognise delivery status notifications (bounces) and the VERP return paths Minnes sends with.

VERP scheme: a message for delivery ``D`` goes out with the envelope sender
``<local>+bounce-<D>-<mac>@<domain>``, where ``<local>@<domain>`` is the mailbox Minnes reads (so
bounces arrive where intake looks) and ``<mac>`` is the first 10 hex digits of
HMAC-SHA256(secret, ``bounce-<D>``). A bounce is addressed to that return path; its ``To``,
``Delivered-To``, ``X-Original-To`` or ``Envelope-To`` header gives ``D`` back, and the mac keeps
anyone without the secret from marking a recipient failed with a forged bounce. Without VERP (a relay
that will not send as plus addresses), the original Message-ID in the DSN finds the delivery
(distribution Message-IDs are unique per minutes version and recipient).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses

VERP_TAG = "bounce"
"""The plus tag that marks a return path as a VERP bounce address."""

_VERP = re.compile(
    r"^(?P<local>[^+@\s]+)\+bounce-(?P<id>\d{1,18})-(?P<mac>[0-9a-f]{10})@(?P<domain>[^@\s]+)$", re.IGNORECASE
)

_ADDRESS_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
"""Headers of a bounce that may carry the return path it was sent to, most specific first."""

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_ACTION_ORDER = {"failed": 0, "delayed": 1, "relayed": 2, "expanded": 3, "delivered": 4}


@dataclass(frozen=True)
class Bounce:
    """What a delivery status notification says about one recipient."""

    message_id: str
    """Message-ID of the message that bounced, with angle brackets; '' when the DSN does not quote it."""

    recipient: str
    """The recipient it is about (Final-Recipient, else Original-Recipient), lower case."""

    status: str
    """Enhanced status code such as ``5.1.1``; '' when missing."""

    diagnostic: str
    """The remote server's diagnostic text (``smtp; 550 5.1.1 User unknown``), whitespace collapsed."""

    action: str = "failed"
    """``failed``, ``delayed``, ``delivered``, ``relayed`` or ``expanded``."""

    delivery_id: int | None = None
    """The delivery named by a valid VERP address the bounce was sent to, if any."""

    @property
    def permanent(self) -> bool:
        """Tell whether the recipient cannot be reached (a failure, not a delay)."""
        return self.action == "failed"

    @property
    def reason(self) -> str:
        """A one-line reason for the delivery row: the diagnostic, else the status."""
        text = self.diagnostic
        if ";" in text.split(" ", 1)[0]:
            text = text.split(";", 1)[1].strip()  # drop "smtp;" diagnostic type
        return text or (f"status {self.status}" if self.status else "studsade")


# --------------------------------------------------------------------------- VERP


def _mac(delivery_id: int, secret: str) -> str:
    key = secret.encode("utf-8")
    return hmac.new(key, f"{VERP_TAG}-{delivery_id}".encode(), hashlib.sha256).hexdigest()[:10]


def verp_address(base: str, delivery_id: int, secret: str = "") -> str:
    """Return the VERP return path for one delivery, e.g. ``apt+bounce-17-1a2b3c4d5e@exempelby.se``."""
    addresses = getaddresses([base])
    addr = addresses[0][1] if addresses else ""
    local, at, domain = addr.partition("@")
    if not at or not local or not domain:
        raise ValueError(f"not an address: {base!r}")
    local = local.split("+", 1)[0]
    return f"{local}+{VERP_TAG}-{int(delivery_id)}-{_mac(int(delivery_id), secret)}@{domain}"


def verp_delivery_id(address: str, secret: str = "") -> int | None:
    """Return the delivery id of a VERP return path whose mac is right, else None."""
    addresses = getaddresses([address])
    addr = (addresses[0][1] if addresses else address).strip()
    match = _VERP.match(addr)
    if not match:
        return None
    delivery_id = int(match.group("id"))
    if not hmac.compare_digest(match.group("mac").lower(), _mac(delivery_id, secret)):
        return None
    return delivery_id


def is_verp_address(address: str) -> bool:
    """Tell whether an address has the shape of a VERP return path (mac not checked)."""
    addresses = getaddresses([address])
    return bool(_VERP.match((addresses[0][1] if addresses else address).strip()))


# --------------------------------------------------------------------------- DSN


def _parse(raw: bytes | Message) -> Message | None:
    if isinstance(raw, Message):
        return raw
    try:
        return message_from_bytes(raw, policy=policy.compat32)
    except Exception:  # a message too broken to parse is no DSN we can use
        return None


def is_dsn(raw: bytes | Message) -> bool:
    """Tell whether a message is a delivery status notification (multipart/report; delivery-status)."""
    msg = _parse(raw)
    if msg is None or msg.get_content_type() != "multipart/report":
        return False
    report_type = (msg.get_param("report-type") or "")
    return str(report_type).strip().lower() in ("delivery-status", "global-delivery-status")


def is_report(raw: bytes | Message) -> bool:
    """Tell whether a message is any machine report (DSN, read receipt, feedback report)."""
    msg = _parse(raw)
    return msg is not None and msg.get_content_type() == "multipart/report"


def _text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        charset = part.get_content_charset() or "utf-8"
        try:
            return payload.decode(charset, "replace")
        except LookupError:
            return payload.decode("utf-8", "replace")
    raw = part.get_payload()
    return raw if isinstance(raw, str) else ""


def _status_blocks(part: Message) -> list[Message]:
    """Return the per-message block and per-recipient blocks of a delivery-status part."""
    payload = part.get_payload()
    if isinstance(payload, list) and all(isinstance(p, Message) for p in payload):
        return list(payload)
    text = _text(part).replace("\r\n", "\n")
    parser = HeaderParser()
    return [parser.parsestr(block.strip() + "\n") for block in re.split(r"\n\s*\n", text) if block.strip()]


def _field(block: Message, name: str) -> str:
    value = block.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _typed_address(value: str) -> str:
    """Turn ``rfc822; Anna@X.se`` into ``anna@x.se``."""
    addr = value.split(";", 1)[1] if ";" in value else value
    return addr.strip().strip("<>").strip().lower()


def _original_message_id(msg: Message) -> str:
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message) and inner.get("Message-ID"):
                return str(inner["Message-ID"]).strip()
            if isinstance(payload, str) or inner is None:
                headers = HeaderParser().parsestr(_text(part))
                if headers.get("Message-ID"):
                    return str(headers["Message-ID"]).strip()
        if ctype in ("text/rfc822-headers", "message/global-headers"):
            headers = HeaderParser().parsestr(_text(part))
            if headers.get("Message-ID"):
                return str(headers["Message-ID"]).strip()
    return ""


def _verp_id(msg: Message, secret: str) -> int | None:
    for header in _ADDRESS_HEADERS:
        for value in msg.get_all(header) or []:
            for _, addr in getaddresses([str(value)]):
                found = verp_delivery_id(addr, secret)
                if found is not None:
                    return found
    return None


def parse_dsns(raw: bytes | Message, *, verp_secret: str = "") -> list[Bounce]:
    """Return one :class:`Bounce` per recipient a DSN reports on; [] when it is no DSN."""
    msg = _parse(raw)
    if msg is None or not is_dsn(msg):
        return []
    status_part = next(
        (p for p in msg.walk()
         if p.get_content_type() in ("message/delivery-status", "message/global-delivery-status")),
        None,
    )
    if status_part is None:
        return []
    blocks = _status_blocks(status_part)
    message_id = _original_message_id(msg)
    delivery_id = _verp_id(msg, verp_secret)
    found: list[Bounce] = []
    for block in blocks:  # the per-message block has no recipient and is passed over
        recipient = _typed_address(_field(block, "Final-Recipient") or _field(block, "Original-Recipient"))
        if not recipient:
            continue
        status_text = _field(block, "Status")
        status_match = _STATUS.search(status_text)
        diagnostic = _field(block, "Diagnostic-Code")
        action = _field(block, "Action").lower() or (
            "failed" if status_match and status_match.group(1) == "5" else "delayed"
        )
        found.append(Bounce(
            message_id=message_id,
            recipient=recipient,
            status=status_match.group(0) if status_match else status_text,
            diagnostic=diagnostic,
            action=action,
            delivery_id=delivery_id,
        ))
    return found


def parse_dsn(raw: bytes | Message, *, verp_secret: str = "") -> Bounce | None:
    """Return what a DSN says about its (first failed) recipient, or None when it is no usable DSN."""
    found = parse_dsns(raw, verp_secret=verp_secret)
    if not found:
        return None
    return min(found, key=lambda b: _ACTION_ORDER.get(b.action, 9))

