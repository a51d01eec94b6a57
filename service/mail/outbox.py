"""Delivery into a folder: one .eml file per (message, recipient), for trying Minnes without a relay."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from service.mail.sending import Meanwhile, SendResult
from service.mail.wire import Mail, WireMessage, envelope_sender, wire_bytes

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+=-]+")


def outbox_name(msg: Mail, recipient: str) -> str:
    """Return the file name of a message to one recipient: the same for a re-sent copy."""
    if isinstance(msg, WireMessage):
        message_id = msg.message_id.strip().strip("<>")
    else:
        message_id = str(msg.get("Message-ID", "")).strip().strip("<>")
    if not message_id:
        message_id = hashlib.sha256(wire_bytes(msg)).hexdigest()[:32]
    key = f"{message_id}\n{recipient.strip().lower()}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    readable = _UNSAFE.sub("_", f"{message_id.split('@')[0]}--{recipient.strip().lower()}")[:150]
    return f"{readable}--{digest}.eml"


def _write_atomically(folder: Path, name: str, data: bytes) -> None:
    """Write ``data`` to ``folder/name`` through a synced temporary file, so no half file is seen."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class OutboxSession:
    """Writes each sent message to the outbox folder as one .eml file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(
        self,
        msg: Mail,
        recipient: str,
        *,
        envelope_from: str = "",
        meanwhile: Meanwhile | None = None,
        before_end: Meanwhile | None = None,
    ) -> SendResult:
        """Write the message atomically, with Return-Path and Delivered-To on top as an MDA would."""
        if before_end is not None:
            before_end()
        name = outbox_name(msg, recipient)
        sender = envelope_sender(msg, envelope_from)
        head = f"Return-Path: <{sender}>\r\nDelivered-To: {recipient}\r\n".encode()
        try:
            _write_atomically(self.folder, name, head + wire_bytes(msg))
        except OSError as exc:
            return SendResult("deferred", f"utkorgen {self.folder}: {exc.strerror or exc}")
        return SendResult("sent", f"250 sparat i utkorgen som {name}")


@dataclass(frozen=True)
class OutboxTransport:
    """Delivery into a folder: one .eml per (message, recipient), for trying Minnes without a relay."""

    folder: Path
    """Where the .eml files are written."""

    @contextlib.contextmanager
    def session(self) -> Iterator[OutboxSession]:
        """Open a session that writes into the folder."""
        yield OutboxSession(Path(self.folder))
