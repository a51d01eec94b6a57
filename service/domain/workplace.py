"""Workplaces, their rosters and agendas."""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("manager", "safety_rep", "union_rep", "employee")
"""The roles a roster row may have."""

KINDS = ("apt", "samverkansgrupp")
"""The kinds of meeting Minnes structures."""

LANGUAGES = ("sv", "en")
"""The languages a workplace's drafts are read in and its mails, PDF and pages are written in."""


@dataclass(frozen=True)
class Member:
    """One person on a workplace roster."""

    name: str
    """Full name as the roster writes it."""

    email: str
    """Address, lower case."""

    role: str = "employee"
    """One of :data:`ROLES`."""


@dataclass(frozen=True)
class AgendaEntry:
    """One item of a workplace's standing agenda."""

    title: str
    """The title the minutes use for the item."""

    aliases: tuple[str, ...] = ()
    """Other headings that mean this item, configured for the workplace."""


@dataclass(frozen=True)
class Workplace:
    """A unit whose meetings Minnes structures and whose staff receive the minutes."""

    id: str
    """Identifier, equal to the file stem and usable as a plus tag (``apt+<id>@…``)."""

    name: str
    """Display name, e.g. ``Hemtjänst Norr``."""

    kind: str
    """One of :data:`KINDS`."""

    organisation: str = ""
    """The organisation the workplace belongs to."""

    members: tuple[Member, ...] = ()
    """The roster: everyone who receives the minutes."""

    agenda: tuple[AgendaEntry, ...] = ()
    """The standing agenda, in order."""

    submitters: str = "roster"
    """Who may send minutes: ``roster`` (anyone on it) or ``note_takers``."""

    note_takers: tuple[str, ...] = field(default=())
    """Addresses allowed to send minutes when ``submitters`` is ``note_takers``."""

    language: str = "sv"
    """One of :data:`LANGUAGES`: the vocabulary drafts are read with and the language of replies."""

    approval: str = "none"
    """``none`` or ``adjusters``: justering before anyone receives the minutes."""

    adjusters: tuple[str, ...] = ()
    """Addresses asked to justera when the draft names nobody on the roster."""

    review_minutes: int = 0
    """Minutes between the receipt and distribution, in which the note-taker may stop or correct them."""

    safety_committee: bool = False
    """A samverkansgrupp that is also skyddskommitté (AML 6:8-9)."""

    readers: tuple[str, ...] = ()
    """Addresses outside the roster who may read this workplace's minutes."""

    retention_years: int | None = None
    """Years after its meeting a minutes version is removed; 0 kept for ever; None: the global setting."""

    export_before_removal: bool = False
    """Remove minutes (and raw drafts) only after an export that holds them."""

    reminder_days: int = 3
    """An action's owner is reminded this many days before it is due."""

    def member(self, email: str) -> Member | None:
        """Return the roster member with this address, if any."""
        wanted = email.strip().lower()
        for m in self.members:
            if m.email == wanted:
                return m
        return None

    def may_submit(self, email: str) -> bool:
        """Tell whether this address may send minutes for the workplace."""
        wanted = email.strip().lower()
        if wanted in self.note_takers:
            return True
        return self.submitters == "roster" and self.member(wanted) is not None

    @property
    def managers(self) -> tuple[Member, ...]:
        """Members whose role is manager."""
        return tuple(m for m in self.members if m.role == "manager")

    @property
    def safety_reps(self) -> tuple[Member, ...]:
        """Members whose role is safety_rep (skyddsombud)."""
        return tuple(m for m in self.members if m.role == "safety_rep")

    @property
    def union_reps(self) -> tuple[Member, ...]:
        """Members whose role is union_rep (facklig företrädare)."""
        return tuple(m for m in self.members if m.role == "union_rep")
