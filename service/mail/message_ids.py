"""Message-IDs derived from what a mail is about, so that a repeated job sends the same id again."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from email.utils import make_msgid


def _digest(*parts: object) -> str:
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def distribution_message_id(minutes_id: int, version: int, email: str, domain: str, secret: str = "") -> str:
    """Return the Message-ID of one distribution mail: the same for every re-sent copy.

    It is keyed with the installation's secret, so nobody can compute another recipient's id from
    the public facts (minutes id, version, address) and forge a bounce for it.
    """
    text = "\x1f".join(("distribution", str(minutes_id), str(version), email.strip().lower()))
    digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
    return f"<minnes.{minutes_id}.{version}.{digest}@{domain.strip().lower()}>"


def reply_message_id(kind: str, in_reply_to: str, to: str, domain: str) -> str:
    """Return a reply's Message-ID, derived from the message it answers (a new one if none is known)."""
    if in_reply_to.strip():
        return f"<minnes.{kind}.{_digest(kind, in_reply_to.strip(), to.strip().lower())[:24]}@{domain}>"
    return make_msgid(idstring=f"minnes.{kind}", domain=domain)


def report_message_id(
    *, workplace_id: str, date: str | None, archive_url: str, to: str, unreached: Iterable[str], domain: str
) -> str:
    """Return the Message-ID of a delivery report: the same while the same people are unreached."""
    key = sorted(email.lower() for email in unreached)
    return f"<minnes.report.{_digest(workplace_id, date, archive_url, to, *key)[:24]}@{domain}>"
