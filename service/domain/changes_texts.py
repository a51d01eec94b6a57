"""The changes between two versions of minutes, said in Swedish or English, one line per change.

:func:`grouped` gives the lines per agenda item, unplanned section, the meeting's facts and the
attendance (the archive page); :func:`summary_lines` one line per change, each saying where (the
distribution mail). Both read what :func:`service.domain.changes.compare` stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from service.domain.changes import FACTS, Data, action_fields, action_of, clean_text, load, names_of, text_key
from service.domain.wording import MAIL, PDF, language_of, long_date, words

QUOTE_LENGTH = 90
"""Longest quotation in a summary line, in characters; longer ones are cut at a word and end in "…"."""

TEXTS = {
    "sv": {
        "meeting": "Mötet",
        "attendance": "Närvaro",
        "start": "starttid",
        "end": "sluttid",
        "location": "plats",
        "chair": "ordförande",
        "note_taker": "antecknare",
        "fact": "{label} {old} → {new}",
        "now_present": "{name} var närvarande (stod som frånvarande)",
        "now_absent": "{name} var frånvarande (stod som närvarande)",
        "present_added": "tillagd som närvarande: {names}",
        "present_removed": "inte längre bland närvarande: {names}",
        "absent_added": "tillagd som frånvarande: {names}",
        "absent_removed": "inte längre bland frånvarande: {names}",
        "item_added": "har nu anteckningar (saknades i förra versionen)",
        "item_removed": "anteckningarna är borttagna",
        "unplanned_added": "ny fråga",
        "unplanned_removed": "frågan är borttagen",
        "text_changed": "texten ändrad: {old} → {new}",
        "text_added": "tillagt i texten: {text}",
        "text_removed": "struket ur texten: {text}",
        "decision_added": "nytt beslut: {text}",
        "decision_removed": "beslutet struket: {text}",
        "decision_changed": "beslutet ändrat: {old} → {new}",
        "action_added": "ny åtgärd: {text}",
        "action_removed": "åtgärden struken: {text}",
        "action_changed": "åtgärden {text} ändrad: {parts}",
        "action_what": "ny lydelse {text}",
        "action_owner": "ansvarig {old} → {new}",
        "action_due": "klart senast {old} → {new}",
        "owner": "ansvarig {owner}",
        "due": "klart senast {due}",
        "none": "ingen",
        "open": "”",
        "close": "”",
    },
    "en": {
        "meeting": "The meeting",
        "attendance": "Attendance",
        "start": "start",
        "end": "end",
        "location": "place",
        "chair": "chair",
        "note_taker": "note-taker",
        "fact": "{label} {old} → {new}",
        "now_present": "{name} was present (was listed as absent)",
        "now_absent": "{name} was absent (was listed as present)",
        "present_added": "added as present: {names}",
        "present_removed": "no longer listed as present: {names}",
        "absent_added": "added as absent: {names}",
        "absent_removed": "no longer listed as absent: {names}",
        "item_added": "now has notes (missing from the earlier version)",
        "item_removed": "the notes were removed",
        "unplanned_added": "new section",
        "unplanned_removed": "section removed",
        "text_changed": "text changed: {old} → {new}",
        "text_added": "added to the text: {text}",
        "text_removed": "removed from the text: {text}",
        "decision_added": "new decision: {text}",
        "decision_removed": "decision removed: {text}",
        "decision_changed": "decision changed: {old} → {new}",
        "action_added": "new action: {text}",
        "action_removed": "action removed: {text}",
        "action_changed": "action {text} changed: {parts}",
        "action_what": "now reads {text}",
        "action_owner": "owner {old} → {new}",
        "action_due": "due {old} → {new}",
        "owner": "owner {owner}",
        "due": "due {due}",
        "none": "none",
        "open": "“",
        "close": "”",
    },
}
"""The wording of the change lines, per language."""


@dataclass(frozen=True)
class ChangeGroup:
    """The changes of one agenda item, unplanned section, the meeting's facts or the attendance."""

    label: str
    """What changed, as readers name it: ``§ 4 Arbetsmiljö och hälsa``, ``Övriga frågor: Julbord``."""

    number: int | None
    """The agenda item's number (for a link to it), None for anything else."""

    lines: tuple[str, ...]
    """One short line per change, in the language asked."""


def _short(text: Any, limit: int = QUOTE_LENGTH) -> str:
    clean = clean_text(text)
    if len(clean) <= limit:
        return clean
    cut = clean[:limit].rsplit(" ", 1)[0] if " " in clean[:limit] else clean[:limit]
    return cut.rstrip(" ,.;:") + "…"


def _quote(text: Any, w: dict[str, str]) -> str:
    return f"{w['open']}{_short(text)}{w['close']}"


def _around(old: Any, new: Any, context: int = 3) -> tuple[str, str]:
    """Return two long versions of a sentence cut to the words that differ, with a few words around them."""
    a, b = clean_text(old).split(" "), clean_text(new).split(" ")
    if max(len(" ".join(a)), len(" ".join(b))) <= QUOTE_LENGTH:
        return " ".join(a), " ".join(b)
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    start = max(head - context, 0)
    cut: list[str] = []
    for words_ in (a, b):
        end = min(len(words_) - tail + context, len(words_))
        text = " ".join(words_[start:end])
        cut.append(("…" if start else "") + text + ("…" if end < len(words_) else ""))
    return cut[0], cut[1]


def _list(values: Any) -> list[Any]:
    return list(values) if isinstance(values, list) else []


def _part(section: Data, name: str) -> Data:
    value = section.get(name)
    return value if isinstance(value, dict) else {}


