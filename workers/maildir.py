"""Maildir intake: store each new message in the archive, then move it to cur/."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from workers.intake import MessageRefused

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
    """Hand every message in new/ to ``accept``; acknowledge it (to cur/) only once it is stored."""

    def __init__(
        self, path: Path, accept: Callable[[bytes, dict], object], *, poll_seconds: float = 1.0
    ) -> None:
        self.path = Path(path)
        self.accept = accept
        self.poll_seconds = poll_seconds
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
                raw = src.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("kan inte läsa %s: %s", src, exc)
                continue
            flags = "S"
            try:
                self.accept(raw, {"source": "maildir", "file": name})
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
