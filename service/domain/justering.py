"""Justering: who is asked to justera a draft, when they are reminded, and what their answer said.

Pure logic on plain data. The justerare are the people the draft names (``roles.adjusters``) who are on
the roster; otherwise the workplace's configured ``adjusters``; otherwise its managers. A
samverkansgrupp needs at least one facklig företrädare (roster role ``union_rep``) among them: when
the named ones hold none, the configured union representatives are added, else the roster's.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

from service.domain.workplace import Member, Workplace

FUZZY_CUTOFF = 90.0
"""The least similarity (rapidfuzz ``ratio`` on folded full names) that still matches a roster name."""

SOURCE_DRAFT = "draft"
"""The justerare are those the draft names."""

SOURCE_CONFIGURED = "configured"
"""The draft named nobody on the roster: the workplace's ``adjusters`` are asked."""

SOURCE_MANAGERS = "managers"
"""Nobody named, nobody configured: the managers are asked."""

SOURCE_NOBODY = "nobody"
"""Nobody could be found to ask."""

REMINDER_DAYS = (2, 5)
"""Days after the request when an unanswered justerare is reminded."""

NOTICE_DAYS = 7
"""Days after the request when the managers hear that a justerare has not answered."""

NOTICE_LEVEL = len(REMINDER_DAYS) + 1
"""``request.reminders`` once the managers have been told (after the reminders 1 and 2)."""


@dataclass(frozen=True)
class Choice:
    """Who is asked to justera one draft, and why."""

    justerare: tuple[Member, ...]
    """Everyone who must approve, in the order they are asked."""

    source: str
    """Where they came from: :data:`SOURCE_DRAFT`, :data:`SOURCE_CONFIGURED`, :data:`SOURCE_MANAGERS`
    or :data:`SOURCE_NOBODY`."""

    not_on_roster: tuple[str, ...] = ()
    """Names the draft gives as justerare that match nobody on the roster (they are not asked)."""

    union_added: tuple[Member, ...] = ()
    """Union representatives added because a samverkansgrupp's justerare held none."""

    union_missing: bool = False
    """A samverkansgrupp whose justerare hold no union representative, and none could be added."""


def fold(name: str) -> str:
    """Return a name in comparable form: NFC, case-folded, single spaces, no punctuation."""
    text = unicodedata.normalize("NFC", name).casefold()
    return " ".join(re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text))