def _action_text(action: Any, w: dict[str, str], language: str) -> str:
    a = action_of(action)
    extra = [w["owner"].format(owner=a["owner"])] if a["owner"] else []
    extra += [w["due"].format(due=long_date(a["due"], language))] if a["due"] else []
    return _quote(a["what"], w) + (f" ({', '.join(extra)})" if extra else "")


def _action_change(change: Data, w: dict[str, str], language: str) -> str | None:
    old, new = action_of(change.get("old")), action_of(change.get("new"))
    fields = [f for f in _list(change.get("fields")) if f in ("what", "owner", "due")]
    fields = fields or action_fields(old, new)
    parts = []
    if "what" in fields:
        parts.append(w["action_what"].format(text=_quote(new["what"], w)))
    if "owner" in fields:
        parts.append(w["action_owner"].format(old=old["owner"] or w["none"], new=new["owner"] or w["none"]))
    if "due" in fields:
        parts.append(w["action_due"].format(old=long_date(old["due"], language) or w["none"],
                                            new=long_date(new["due"], language) or w["none"]))
    if not parts:
        return None
    return w["action_changed"].format(text=_quote(old["what"] or new["what"], w), parts="; ".join(parts))


def _section_lines(section: Data, w: dict[str, str], language: str) -> list[str]:
    status = section.get("status")
    kind = "unplanned" if section.get("kind") == "unplanned" else "item"
    lines: list[str] = []
    if status in ("added", "removed"):
        lines.append(w[f"{kind}_{status}"])
    else:
        text = _part(section, "text")
        for c in _list(text.get("changed")):
            if isinstance(c, dict):
                before, after = _around(c.get("old"), c.get("new"))
                lines.append(w["text_changed"].format(old=_quote(before, w), new=_quote(after, w)))
        lines += [w["text_added"].format(text=_quote(t, w)) for t in _list(text.get("added"))]
        lines += [w["text_removed"].format(text=_quote(t, w)) for t in _list(text.get("removed"))]
    decisions = _part(section, "decisions")
    for c in _list(decisions.get("changed")):
        if isinstance(c, dict):
            before, after = _around(c.get("old"), c.get("new"))
            lines.append(w["decision_changed"].format(old=_quote(before, w), new=_quote(after, w)))
    lines += [w["decision_added"].format(text=_quote(t, w)) for t in _list(decisions.get("added"))]
    lines += [w["decision_removed"].format(text=_quote(t, w)) for t in _list(decisions.get("removed"))]
    actions = _part(section, "actions")
    for c in _list(actions.get("changed")):
        line = _action_change(c, w, language) if isinstance(c, dict) else None
        lines += [line] if line else []
    lines += [w["action_added"].format(text=_action_text(a, w, language))
              for a in _list(actions.get("added"))]
    lines += [w["action_removed"].format(text=_quote(action_of(a)["what"], w))
              for a in _list(actions.get("removed"))]
    return lines


def _attendance_lines(attendance: Data, w: dict[str, str]) -> list[str]:
    lists = {
        (which, how): names_of(_part(attendance, which).get(how))
        for which in ("present", "absent") for how in ("added", "removed")
    }
    was_absent = {text_key(n) for n in lists["absent", "removed"]}
    was_present = {text_key(n) for n in lists["present", "removed"]}
    now_present = [n for n in lists["present", "added"] if text_key(n) in was_absent]
    now_absent = [n for n in lists["absent", "added"] if text_key(n) in was_present]
    moved = {text_key(n) for n in now_present + now_absent}
    lines = [w["now_present"].format(name=n) for n in now_present]
    lines += [w["now_absent"].format(name=n) for n in now_absent]
    for (which, how), names in lists.items():
        rest = [n for n in names if text_key(n) not in moved]
        if rest:
            lines.append(w[f"{which}_{how}"].format(names=", ".join(rest)))
    return lines


def _section_label(section: Data, language: str) -> str:
    title = clean_text(section.get("title"))
    if section.get("kind") == "unplanned":
        return words(MAIL, language)["where_other"].format(heading=title)
    number = section.get("number")
    if isinstance(number, int):
        return words(PDF, language)["item_heading"].format(number=number, title=title).strip()
    return title


def grouped(changes: dict[str, Any] | str | None, language: str = "sv") -> list[ChangeGroup]:
    """Return the changes as groups of lines: the meeting, attendance, then each section that changed."""
    data = load(changes)
    if not data:
        return []
    language = language_of(language)
    w = TEXTS[language]
    groups: list[ChangeGroup] = []
    facts = [
        w["fact"].format(label=w[f["field"]], old=f.get("old") or w["none"], new=f.get("new") or w["none"])
        for f in _list(data.get("meeting")) if isinstance(f, dict) and f.get("field") in FACTS
    ]
    if facts:
        groups.append(ChangeGroup(w["meeting"], None, tuple(facts)))
    attendance = _attendance_lines(data.get("attendance") or {}, w)
    if attendance:
        groups.append(ChangeGroup(w["attendance"], None, tuple(attendance)))
    for section in _list(data.get("sections")):
        if not isinstance(section, dict):
            continue
        lines = _section_lines(section, w, language)
        if lines:
            number = section.get("number") if section.get("kind") != "unplanned" else None
            groups.append(ChangeGroup(_section_label(section, language),
                                      number if isinstance(number, int) else None, tuple(lines)))
    return groups


def summary_lines(changes: dict[str, Any] | str | None, language: str = "sv") -> list[str]:
    """Return one line per change, each saying where: ``§ 4 Arbetsmiljö och hälsa: nytt beslut: ”…”``."""
    return [f"{g.label}: {line}" for g in grouped(changes, language) for line in g.lines]
