"""Requests Minnes asks by mail, and the answers to them (contracts/mail.md "Replies to a request").

A request carries two tokens of 128 random bits: one in its ``Message-ID`` (a reply references it)
and one in its link. Only their SHA-256 is stored. A reply's first line that is neither empty nor
quoted decides, by its first word: approve, stop, or (anything else) a comment.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from enum import StrEnum

TOKEN_BYTES = 16
"""128 random bits per token."""

MESSAGE_ID_PREFIX = "minnes-req"
"""The local part that marks a request's Message-ID: ``<minnes-req.TOKEN@domain>``."""

_TOKEN = r"[A-Za-z0-9_-]{22}"
_REFERENCE = re.compile(rf"<{MESSAGE_ID_PREFIX}\.({_TOKEN})@[^<>\s]+>")
_LINK_TOKEN = re.compile(rf"^{_TOKEN}$")

APPROVE_WORDS = frozenset(
    {"ja", "ok", "godkänt", "godkänner", "justerat", "justerar", "skicka", "yes", "approved"}
)
"""First words that approve or confirm."""

STOP_WORDS = frozenset({"nej", "stopp", "stop", "no"})
"""First words that stop."""


class Verdict(StrEnum):
    """What a reply to a request says."""

    APPROVE = "approve"
    """Yes: confirm or approve."""

    STOP = "stop"
    """No: stop the minutes."""

    COMMENT = "comment"
    """Anything else: a comment for the note-taker."""


def new_token() -> str:
    """Return a new token: 128 random bits, URL-safe (22 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """Return the SHA-256 of a token, as stored."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def is_token(value: str) -> bool:
    """Tell whether a string has the shape of a token (from a link)."""
    return bool(_LINK_TOKEN.match(value or ""))


def request_message_id(token: str, domain: str) -> str:
    """Return the Message-ID of a request mail, holding its reply token."""
    return f"<{MESSAGE_ID_PREFIX}.{token}@{domain.strip().lower() or 'minnes.invalid'}>"


def referenced_tokens(values: Iterable[str]) -> list[str]:
    """Return the request tokens named in In-Reply-To / References values, in order, once each."""
    found: list[str] = []
    for value in values:
        for token in _REFERENCE.findall(value[:20000]):
            if token not in found:
                found.append(token)
    return found


_QUOTE_INTRO = re.compile(r"^(?:on .+ wrote:|den .+ skrev .+:|.+ skrev:)$", re.IGNORECASE)


def first_line(text: str) -> str:
    """Return the reply's first line that is neither empty nor quoted ('' when there is none)."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(">") or _QUOTE_INTRO.match(stripped):
            continue
        return stripped
    return ""


def verdict(text: str) -> Verdict:
    """Judge a reply by the first word (letters only, case-folded) of its first own line."""
    line = first_line(text)
    word = re.match(r"[^\W\d_]+", line)
    first = word.group(0).casefold() if word else ""
    if first in APPROVE_WORDS:
        return Verdict.APPROVE
    if first in STOP_WORDS:
        return Verdict.STOP
    return Verdict.COMMENT


LINK_PATH = "/svar/"
"""Where a request's link points, under ``[web] base_url``: ``/svar/TOKEN``."""

LOGIN_PATH = "/login/"
"""Where a login link points, under ``[web] base_url``: ``/login/TOKEN`` (256 bits, 43 characters)."""

_IN_TEXT = re.compile(rf"({re.escape(LINK_PATH)}|{MESSAGE_ID_PREFIX}\.){_TOKEN}(?![A-Za-z0-9_-])")
_LOGIN_IN_TEXT = re.compile(rf"({re.escape(LOGIN_PATH)})[A-Za-z0-9_-]{{43}}(?![A-Za-z0-9_-])")


def redact(text: str) -> str:
    """Return a request mail's text with its tokens (in links and Message-IDs) replaced by an ellipsis."""
    return _LOGIN_IN_TEXT.sub(r"\1…", _IN_TEXT.sub(r"\1…", text))
