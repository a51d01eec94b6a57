"""Route a message to its workplace and judge its sender (DESIGN "Routing and authorising")."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from service.domain.workplace import Workplace

AUTH_PASS = "pass"
"""A trusted Authentication-Results header says dmarc=pass or an aligned dkim=pass."""

AUTH_FAIL = "fail"
"""A trusted Authentication-Results header says dmarc=fail."""

AUTH_NONE = "none"
"""No trusted verdict."""


@dataclass(frozen=True)
class Route:
    """Where a message goes, or why it goes nowhere."""

    workplace: Workplace | None
    """The workplace, when one was found."""

    error: str | None = None
    """A rejection code (``workplace_unknown``, ``sender_not_allowed``) when none was found."""


def plus_tags(recipients: Iterable[str], mailbox_address: str) -> list[str]:
    """Return the plus tags of recipients on the unit's mailbox (``apt+<tag>@…``), in order."""
    local, _, domain = mailbox_address.strip().lower().partition("@")
    tags: list[str] = []
    for address in recipients:
        a = address.strip().lower()
        user, _, dom = a.rpartition("@")
        base, plus, tag = user.partition("+")
        ours = (not local or base == local) and (not domain or dom == domain)
        if plus and tag and ours and tag not in tags:
            tags.append(tag)
    return tags


def route(
    workplaces: Mapping[str, Workplace],
    *,
    recipients: Iterable[str],
    sender: str,
    mailbox_address: str,
) -> Route:
    """Find the workplace: a plus tag names it, else the one workplace whose roster has the sender."""
    tags = plus_tags(recipients, mailbox_address)
    for tag in tags:
        if tag in workplaces:
            return Route(workplaces[tag])
    if tags:
        return Route(None, "workplace_unknown")
    sender = sender.strip().lower()
    allowed = [w for w in workplaces.values() if sender and w.may_submit(sender)]
    if len(allowed) == 1:
        return Route(allowed[0])
    if len(allowed) > 1:
        return Route(None, "workplace_unknown")
    listed = [w for w in workplaces.values() if sender and w.member(sender) is not None]
    if len(listed) == 1:
        return Route(listed[0])
    if not listed:
        return Route(None, "sender_not_allowed")
    return Route(None, "workplace_unknown")


def known_sender(workplaces: Mapping[str, Workplace], sender: str) -> bool:
    """Tell whether an address is on any roster or note-taker list."""
    s = sender.strip().lower()
    return bool(s) and any(w.member(s) is not None or s in w.note_takers for w in workplaces.values())


_METHOD = re.compile(r"(?<![\w.-])(dkim|dmarc|spf)\s*=\s*([a-z]+)", re.IGNORECASE)
_HEADER_D = re.compile(r"header\.(?:d|i|from)\s*=\s*@?([^\s;()]+)", re.IGNORECASE)
_COMMENTS = re.compile(r"\([^()]*\)")


def _aligned(domain: str, from_domain: str) -> bool:
    d, f = domain.lower().strip("."), from_domain.lower().strip(".")
    return bool(d) and bool(f) and (f == d or f.endswith("." + d) or d.endswith("." + f))


def authentication(headers: Iterable[str], trusted_authserv_id: str, from_domain: str) -> str:
    """Return :data:`AUTH_PASS`, :data:`AUTH_FAIL` or :data:`AUTH_NONE` from Authentication-Results.

    ``headers`` are in the message's order, topmost first. Only the topmost header whose authserv-id
    equals the trusted one counts: the trusted MX adds its own on top (RFC 8601), so any other header
    claiming that id was added upstream, by anyone, and is ignored. In it, dmarc=fail wins over a pass.
    """
    trusted = trusted_authserv_id.strip().lower()
    if not trusted:
        return AUTH_NONE
    verdict = AUTH_NONE
    for header in headers:
        text = _COMMENTS.sub(" ", header[:4000])
        serv = text.split(";", 1)[0].strip().split()
        if not serv or serv[0].lower() != trusted:
            continue
        for clause in text.split(";")[1:]:
            m = _METHOD.search(clause)
            if not m:
                continue
            method, result = m.group(1).lower(), m.group(2).lower()
            if method == "dmarc" and result == "fail":
                return AUTH_FAIL
            if method == "dmarc" and result == "pass":
                verdict = AUTH_PASS
            if method == "dkim" and result == "pass":
                d = _HEADER_D.search(clause)
                if d and _aligned(d.group(1).rpartition("@")[2], from_domain):
                    verdict = AUTH_PASS
        break  # the topmost trusted header is the MX's own; the rest may be forged
    return verdict


def internal_vouched(values: Iterable[str], expected: str) -> bool:
    """Tell whether the organisation's own header (``Name: value``) is present with exactly that value.

    ``values`` are the values of that header in the message; ``expected`` is the configured
    ``trusted_internal_header`` ("" when none is configured, which never vouches).
    """
    _name, sep, want = expected.partition(":")
    if not sep or not want.strip():
        return False
    found = [v.strip() for v in values]
    return len(found) == 1 and found[0].casefold() == want.strip().casefold()


def sender_verdict(
    headers: Iterable[tuple[str, str]], *, trusted_authserv_id: str, trusted_internal_header: str,
    from_domain: str,
) -> str:
    """Return the verdict on a message's sender from its headers (name, value), topmost first.

    The trusted MX's topmost ``Authentication-Results`` decides; failing a pass there, the
    organisation's own ``trusted_internal_header`` (when configured) vouches for internal mail. A
    ``dmarc=fail`` from the MX is never overruled.
    """
    pairs = list(headers)
    auth = [v for n, v in pairs if n.strip().lower() == "authentication-results"]
    verdict = authentication(auth, trusted_authserv_id, from_domain)
    if verdict != AUTH_NONE:
        return verdict
    name = trusted_internal_header.partition(":")[0].strip().lower()
    if name and internal_vouched([v for n, v in pairs if n.strip().lower() == name], trusted_internal_header):
        return AUTH_PASS
    return AUTH_NONE
