"""What a table in a draft means: attendance, the minutes themselves, actions, or label and value.

Tables arrive as runs of row lines (:attr:`Line.cells`, the first row the header) from HTML, Word,
OpenDocument, PDF and tab-separated plain text. Each run is rewritten into the lines the rest of
structuring reads: ``Närvarande: …`` lists, one heading per agenda row with its notes, ``Beslut:``
lines and actions.
"""

from __future__ import annotations

import re

from service.domain.attendance import Presence, attendance_kind
from service.domain.decisions import sentences
from service.domain.document import HINT_HEADING, Line, TableAction

_NAME_COLUMN = re.compile(r"^(?:namn|name|person|medarbetare|deltagare|ledamot|ledamöter|participant)$")
_ROLE_COLUMN = re.compile(
    r"^(?:yrkesroll|roll|befattning|titel|funktion|role|title|position|uppdrag|"
    r"organisation|förbund|fackförbund|representerar|part|union)$"
)
_ITEM_COLUMN = re.compile(
    r"^(?:punkt|ärende|ärenden|item|agenda item|rubrik|fråga|dagordning|ämne|topic|"
    r"dagordningspunkt|nr|§|paragraf|agenda)$"
)
_NOTES_COLUMN = re.compile(
    r"^(?:diskussion|anteckningar|anteckning|noteringar|notering|notes|discussion|"
    r"kommentar|kommentarer|information|info|innehåll|beskrivning|minutes|comments|"
    r"summary|sammanfattning|text|vad sades)$"
)
_DECISION_COLUMN = re.compile(r"^(?:beslut|decision|decisions|beslutades|agreed)$")
_ACTION_COLUMN = re.compile(r"^(?:åtgärd|åtgärder|att göra|vad|uppgift|action|actions|task|what|to do)$")
_OWNER_COLUMN = re.compile(r"^(?:ansvarig|ansvar|vem|owner|responsible|who|ansvariga)$")
_DUE_COLUMN = re.compile(r"^(?:klart|klart senast|senast|deadline|när|datum|klar|due|due date|when|by)$")
_YES = re.compile(r"^(?:x|✓|✔|☑|ja|j|yes|y|1|närvarande|present|deltog)$", re.IGNORECASE)
_NO = re.compile(r"^(?:nej|n|no|-|–|0|frånvarande|absent|förhinder)$", re.IGNORECASE)


def _key(cell: str) -> str:
    return " ".join(cell.casefold().replace("*", "").split()).strip(" :.")


def _find(header: list[str], pattern: re.Pattern[str]) -> int | None:
    for i, cell in enumerate(header):
        if pattern.match(_key(cell)):
            return i
    return None


def _cell(row: tuple[str, ...], i: int | None) -> str:
    return row[i].strip() if i is not None and i < len(row) else ""


def _cell_lines(text: str) -> list[str]:
    return [t.strip() for t in text.split("\n") if t.strip()]


def _attendance_by_label(rows: list[tuple[str, ...]]) -> list[Line] | None:
    """``Närvarande | Frånvarande`` with the names below each label."""
    header = rows[0]
    kinds = [attendance_kind(_key(c)) if c.strip() else None for c in header]
    if not any(kinds) or any(k is None and c.strip() for k, c in zip(kinds, header, strict=True)):
        return None
    out: list[Line] = [Line("")]
    for col, kind in enumerate(kinds):
        if kind is None:
            continue
        names = [n for row in rows[1:] for n in _cell_lines(_cell(row, col))]
        out.append(Line(f"{header[col].strip().rstrip(':')}: {', '.join(names) if names else '-'}"))
    return [*out, Line("")]


def _attendance_by_mark(rows: list[tuple[str, ...]]) -> list[Line] | None:
    """A name column with an X, ✓ or Ja/Nej per person under ``Närvarande`` (and ``Frånvarande``)."""
    header = rows[0]
    name = _find(header, _NAME_COLUMN)
    marks = {i: attendance_kind(_key(c)) for i, c in enumerate(header) if i != name and c.strip()}
    marks = {i: k for i, k in marks.items() if k is not None}
    if name is None or not marks:
        return None
    notes = [i for i, c in enumerate(header) if i != name and i not in marks and c.strip()]
    present: list[str] = []
    absent: list[str] = []
    for row in rows[1:]:
        who = _cell(row, name)
        if not who:
            continue
        status: Presence | None = None
        for i, kind in marks.items():
            value = _key(_cell(row, i))
            if _YES.match(value):
                status = kind
            elif _NO.match(value) and kind is Presence.PRESENT and status is None:
                status = Presence.ABSENT
        if status is None:
            only_present = all(k is Presence.PRESENT for k in marks.values())
            status = Presence.ABSENT if only_present else None
        extra = ", ".join(_cell(row, i) for i in notes if _cell(row, i))
        entry = f"{who} ({extra})" if extra else who
        if status is Presence.PRESENT:
            present.append(entry)
        elif status is Presence.ABSENT:
            absent.append(entry)
    return [
        Line(""),
        Line(f"Närvarande: {'; '.join(present) or '-'}"),
        Line(f"Frånvarande: {'; '.join(absent) or '-'}"),
        Line(""),
    ]


