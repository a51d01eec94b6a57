"""Maildir intake: store each new message in the archive, then move it to cur/.

A message is moved to cur/ with the flag ``S`` (seen) once it is stored. One that can never be
processed, refused by ``accept`` or larger than ``max_message_bytes`` (of which only the header block
is read and stored, see :mod:`workers.intake`), goes to cur/ with the flag ``T`` (trashed): the
failed place of a maildir, where a mail client shows it as deleted.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from workers.intake import MAX_MESSAGE_BYTES, MessageRefused, read_message_file

log = logging.getLogger(__name__)


class MaildirError(Exception):
    """The maildir could not be read or written."""


def ensure_maildir(path: Path) -> None:
    """Create a Maildir (cur/ new/ tmp/) when it is missing."""
    try:
        for sub in ("cur", "new", "tmp"):
            (path / sub).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MaildirError(f"maildir {path} kan inte skapas: {exc.strerror}") from exc


def deliver_to_maildir(path: Path, raw: bytes, name: str) -> Path:
    """Place a message in new/ the way a mail server does (tmp/ then rename)."""
    ensure_maildir(path)
    tmp = path / "tmp" / name
    tmp.write_bytes(raw)
    final = path / "new" / name
    os.replace(tmp, final)
    return final


class MaildirIntake:
    """Hand every message in new/ to ``accept``; acknowledge it (to cur/) only once it is stored.

    ``accept`` gets the raw message and ``{"source": "maildir", "file": name, "size": bytes}``; of a
    message larger than ``max_message_bytes`` only the header block, ``size`` being the real one.
    """

    def __init__(
        self,
        path: Path,
        accept: Callable[[bytes, dict], object],
        *,
        poll_seconds: float = 1.0,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        self.path = Path(path)
        self.accept = accept
        self.poll_seconds = poll_seconds
        self.max_message_bytes = max_message_bytes
        ensure_maildir(self.path)

    def poll_once(self) -> int:
        """Take in every message now in new/; return how many were acknowledged."""
        done = 0
        try:
            names = sorted(os.listdir(self.path / "new"))
        except OSError as exc:
            raise MaildirError(f"maildir {self.path} kan inte läsas: {exc.strerror}") from exc
        for name in names:
            if name.startswith("."):
                continue
            src = self.path / "new" / name
            try:
                got = read_message_file(src, self.max_message_bytes)
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("kan inte läsa %s: %s", src, exc)
                continue
            flags = "S"
            try:
                self.accept(got.raw, {"source": "maildir", "file": name, "size": got.size})
                if got.too_large:
                    log.warning(
                        "%s är för stort (%d byte, gränsen är %d); bara huvudet sparas, "
                        "flyttas till cur/ som raderat",
                        name, got.size, self.max_message_bytes,
                    )
                    flags = "T"
            except MessageRefused as exc:
                log.warning("%s kan inte behandlas alls (%s); flyttas till cur/ som raderat", name, exc)
                flags = "T"
            except Exception:  # noqa: BLE001 - leave it in new/; it is retried next round
                log.exception("kunde inte ta emot %s; försöker igen", name)
                continue
            base = name.split(":", 1)[0]
            try:
                os.replace(src, self.path / "cur" / f"{base}:2,{flags}")
            except FileNotFoundError:
                pass
            done += 1
        return done

    def run(self, stop: threading.Event) -> None:
        """Poll new/ until ``stop`` is set."""
        while not stop.is_set():
            try:
                self.poll_once()
            except MaildirError as exc:
                log.error("%s", exc)
            stop.wait(self.poll_seconds)
