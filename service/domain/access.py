"""Who may read what in the archive: decided from the rosters, ``readers`` and ``admins`` alone.

A person reads the workplaces whose roster they are on and those whose ``readers`` name them;
managers and skyddsombud of a workplace also see who was reached; admins see everything, the
outbox and the audit log. Anyone else reads nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from service.domain.workplace import Workplace

STATUS_ROLES = ("manager", "safety_rep")
"""Roster roles that also see a workplace's delivery status."""


@dataclass(frozen=True)
class Reader:
    """A logged-in person and what they may see."""

    email: str
    """The address they logged in with, lower case."""

    admin: bool = False
    """Named in ``[web] admins``: every workplace, the outbox and the audit log."""

    reads: frozenset[str] = frozenset()
    """Ids of the workplaces whose minutes they read (every one for an admin)."""

    status: frozenset[str] = frozenset()
    """Ids of the workplaces whose delivery status they see."""

    manages: frozenset[str] = frozenset()
    """Ids of the workplaces they are a manager of (they may mark its actions done)."""

    def may_read(self, workplace_id: str) -> bool:
        """Say whether this person reads the workplace's minutes and PDFs."""
        return self.admin or workplace_id in self.reads

    def may_see_status(self, workplace_id: str) -> bool:
        """Say whether this person sees who was reached for the workplace's minutes."""
        return self.admin or workplace_id in self.status

    def may_manage(self, workplace_id: str) -> bool:
        """Say whether this person may mark any of the workplace's actions done."""
        return self.admin or workplace_id in self.manages


def normalised(email: str) -> str:
    """Return an address as it is compared: trimmed, lower case."""
    return (email or "").strip().lower()


def reader_of(email: str, workplaces: Mapping[str, Workplace], admins: Iterable[str]) -> Reader | None:
    """Return what ``email`` may see, or None when it is on no roster, in no ``readers`` and no admin."""
    address = normalised(email)
    if not address or "@" not in address:
        return None
    admin = address in {normalised(a) for a in admins}
    reads, status, manages = set(), set(), set()
    for wp in workplaces.values():
        member = wp.member(address)
        if member is not None:
            reads.add(wp.id)
            if member.role in STATUS_ROLES:
                status.add(wp.id)
            if member.role == "manager":
                manages.add(wp.id)
        elif address in {normalised(r) for r in wp.readers}:
            reads.add(wp.id)
    if admin:
        everyone = frozenset(workplaces)
        return Reader(address, True, everyone, everyone, everyone)
    if not reads:
        return None
    return Reader(address, False, frozenset(reads), frozenset(status), frozenset(manages))


def known(email: str, workplaces: Mapping[str, Workplace], admins: Iterable[str]) -> bool:
    """Say whether a login link may be sent to ``email``."""
    return reader_of(email, workplaces, admins) is not None