def _plain(name: str) -> str:
    """Return a folded name without diacritics (å→a, ö→o), for typo-tolerant comparison."""
    decomposed = unicodedata.normalize("NFKD", fold(name))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def match_member(name: str, members: tuple[Member, ...] | list[Member]) -> Member | None:
    """Return the one roster member a written name means, or None when it means nobody or several.

    In order: the full name; first and last name (middle names left out on either side); a first name
    alone that only one member has; a near spelling of the full name (rapidfuzz, without diacritics).
    An address written as the name matches that member.
    """
    wanted = fold(name)
    if not wanted:
        return None
    if "@" in name:
        address = name.strip().strip("<>").lower()
        return next((m for m in members if m.email == address), None)
    words = wanted.split()
    for test in (
        lambda m: fold(m.name) == wanted,
        lambda m: len(words) > 1 and _first_last(fold(m.name)) == _first_last(wanted),
        lambda m: len(words) == 1 and fold(m.name).split()[:1] == words,
    ):
        found = [m for m in members if m.name and test(m)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            return None  # two people fit: asking either would be a guess
    if len(words) < 2:
        return None
    plain = _plain(wanted)
    scored = sorted(((fuzz.ratio(_plain(m.name), plain), i) for i, m in enumerate(members) if m.name),
                    reverse=True)
    if not scored or scored[0][0] < FUZZY_CUTOFF:
        return None
    if len(scored) > 1 and scored[1][0] >= FUZZY_CUTOFF:
        return None
    return members[scored[0][1]]


def _first_last(folded: str) -> tuple[str, str]:
    words = folded.split()
    return (words[0], words[-1]) if words else ("", "")


def _unique(people: list[Member]) -> list[Member]:
    seen: set[str] = set()
    out: list[Member] = []
    for p in people:
        if p.email and p.email not in seen:
            seen.add(p.email)
            out.append(p)
    return out


def configured(workplace: Workplace) -> list[Member]:
    """Return the workplace's configured justerare: roster members where the address is on it."""
    return _unique([workplace.member(a) or Member(name="", email=a.strip().lower(), role="")
                    for a in workplace.adjusters])


def choose(named: tuple[str, ...] | list[str], workplace: Workplace) -> Choice:
    """Return who is asked to justera a draft naming ``named`` as justerare, at ``workplace``."""
    matched: list[Member] = []
    missing: list[str] = []
    for name in named:
        member = match_member(name, workplace.members)
        if member is None:
            missing.append(name)
        else:
            matched.append(member)
    people = _unique(matched)
    source = SOURCE_DRAFT
    if not people:
        people, source = configured(workplace), SOURCE_CONFIGURED
    if not people:
        people, source = list(workplace.managers), SOURCE_MANAGERS
    added: list[Member] = []
    union_missing = False
    if workplace.kind == "samverkansgrupp" and not any(p.role == "union_rep" for p in people):
        have = {p.email for p in people}
        added = [p for p in configured(workplace) if p.role == "union_rep" and p.email not in have]
        if not added:
            added = [p for p in workplace.union_reps if p.email not in have]
        union_missing = not added
        people += added
    if not people:
        source = SOURCE_NOBODY
    return Choice(justerare=tuple(people), source=source, not_on_roster=tuple(missing),
                  union_added=tuple(added), union_missing=union_missing)


def request_token(secret: str, purpose: str, request_id: int, email: str, salt: str) -> str:
    """Return a request's token (22 URL-safe characters, 128 bits) keyed with the installation's secret.

    The same request gives the same token again, so a reminder can thread under the request it
    reminds of and carry its link, while only the token's hash is stored; ``salt`` (the draft's
    content hash) keeps a reused request id of another archive from naming the same token.
    """
    text = "\x1f".join(("minnes-justering", purpose, str(request_id), email.strip().lower(), salt))
    digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def due_level(asked_at: dt.datetime, now: dt.datetime) -> int:
    """Return how many reminders are due for a request asked at ``asked_at``: 0, 1, 2, or 3 (the notice)."""
    age = now - asked_at
    if age >= dt.timedelta(days=NOTICE_DAYS):
        return NOTICE_LEVEL
    return sum(1 for days in REMINDER_DAYS if age >= dt.timedelta(days=days))


@dataclass(frozen=True)
class Reminding:
    """What one step of a request's reminders sends."""

    justerare: bool
    """Remind the justerare (a reminder after 2 or 5 days was due)."""

    managers: bool
    """Tell the managers (7 days passed)."""


def reminding(before: int, after: int) -> Reminding:
    """Return what to send when a request's reminders go from ``before`` to ``after``: each at most once.

    A sweep that finds several steps due at once (the service was down) sends one reminder, not two.
    """
    return Reminding(justerare=before < min(after, len(REMINDER_DAYS)),
                     managers=before < NOTICE_LEVEL <= after)


_QUOTE_INTRO = re.compile(
    r"^(?:-{2,}\s*(?:ursprungligt meddelande|original message)\s*-*|"
    r"(?:on|den|på)\s.{1,200}\s(?:wrote|skrev)(?:\s.{0,80})?:|.{1,120}\sskrev:|"
    r"(?:från|from)\s*:\s*\S.*)$",
    re.IGNORECASE,
)

COMMENT_CHARS = 3000
"""How much of a justerare's own words a comment mail quotes."""


def own_words(text: str) -> str:
    """Return a reply's own words: up to the quoted mail it answers, blank runs squeezed."""
    lines: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith(">") or _QUOTE_INTRO.match(stripped):
            break
        lines.append(line.rstrip())
    own = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if len(own) > COMMENT_CHARS:
        own = own[:COMMENT_CHARS].rsplit(" ", 1)[0] + " …"
    return own


@dataclass(frozen=True)
class Approval:
    """One justerare's approval, as the PDF and the page show it."""

    name: str
    """The justerare's name (the address when the roster gives none)."""

    email: str
    """The address the request went to."""

    at: str
    """When they approved: ISO 8601 with the local offset, e.g. ``2026-11-21T09:14+01:00``."""

    def to_json(self) -> dict[str, str]:
        """Return the record as the PDF's data has it."""
        return {"name": self.name, "email": self.email, "at": self.at}


def approvals(records: list[dict] | None) -> list[Approval]:
    """Return the approvals in a minutes PDF's data (``justering``), skipping anything malformed."""
    out: list[Approval] = []
    for r in records or []:
        if isinstance(r, dict) and (r.get("name") or r.get("email")):
            out.append(Approval(name=str(r.get("name") or r.get("email")), email=str(r.get("email") or ""),
                                at=str(r.get("at") or "")))
    return out
