"""Structured minutes as typed data, with a JSON round trip that gives exactly the contract's JSON.

``contracts/structure-output.md`` is the JSON; :class:`Minutes` is the same in frozen dataclasses,
and it holds the decisions every reader of minutes shares (the PDF, the mails, the receipt and the
page): which sections come in which order, whether an item counts as covered, every action with its
item, and who the skyddsombud are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.domain.wording import is_other_questions
from service.domain.workplace import Workplace


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _strs(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values or () if v is not None)


@dataclass(frozen=True)
class Meeting:
    """Which meeting the minutes are of: workplace, kind, date, time and place."""

    workplace: str
    """The workplace id."""

    workplace_name: str = ""
    """The workplace's display name."""

    kind: str = "apt"
    """``apt`` or ``samverkansgrupp``."""

    date: str | None = None
    """The meeting date, ISO ``YYYY-MM-DD``."""

    start: str | None = None
    """Start time, ``HH:MM``."""

    end: str | None = None
    """End time, ``HH:MM``."""

    location: str | None = None
    """Where the meeting was held."""


@dataclass(frozen=True)
class Sender:
    """Who sent the draft."""

    name: str | None = None
    """Display name."""

    email: str | None = None
    """Address."""

    authenticated: bool = False
    """The trusted MX (or the internal header) vouched for the sender."""


@dataclass(frozen=True)
class Roles:
    """The people with a role in the meeting."""

    chair: str | None = None
    """Ordförande."""

    note_taker: str | None = None
    """Antecknare, sekreterare."""

    adjusters: tuple[str, ...] = ()
    """Justerare."""

    safety_reps: tuple[str, ...] = ()
    """Skyddsombud named in the draft or present from the roster."""


@dataclass(frozen=True)
class Attendance:
    """Who was there and who was not."""

    present: tuple[str, ...] = ()
    """Those present, as written."""

    absent: tuple[str, ...] = ()
    """Those absent, as written."""


@dataclass(frozen=True)
class Action:
    """Something someone is to do."""

    what: str
    """What is to be done."""

    owner: str | None = None
    """Who does it, as written (``Alla`` is a valid owner)."""

    due: str | None = None
    """When it is due, ISO ``YYYY-MM-DD``."""


@dataclass(frozen=True)
class Section:
    """An agenda item (with ``number`` and ``title``) or an unplanned section (``number`` None)."""

    heading: str | None
    """The draft's own heading line; None when the draft does not cover an item."""

    number: int | None = None
    """The item's 1-based place on the agenda; None for an unplanned section."""

    title: str = ""
    """The agenda's title of the item ('' for an unplanned section)."""

    text: str = ""
    """The notes, without decision and action lines."""

    decisions: tuple[str, ...] = ()
    """Decisions."""

    actions: tuple[Action, ...] = ()
    """Actions."""

    @property
    def has_notes(self) -> bool:
        """Tell whether the section holds any notes, decisions or actions."""
        return bool(self.text.strip() or self.decisions or self.actions)

    @property
    def name(self) -> str:
        """Return what the section is called: the agenda title, else its heading."""
        return self.title or self.heading or ""


@dataclass(frozen=True)
class Warning:
    """Something the note-taker should check."""

    code: str
    """What kind of warning (``date_from_header``, ``closing_cut`` …)."""

    message: str
    """The text for the note-taker, in the workplace's language."""


@dataclass(frozen=True)
class PrivacyFinding:
    """Personal details the privacy check found."""

    code: str
    """``personnummer`` or ``health``."""

    item: int | None
    """The agenda number, None when in the opening or an unplanned section."""

    excerpt: str
    """The sentence."""


@dataclass(frozen=True)
class ActionRef:
    """An action with the section it belongs to."""

    action: Action
    """The action."""

    number: int | None
    """The agenda item, None when it stands in an unplanned section."""

    section: str
    """The name of that item or unplanned section."""


@dataclass(frozen=True)
class Placed:
    """An agenda item as readers show it, with the unplanned sections placed under it."""

    item: Section
    """The agenda item (or a stand-in for *Övriga frågor* when the agenda has none)."""

    covered: bool
    """Whether the item counts as covered."""

    unplanned: tuple[Section, ...] = ()
    """Unplanned sections shown under this item."""