def _pick_sentence(notes: str, owner: str) -> str:
    """Return the sentence of a row's notes that an owner column refers to."""
    found = sentences(" ".join(_cell_lines(notes)))
    words = {w.casefold() for w in re.findall(r"[^\W\d_]+", owner) if len(w) > 1}
    for s in found:
        if words & {w.casefold() for w in re.findall(r"[^\W\d_]+", s)}:
            return s
    return found[-1] if found else ""


def _minutes_table(rows: list[tuple[str, ...]]) -> list[Line] | None:
    """``Punkt | Diskussion | Beslut | Ansvarig | Klart``: one agenda item per row."""
    header = rows[0]
    item = _find(header, _ITEM_COLUMN)
    notes = _find(header, _NOTES_COLUMN)
    decision = _find(header, _DECISION_COLUMN)
    if item is None or (notes is None and decision is None) or _find(header, _ACTION_COLUMN) is not None:
        return None
    owner, due = _find(header, _OWNER_COLUMN), _find(header, _DUE_COLUMN)
    out: list[Line] = [Line("")]
    for row in rows[1:]:
        title = " ".join(_cell(row, item).split())
        if title:
            out += [Line(""), Line(title, HINT_HEADING)]
        rest = [c for i, c in enumerate(row) if i not in (item, decision, owner, due) and c.strip()]
        text = "\n".join(rest)
        decided = _cell_lines(_cell(row, decision))
        who, when = _cell(row, owner) or None, _cell(row, due) or None
        what = ""
        if who or when:
            what = decided[0] if decided else _pick_sentence(text, who or "")
        notes = _cell_lines(text)
        if what and not decided and len(sentences(" ".join(notes))) > 1:
            # The sentence the owner column refers to is the action, not notes as well.
            notes = [t for t in (" ".join(s for s in sentences(n) if s != what) for n in notes) if t]
        out += [Line(t) for t in notes]
        out += [Line(f"Beslut: {d}") for d in decided]
        if what:
            out.append(Line(f"Åtgärd: {what}", action=TableAction(what, who, when)))
    return [*out, Line("")]


def _action_table(rows: list[tuple[str, ...]]) -> list[Line] | None:
    """``Åtgärd | Ansvarig | Klart``, or ``Punkt | Vad | Vem | När`` naming the item of each action."""
    header = rows[0]
    what = _find(header, _ACTION_COLUMN)
    owner, due = _find(header, _OWNER_COLUMN), _find(header, _DUE_COLUMN)
    if what is None or (owner is None and due is None):
        return None
    item = _find(header, _ITEM_COLUMN)
    out: list[Line] = [Line("")]
    for row in rows[1:]:
        task = " ".join(_cell(row, what).split())
        if not task:
            continue
        ref = _cell(row, item) or None
        action = TableAction(task, _cell(row, owner) or None, _cell(row, due) or None, ref)
        out.append(Line(f"Åtgärd: {task}", action=action))
    return [*out, Line("")]


def _plain_rows(rows: list[tuple[str, ...]]) -> list[Line]:
    """Any other table: ``label: value`` for two short cells, else the cells joined."""
    out: list[Line] = [Line("")]
    for row in rows:
        cells = [c for c in row if c.strip()]
        if (
            len(cells) == 2
            and len(cells[0].split()) <= 6
            and ":" not in cells[0][:-1]
            and "\n" not in cells[0]
        ):
            first, *more = _cell_lines(cells[1]) or [""]
            out.append(Line(f"{cells[0].rstrip(':')}: {first}"))
            out += [Line(t) for t in more]
        elif len(cells) == 1:
            out += [Line(t) for t in _cell_lines(cells[0])]
        else:
            out.append(Line(" | ".join(" ".join(c.split()) for c in cells)))
    return [*out, Line("")]


def read_table(rows: list[tuple[str, ...]]) -> list[Line]:
    """Return the lines a table stands for."""
    for reader in (_attendance_by_mark, _attendance_by_label, _minutes_table, _action_table):
        lines = reader(rows)
        if lines is not None:
            return lines
    return _plain_rows(rows)


def expand_tables(lines: list[Line]) -> list[Line]:
    """Replace every run of table rows by the lines it stands for."""
    if not any(ln.cells for ln in lines):
        return lines
    out: list[Line] = []
    i = 0
    while i < len(lines):
        if not lines[i].cells:
            out.append(lines[i])
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].cells:
            j += 1
        out += read_table([ln.cells for ln in lines[i:j]])
        i = j
    return out
