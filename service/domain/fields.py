"""Fields of a draft: meeting date, time and place, attendance, roles, decisions and actions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.domain.document import Line

_BULLET = re.compile(r"^(?:[-*•–·▪○◦]|\d{1,2}[.)])\s+")
_LABEL = re.compile(r"^(?P<label>[^\W\d_][^\W\d_ ./-]*(?:[ ./-]{1,2}[^\W\d_]+){0,3})\s*:\s*(?P<value>.*)$")


def strip_bullet(text: str) -> str:
    """Return a line without a leading list bullet."""
    return _BULLET.sub("", text, count=1).strip()


def label_value(text: str) -> tuple[str, str] | None:
    """Split ``Label: value`` into (label in lower case, value); None when the line has no label."""
    m = _LABEL.match(strip_bullet(text)[:200])
    if not m:
        return None
    return m.group("label").casefold().strip(), m.group("value").strip()


PRESENT_LABELS = frozenset(("närvarande", "deltagare", "deltog", "närvarade", "närvaro", "deltagande",
                            "närvarande ledamöter", "närvarande personal"))
"""Labels of the list of those present."""

ABSENT_LABELS = frozenset(("frånvarande", "ej närvarande", "anmält förhinder", "förhinder", "ej närv",
                           "frånvarade", "ej deltagande", "frånvaro", "inte närvarande", "anmäld frånvaro"))
"""Labels of the list of those absent."""

DATE_LABELS = frozenset(("datum", "mötesdatum", "när", "dag", "datum och tid", "datum och plats"))
"""Labels of the meeting date."""

TIME_LABELS = frozenset(("tid", "tidpunkt", "klockan", "kl"))
"""Labels of the meeting time."""

PLACE_LABELS = frozenset(("plats", "lokal", "var", "mötesplats", "rum", "sal"))
"""Labels of the meeting place."""

CHAIR_LABELS = frozenset(("ordförande", "mötesordförande", "ordf", "mötesledare", "ledare"))
"""Labels of the chair."""

NOTE_TAKER_LABELS = frozenset(("antecknare", "sekreterare", "protokollförare", "sekr", "vid protokollet",
                               "vid tangenterna", "anteckningar", "antecknat av", "antecknades av",
                               "minnesanteckningar", "mötessekreterare", "protokoll"))
"""Labels of the note-taker."""

ADJUSTER_LABELS = frozenset(("justerare", "justeras", "justeras av", "justerande", "protokolljusterare",
                             "justerat"))
"""Labels of the adjusters."""

SAFETY_LABELS = frozenset(("skyddsombud", "huvudskyddsombud", "arbetsmiljöombud"))
"""Labels of the safety representatives."""

DECISION = re.compile(
    r"^(?:beslut(?:ades)?|mötet beslutade|mötet beslöt|beslöts|vi beslutade|det beslutades)\s*(?::|att\b)\s*"
    r"(?:att\s+)?(?P<what>.+)$",
    re.IGNORECASE,
)
"""A decision line: ``Beslut:``, ``Beslutades att``, ``Mötet beslutade att``, ``Beslut att``."""

ACTION = re.compile(r"^(?:åtgärd(?:er)?|att göra|todo|to do|uppdrag)\s*:\s*(?P<what>.*)$", re.IGNORECASE)
"""An action line: ``Åtgärd:`` or ``Att göra:``."""

_OWNER = re.compile(r"\b(?:ansvarig|ansvar|ansv)\.?\s*:\s*", re.IGNORECASE)
_DUE = re.compile(
    r"\b(?:klart senast|klar senast|klart|klar|senast|deadline|datum|till)\s*:\s*", re.IGNORECASE
)
_DUE_WORD = re.compile(r"\b(?:klart senast|klar senast|senast|deadline|klart|klar)\s+(?=\d)", re.IGNORECASE)
_DATE_LIKE = re.compile(
    r"\d{1,2}/\d{1,2}|\d{4}-\d{2}-\d{2}|\d{1,2}\s+(?:jan|feb|mar|apr|maj|jun|jul|aug|sep|okt|nov|dec)"
    r"|vecka|v\.\s*\d",
    re.IGNORECASE,
)
_PARENS = re.compile(r"\(([^()]{1,200})\)")


@dataclass(frozen=True)
class RawAction:
    """An action as written, before its due date is resolved."""

    what: str
    """What is to be done."""

    owner: str | None
    """Who does it, as written."""

    due_text: str | None
    """When it is due, as written."""


def _cut_field(text: str, pattern: re.Pattern[str]) -> tuple[str, str | None]:
    """Remove ``Label: value`` from text; return (rest, value)."""
    m = pattern.search(text)
    if not m:
        return text, None
    start = m.start()
    rest_after = text[m.end():]
    # The value runs to the next field label or the end.
    found = (_OWNER.search(rest_after), _DUE.search(rest_after), _DUE_WORD.search(rest_after))
    nxt = [x.start() for x in found if x]
    end = min(nxt) if nxt else len(rest_after)
    value = rest_after[:end].strip().strip(".,;()").strip()
    rest = (text[:start] + " " + rest_after[end:]).strip()
    return rest, value or None


_TRAILING_PARENS = re.compile(r"\(([^()]{1,120})\)\s*\.?\s*$")
_NAME = re.compile(r"^(?:[A-ZÅÄÖÉ][\w\-]*|alla|Alla)(?:\s[A-ZÅÄÖÉ][\w\-]*){0,2}$")


def _trailing_parens(text: str) -> tuple[str, str | None, str | None]:
    """Read ``Köpa larm (Johan, 1/12)``: a name and a date in parentheses at the end of an action."""
    m = _TRAILING_PARENS.search(text)
    if not m:
        return text, None, None
    owner = due = None
    for part in re.split(r"\s*[,;]\s*", m.group(1).strip()):
        if _DATE_LIKE.search(part) and due is None:
            due = part
        elif _NAME.match(part) and owner is None:
            owner = part
        else:
            return text, None, None
    return text[: m.start()].rstrip(), owner, due


def parse_action(what_text: str, extra: list[str] | None = None) -> RawAction:
    """Parse the text after ``Åtgärd:`` (plus following ``Ansvarig:``/``Klart:`` lines) into an action."""
    text = " ".join([what_text] + (extra or []))
    # Fields in parentheses: "Beställa lakan (Ansvarig: Johan, klart 15/12)".
    for m in _PARENS.finditer(text):
        inner = m.group(1)
        if _OWNER.search(inner) or _DUE.search(inner) or _DUE_WORD.search(inner):
            text = text.replace(m.group(0), " " + inner.replace(",", " ") + " ")
    text, owner = _cut_field(text, _OWNER)
    text, due = _cut_field(text, _DUE)
    if owner is None and due is None:
        text, owner, due = _trailing_parens(text)
    if due is None:
        m = _DUE_WORD.search(text)
        if m:
            due = text[m.end():].strip().strip(".,;)")
            text = text[:m.start()]
    what = re.sub(r"\s+", " ", text).strip().strip(",;-–").strip()
    if what and not what.endswith((".", "!", "?")):
        what += "."
    if owner:
        owner = re.sub(r"\s+", " ", owner).strip().rstrip(".")
    return RawAction(what, owner or None, due or None)


def is_field_line(text: str) -> bool:
    """Tell whether a line continues an action (``Ansvarig: …``, ``Klart: …``)."""
    lv = label_value(text)
    return bool(lv) and lv[0] in ("ansvarig", "ansvar", "klart", "klart senast", "senast", "deadline", "klar")


_NOTE = re.compile(r"\s*\([^()]*\)")
_SPLIT = re.compile(r"\s*(?:,|;|\s&\s|\soch\s|\s\+\s)\s*")


def split_names(value: str) -> list[str]:
    """Split ``Maria Lind (chef), Karin Berg och Johan`` into names; ``-`` means nobody."""
    value = _NOTE.sub("", value).strip().rstrip(".")
    if value in ("", "-", "–", "—", "inga", "ingen", "Inga", "Ingen", "alla", "Alla"):
        return []
    names = []
    for part in _SPLIT.split(value):
        name = strip_bullet(part).strip(" .:-–")
        if name and any(c.isalpha() for c in name) and len(name) <= 60:
            names.append(name)
    return names


def notes_of(value: str) -> list[tuple[str, str]]:
    """Return (name, note) pairs for names written with a note: ``Karin Berg (skyddsombud)``."""
    pairs = []
    for part in re.split(r"\s*[,;]\s*(?![^()]*\))", value):
        m = re.match(r"^(?P<name>[^()]+?)\s*\((?P<note>[^()]*)\)", strip_bullet(part))
        if m:
            pairs.append((m.group("name").strip(), m.group("note").strip().casefold()))
    return pairs


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

    notes: list[tuple[str, str]] = field(default_factory=list)
    """(name, note) pairs from the attendance lists: ``(chef)``, ``(skyddsombud)``."""

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


def _list_after(lines: list[Line], i: int, used: set[int]) -> tuple[str, int]:
    """Collect a one-name-per-line list that follows a label with no value."""
    names: list[str] = []
    j = i + 1
    while j < len(lines) and not lines[j].blank and len(names) < 100:
        text = lines[j].text
        if label_value(text) is not None or len(text) > 80:
            break
        names.append(strip_bullet(text))
        used.add(j)
        j += 1
    return ", ".join(names), j


_ALL_LABELS = (PRESENT_LABELS | ABSENT_LABELS | DATE_LABELS | TIME_LABELS | PLACE_LABELS | CHAIR_LABELS
               | NOTE_TAKER_LABELS | ADJUSTER_LABELS | SAFETY_LABELS)


def read_fields(lines: list[Line], indexes: range | list[int], *, attendance_only: bool = False) -> Preamble:
    """Read meeting fields from the given lines (the preamble, or a section for attendance only)."""
    pre = Preamble()
    wanted = PRESENT_LABELS | ABSENT_LABELS if attendance_only else _ALL_LABELS
    for i in indexes:
        if i in pre.used:
            continue
        lv = label_value(lines[i].text)
        if lv is None:
            continue
        label, value = lv
        if label not in wanted:
            continue
        pre.used.add(i)
        if not value and label in (PRESENT_LABELS | ABSENT_LABELS | ADJUSTER_LABELS | SAFETY_LABELS):
            value, _ = _list_after(lines, i, pre.used)
        if label in PRESENT_LABELS:
            pre.present = (pre.present or []) + split_names(value)
            pre.notes += notes_of(value)
        elif label in ABSENT_LABELS:
            pre.absent = (pre.absent or []) + split_names(value)
            pre.notes += notes_of(value)
        elif label in DATE_LABELS:
            pre.date_texts.append(value)
            pre.time_texts.append(value)
        elif label in TIME_LABELS:
            pre.time_texts.append(value)
        elif label in PLACE_LABELS:
            pre.place = pre.place or value.rstrip(".") or None
        elif label in CHAIR_LABELS:
            pre.chair = pre.chair or (split_names(value) or [None])[0]
        elif label in NOTE_TAKER_LABELS:
            pre.note_taker = pre.note_taker or (split_names(value) or [None])[0]
        elif label in ADJUSTER_LABELS:
            pre.adjusters += split_names(value)
        elif label in SAFETY_LABELS:
            pre.safety_reps += split_names(value)
    return pre


@dataclass
class SectionBody:
    """A section's notes, split into text, decisions and actions."""

    text: str
    """The notes without decision and action lines."""

    decisions: list[str]
    """Decisions, as written after ``Beslut:``."""

    actions: list[RawAction]
    """Actions, due dates still as written."""


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def read_section(lines: list[Line], skip: set[int] | None = None) -> SectionBody:
    """Split a section's lines into running text, decisions and actions."""
    skip = skip or set()
    text_lines: list[str] = []
    decisions: list[str] = []
    actions: list[RawAction] = []
    i = 0
    while i < len(lines):
        if i in skip:
            i += 1
            continue
        raw = lines[i].text
        plain = strip_bullet(raw)
        m = DECISION.match(plain)
        if m:
            what = m.group("what").strip()
            if what:
                decisions.append(_sentence(what))
            i += 1
            continue
        if re.fullmatch(r"(?:beslut|beslutades|mötet beslutade)\s*:?", plain, re.IGNORECASE):
            j = i + 1
            while j < len(lines) and not lines[j].blank and _BULLET.match(lines[j].text):
                decisions.append(_sentence(strip_bullet(lines[j].text)))
                j += 1
            if j == i + 1 and j < len(lines) and not lines[j].blank:
                decisions.append(_sentence(lines[j].text))
                j += 1
            i = j
            continue
        m = ACTION.match(plain)
        if m:
            extra: list[str] = []
            j = i + 1
            while j < len(lines) and is_field_line(lines[j].text):
                extra.append(strip_bullet(lines[j].text))
                j += 1
            what = m.group("what").strip()
            if not what and j < len(lines) and not lines[j].blank and not extra:
                what = strip_bullet(lines[j].text)
                j += 1
                while j < len(lines) and is_field_line(lines[j].text):
                    extra.append(strip_bullet(lines[j].text))
                    j += 1
            action = parse_action(what, extra)
            if action.what:
                actions.append(action)
            i = j
            continue
        text_lines.append(raw)
        i += 1
    # Collapse runs of blank lines; strip blank ends.
    out: list[str] = []
    for t in text_lines:
        if not t and (not out or not out[-1]):
            continue
        out.append(t)
    while out and not out[-1]:
        out.pop()
    return SectionBody("\n".join(out), decisions, actions)