@dataclass(frozen=True)
class Minutes:
    """Accepted, structured minutes."""

    meeting: Meeting
    """Which meeting."""

    sender: Sender = field(default_factory=Sender)
    """Who sent the draft."""

    roles: Roles = field(default_factory=Roles)
    """Chair, note-taker, justerare, skyddsombud."""

    attendance: Attendance = field(default_factory=Attendance)
    """Present and absent."""

    items: tuple[Section, ...] = ()
    """One section per agenda item, in agenda order."""

    unplanned: tuple[Section, ...] = ()
    """Sections whose heading matched no agenda item, in draft order."""

    missing: tuple[int, ...] = ()
    """Numbers of agenda items with no notes."""

    warnings: tuple[Warning, ...] = ()
    """What the note-taker should check."""

    privacy: tuple[PrivacyFinding, ...] = ()
    """What the privacy check found."""

    # ------------------------------------------------------------------ shared decisions

    def covered(self, item: Section) -> bool:
        """Tell whether an agenda item counts as covered: it has notes, or a heading and is not missing."""
        return item.has_notes or (item.heading is not None and item.number not in self.missing)

    def placed(self, language: str = "sv") -> list[Placed]:
        """Return the agenda items in order, the unplanned sections under *Övriga frågor*."""
        out: list[Placed] = []
        placed = False
        for item in self.items:
            if self.unplanned and not placed and is_other_questions(item.title, language):
                out.append(Placed(item, True, self.unplanned))
                placed = True
            else:
                out.append(Placed(item, self.covered(item)))
        if self.unplanned and not placed:
            out.append(Placed(Section(None, None, ""), True, self.unplanned))
        return out

    def all_actions(self) -> list[ActionRef]:
        """Return every action, agenda items first in order, then those of unplanned sections."""
        refs = [ActionRef(a, s.number, s.name) for s in self.items for a in s.actions]
        return refs + [ActionRef(a, None, s.name) for s in self.unplanned for a in s.actions]

    def safety_reps(self, workplace: Workplace | None = None) -> tuple[str, ...]:
        """Return the skyddsombud: those the minutes name, else the roster's."""
        if self.roles.safety_reps or workplace is None:
            return self.roles.safety_reps
        return tuple(m.name for m in workplace.safety_reps)

    # ------------------------------------------------------------------ JSON

    def to_json(self) -> dict[str, Any]:
        """Return the contract's JSON object (``status`` accepted)."""
        m, r = self.meeting, self.roles
        return {
            "status": "accepted",
            "error": None,
            "meeting": {"workplace": m.workplace, "workplace_name": m.workplace_name, "kind": m.kind,
                        "date": m.date, "start": m.start, "end": m.end, "location": m.location},
            "sender": {"name": self.sender.name, "email": self.sender.email,
                       "authenticated": self.sender.authenticated},
            "roles": {"chair": r.chair, "note_taker": r.note_taker, "adjusters": list(r.adjusters),
                      "safety_reps": list(r.safety_reps)},
            "attendance": {"present": list(self.attendance.present), "absent": list(self.attendance.absent)},
            "items": [_section_json(s, item=True) for s in self.items],
            "unplanned": [_section_json(s, item=False) for s in self.unplanned],
            "missing": list(self.missing),
            "warnings": [{"code": w.code, "message": w.message} for w in self.warnings],
            "privacy": [{"code": p.code, "item": p.item, "excerpt": p.excerpt} for p in self.privacy],
        }

    @classmethod
    def of(cls, value: Minutes | dict[str, Any]) -> Minutes:
        """Return typed minutes as they are, or made from the contract's JSON."""
        return value if isinstance(value, Minutes) else cls.from_json(value)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Minutes:
        """Read the contract's JSON (also older stored minutes that lack newer keys)."""
        m = data.get("meeting") or {}
        s = data.get("sender") or {}
        r = data.get("roles") or {}
        a = data.get("attendance") or {}
        return cls(
            meeting=Meeting(str(m.get("workplace") or ""), str(m.get("workplace_name") or ""),
                            str(m.get("kind") or "apt"), _str(m.get("date")), _str(m.get("start")),
                            _str(m.get("end")), _str(m.get("location"))),
            sender=Sender(_str(s.get("name")), _str(s.get("email")), bool(s.get("authenticated"))),
            roles=Roles(_str(r.get("chair")), _str(r.get("note_taker")), _strs(r.get("adjusters")),
                        _strs(r.get("safety_reps"))),
            attendance=Attendance(_strs(a.get("present")), _strs(a.get("absent"))),
            items=tuple(_section(x) for x in data.get("items") or () if isinstance(x, dict)),
            unplanned=tuple(_section(x, unplanned=True) for x in data.get("unplanned") or ()
                            if isinstance(x, dict)),
            missing=tuple(int(n) for n in data.get("missing") or () if str(n).isdigit()),
            warnings=tuple(Warning(str(w.get("code") or ""), str(w.get("message") or ""))
                           for w in data.get("warnings") or () if isinstance(w, dict)),
            privacy=tuple(PrivacyFinding(str(p.get("code") or ""), p.get("item"), str(p.get("excerpt") or ""))
                          for p in data.get("privacy") or () if isinstance(p, dict)),
        )


def _section(data: dict[str, Any], *, unplanned: bool = False) -> Section:
    actions = tuple(Action(str(x.get("what") or ""), _str(x.get("owner")), _str(x.get("due")))
                    for x in data.get("actions") or () if isinstance(x, dict))
    number = None if unplanned else data.get("number")
    return Section(
        heading=_str(data.get("heading")),
        number=int(number) if isinstance(number, int) or str(number or "").isdigit() else None,
        title="" if unplanned else str(data.get("title") or ""),
        text=str(data.get("text") or ""),
        decisions=_strs(data.get("decisions")),
        actions=actions,
    )


def _section_json(s: Section, *, item: bool) -> dict[str, Any]:
    body = {"heading": s.heading, "text": s.text, "decisions": list(s.decisions),
            "actions": [{"what": a.what, "owner": a.owner, "due": a.due} for a in s.actions]}
    return {"number": s.number, "title": s.title, **body} if item else body
