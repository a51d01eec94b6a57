"""What the opening of a draft says about the meeting: date, time, place, attendance and roles."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.domain.attendance import (
    Person,
    Placeholder,
    Presence,
    attendance_kind,
    nobody,
    placeholder,
    read_people,
)
from service.domain.dates import find_dates, find_times
from service.domain.document import Line
from service.domain.fields import label_value, split_names, strip_bullet

DATE_LABELS = frozenset(("datum", "mötesdatum", "när", "dag", "date", "meeting date"))
"""Labels of the meeting date."""

TIME_LABELS = frozenset(("tid", "tidpunkt", "klockan", "kl", "time"))
"""Labels of the meeting time."""

PLACE_LABELS = frozenset(
    ("plats", "lokal", "var", "mötesplats", "rum", "sal", "place", "location", "venue", "room", "where")
)
"""Labels of the meeting place."""

COMBINED_LABELS = re.compile(
    r"^(?:(?:datum|tid|plats|när|var|date|time|place|location|venue)(?:\s*,\s*|\s+och\s+|\s+and\s+|\s*/\s*|\s*&\s*)){1,2}"
    r"(?:datum|tid|plats|när|var|date|time|place|location|venue)$"
)
"""``Plats och tid``, ``Datum och tid``, ``Datum, tid och plats``, ``Date and time``."""

CHAIR_LABELS = frozenset(
    (
        "ordförande",
        "mötesordförande",
        "ordf",
        "mötesledare",
        "ledare",
        "chair",
        "chairperson",
        "chaired by",
        "chair of the meeting",
    )
)
"""Labels of the chair."""

NOTE_TAKER_LABELS = frozenset(
    (
        "antecknare",
        "sekreterare",
        "protokollförare",
        "sekr",
        "vid protokollet",
        "vid tangenterna",
        "anteckningar",
        "antecknat av",
        "antecknades av",
        "minnesanteckningar",
        "mötessekreterare",
        "protokoll",
        "secretary",
        "minutes",
        "minute taker",
        "minutes taken by",
        "note taker",
        "note-taker",
        "notes",
        "notes taken by",
        "minute-taker",
    )
)
"""Labels of the note-taker."""

_NAME_ONLY_LABELS = frozenset(("anteckningar", "minnesanteckningar", "protokoll", "minutes", "notes"))

ADJUSTER_LABELS = frozenset(
    ("justerare", "justeras", "justeras av", "justerande", "protokolljusterare", "justerat")
)
"""Labels of the adjusters."""

SAFETY_LABELS = frozenset(
    ("skyddsombud", "huvudskyddsombud", "arbetsmiljöombud", "safety rep", "safety representative")
)
"""Labels of the safety representatives."""

_EXCEPT = re.compile(r"\b(?:utom|förutom|except|but not)\b", re.IGNORECASE)
_PERSON = re.compile(r"^[A-ZÅÄÖÉ][\w'’\-]+(?:\s[A-ZÅÄÖÉ][\w'’\-]+){0,3}$")
_WEEKDAY = re.compile(
    r"\b(?:måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)(?:en|s)?\b",
    re.IGNORECASE,
)


@dataclass
class Preamble:
    """What the opening of a draft says about the meeting."""

    date_texts: list[str] = field(default_factory=list)
    """Values of ``Datum:`` fields, in order."""

    time_texts: list[str] = field(default_factory=list)
    """Values of ``Tid:`` fields (and ``Datum:`` values, which often carry the time)."""

    place: str | None = None
    """The place."""

    present: list[str] | None = None
    """Those present, when the draft lists them."""

    absent: list[str] | None = None
    """Those absent, when the draft lists them."""

    present_placeholder: Placeholder | None = None
    """A word such as ``alla`` or ``se bilaga`` in place of the names of those present."""

    notes: list[tuple[str, str]] = field(default_factory=list)
    """(name, note) pairs from the attendance lists: ``(chef)``, ``, skyddsombud``."""

    chair: str | None = None
    """The chair."""

    note_taker: str | None = None
    """The note-taker."""

    adjusters: list[str] = field(default_factory=list)
    """The adjusters."""

    safety_reps: list[str] = field(default_factory=list)
    """Safety representatives named in a field."""

    used: set[int] = field(default_factory=set)
    """Indexes of the lines consumed as fields."""


def place_of(value: str) -> str | None:
    """Return the place in ``Rum Björken, torsdag 12/11 kl. 14.00``: the parts that are no date or time."""
    kept = []
    for part in re.split(r"\s*[,;]\s*", value):
        bare = _WEEKDAY.sub("", part)
        bare = re.sub(r"\b(?:kl(?:ockan|\.)?|den|at)\b", "", bare, flags=re.IGNORECASE)
        if find_dates(part) or find_times(part)[0] or not re.sub(r"[\W\d_]", "", bare):
            continue
        kept.append(part.strip())
    text = ", ".join(kept).strip(" .")
    return text or None


def _people_after(lines: list[Line], i: int, used: set[int], first_names: frozenset[str]) -> list[Person]:
    """Collect a one-person-per-line list that follows a label with no value."""
    people: list[Person] = []
    j = i + 1
    while j < len(lines) and not lines[j].blank and len(people) < 200:
        text = lines[j].text
        if label_value(text) is not None or len(text) > 120 or lines[j].cells:
            break
        if attendance_kind(strip_bullet(text).rstrip(":")) is not None:
            break
        people += read_people(text, one_per_line=True, first_names=first_names)
        used.add(j)
        j += 1
    return people


def _attendance(pre: Preamble, kind: Presence, people: list[Person]) -> None:
    names = [p.name for p in people]
    if kind is Presence.PRESENT:
        pre.present = (pre.present or []) + names
    else:
        pre.absent = (pre.absent or []) + names
    pre.notes += [(p.name, p.note) for p in people if p.note]


def read_fields(
    lines: list[Line],
    indexes: range | list[int],
    *,
    attendance_only: bool = False,
    first_names: frozenset[str] = frozenset(),
) -> Preamble:
    """Read meeting fields from the given lines (the preamble, or a section for attendance only)."""
    pre = Preamble()
    for i in indexes:
        if i in pre.used or lines[i].cells:
            continue
        text = lines[i].text
        lv = label_value(text)
        if lv is None:
            bare = strip_bullet(text).rstrip(":").strip()
            if text.rstrip().endswith(":") and attendance_kind(bare) is not None:
                lv = (bare.casefold(), "")
            else:
                continue
        label, value = lv
        kind = attendance_kind(label)
        if kind is not None:
            pre.used.add(i)
            if not value:
                people = _people_after(lines, i, pre.used, first_names)
            elif (ph := placeholder(value)) is not None:
                if kind is Presence.PRESENT:
                    pre.present_placeholder = ph
                    pre.present = pre.present or []
                    but = _EXCEPT.split(value, maxsplit=1)
                    if len(but) == 2 and ph is Placeholder.EVERYONE:
                        _attendance(pre, Presence.ABSENT, read_people(but[1], first_names=first_names))
                else:
                    pre.absent = pre.absent or []
                continue
            elif nobody(value):
                people = []
            else:
                people = read_people(value, first_names=first_names)
            _attendance(pre, kind, people)
            continue
        if attendance_only:
            continue
        if COMBINED_LABELS.match(label):
            pre.used.add(i)
            pre.date_texts.append(value)
            pre.time_texts.append(value)
            pre.place = pre.place or place_of(value)
        elif label in DATE_LABELS:
            pre.used.add(i)
            pre.date_texts.append(value)
            pre.time_texts.append(value)
        elif label in TIME_LABELS:
            pre.used.add(i)
            pre.time_texts.append(value)
        elif label in PLACE_LABELS:
            pre.used.add(i)
            pre.place = pre.place or value.rstrip(".") or None
        elif label in CHAIR_LABELS:
            pre.used.add(i)
            pre.chair = pre.chair or (split_names(value) or [None])[0]
        elif label in NOTE_TAKER_LABELS:
            names = split_names(value)
            if label in _NAME_ONLY_LABELS and not (names and _PERSON.match(names[0])):
                continue
            pre.used.add(i)
            pre.note_taker = pre.note_taker or (names or [None])[0]
        elif label in ADJUSTER_LABELS:
            pre.used.add(i)
            if not value:
                pre.adjusters += [p.name for p in _people_after(lines, i, pre.used, first_names)]
            else:
                pre.adjusters += split_names(value)
        elif label in SAFETY_LABELS:
            pre.used.add(i)
            pre.safety_reps += split_names(value)
    return pre
