"""What changed between two versions of the same meeting's minutes, item by item.

:func:`compare` gives plain JSON-able data, stored with the corrected version (``minutes.changes``):

```
{"format": 1,
 "meeting": [{"field": "location", "old": "…", "new": "…"}],
 "attendance": {"present": {"added": […], "removed": […]}, "absent": {"added": […], "removed": […]}},
 "sections": [{"kind": "item" | "unplanned", "number": 4 | null, "title": "…",
               "status": "changed" | "added" | "removed",
               "text": {"added": […], "removed": […], "changed": [{"old": "…", "new": "…"}]},
               "decisions": {"added": […], "removed": […], "changed": [{"old": "…", "new": "…"}]},
               "actions": {"added": [ACTION], "removed": [ACTION],
                           "changed": [{"old": ACTION, "new": ACTION, "fields": ["what", "owner", "due"]}]}}]}
```

with ACTION = ``{"what", "owner", "due"}`` and only the sections that changed. Agenda items are paired
by title, then by number; unplanned sections by heading (a slightly reworded heading still pairs).
Text is compared sentence by sentence. :func:`grouped` and :func:`summary_lines` say the changes in
Swedish or English, one line per change, for the distribution mail and the archive page.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from service.domain.matching import normalise
from service.domain.privacy.sentences import split_sentences
from service.domain.wording import MAIL, PDF, language_of, long_date, words

FORMAT = 1
"""The version of the stored layout."""

FACTS = ("start", "end", "location", "chair", "note_taker")
"""The meeting facts compared: times and place from ``meeting``, chair and note-taker from ``roles``."""

SIMILAR = 0.6
"""How alike (difflib ratio) two sentences, decisions or action texts must be to count as one, changed."""

QUOTE_LENGTH = 90
"""Longest quotation in a summary line, in characters; longer ones are cut at a word and end in "…"."""

Data = dict[str, Any]


# --------------------------------------------------------------------------- comparing


def _clean(value: Any) -> str:
    """Return text with its whitespace collapsed (NFC)."""
    return " ".join(unicodedata.normalize("NFC", str(value or "")).split())


def _key(value: Any) -> str:
    """Return text in the form two versions are compared in: case-folded, no closing full stop."""
    return _clean(value).casefold().rstrip(" .")


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, _key(a), _key(b), autojunk=False).ratio()


def _sentences(text: Any) -> list[str]:
    raw = str(text or "")
    return [s for s in (_clean(raw[a:b]) for a, b in split_sentences(raw)) if s]


def _pair(
    old: Sequence[Any], new: Sequence[Any], key: Callable[[Any], str], similar: Callable[[Any, Any], bool]
) -> tuple[list[Any], list[Any], list[tuple[Any, Any]], list[tuple[Any, Any]]]:
    """Pair two lists: equal keys first, then alike ones.

    Return (only in new, only in old, pairs with equal keys, alike pairs), each list in its own order.
    """
    left = list(old)
    right: list[Any] = []
    same: list[tuple[Any, Any]] = []
    for item in new:
        match = next((o for o in left if key(o) == key(item)), None)
        if match is None:
            right.append(item)
        else:
            left.remove(match)
            same.append((match, item))
    alike: list[tuple[Any, Any]] = []
    for o in list(left):
        match = next((n for n in right if similar(o, n)), None)
        if match is not None:
            alike.append((o, match))
            left.remove(o)
            right.remove(match)
    return right, left, same, alike


def _texts_alike(a: str, b: str) -> bool:
    return _ratio(a, b) >= SIMILAR


def _text_changes(old: Any, new: Any) -> Data:
    """Return the sentences added, removed and changed between two section texts."""
    before, after = _sentences(old), _sentences(new)
    added: list[str] = []
    removed: list[str] = []
    changed: list[dict[str, str]] = []
    ops = SequenceMatcher(None, [_key(s) for s in before], [_key(s) for s in after], autojunk=False)
    for tag, i1, i2, j1, j2 in ops.get_opcodes():
        if tag == "equal":
            continue
        only_new, only_old, _same, pairs = _pair(before[i1:i2], after[j1:j2], _key, _texts_alike)
        changed += [{"old": o, "new": n} for o, n in pairs]
        removed += only_old
        added += only_new
    return {"added": added, "removed": removed, "changed": changed}


def _decision_changes(old: Sequence[Any], new: Sequence[Any]) -> Data:
    only_new, only_old, _same, pairs = _pair(
        [_clean(d) for d in old if _clean(d)], [_clean(d) for d in new if _clean(d)], _key, _texts_alike
    )
    return {"added": only_new, "removed": only_old, "changed": [{"old": o, "new": n} for o, n in pairs]}


def _action(value: Any) -> dict[str, str | None]:
    data = value if isinstance(value, dict) else {}
    return {
        "what": _clean(data.get("what")),
        "owner": _clean(data.get("owner")) or None,
        "due": _clean(data.get("due")) or None,
    }


def _action_fields(old: dict[str, str | None], new: dict[str, str | None]) -> list[str]:
    return [f for f in ("what", "owner", "due") if _key(old.get(f)) != _key(new.get(f))]


def _action_key(action: dict[str, str | None]) -> str:
    return "\x1f".join(_key(action[f]) for f in ("what", "owner", "due"))


def _action_changes(old: Sequence[Any], new: Sequence[Any]) -> Data:
    before = [a for a in (_action(x) for x in old) if a["what"] or a["owner"]]
    after = [a for a in (_action(x) for x in new) if a["what"] or a["owner"]]
    # Exactly the same actions pair first; then the same text with another owner or date, then alike texts.
    only_new, only_old, _same, _none = _pair(before, after, _action_key, lambda a, b: False)
    only_new, only_old, same, alike = _pair(
        only_old, only_new, lambda a: _key(a["what"]), lambda a, b: _texts_alike(a["what"], b["what"])
    )
    changed = [{"old": o, "new": n, "fields": _action_fields(o, n)} for o, n in [*same, *alike]]
    return {"added": only_new, "removed": only_old, "changed": changed}


def _has_notes(section: Data) -> bool:
    return bool(_clean(section.get("text")) or section.get("decisions") or section.get("actions"))


def _section_changes(kind: str, number: Any, title: str, old: Data, new: Data) -> Data | None:
    """Return what changed in one section (old or new may be {} when the other version lacks it)."""
    had, has = _has_notes(old), _has_notes(new)
    if not had and not has:
        return None
    text = _text_changes(old.get("text"), new.get("text"))
    decisions = _decision_changes(old.get("decisions") or (), new.get("decisions") or ())
    actions = _action_changes(old.get("actions") or (), new.get("actions") or ())
    if not any(part[k] for part in (text, decisions, actions) for k in part):
        return None
    status = "added" if not had else "removed" if not has else "changed"
    return {
        "kind": kind, "number": number if isinstance(number, int) else None, "title": title, "status": status,
        "text": text, "decisions": decisions, "actions": actions,
    }


def _dicts(values: Any) -> list[Data]:
    return [v for v in values or () if isinstance(v, dict)]


def _index(values: list[Data], value: Data) -> int:
    """Return where a section stands in its version, by identity (two sections may be equal)."""
    return next(i for i, v in enumerate(values) if v is value)


def _item_changes(old: list[Data], new: list[Data]) -> list[Data]:
    """Pair agenda items by title, then by number; compare each pair, and those only one version has."""

    def title(item: Data) -> str:
        return normalise(str(item.get("title") or ""))

    left = list(old)
    pairs: list[tuple[Data, Data]] = []
    unmatched: list[Data] = []
    for item in new:
        match = next((o for o in left if title(o) and title(o) == title(item)), None)
        if match is None:
            unmatched.append(item)
        else:
            left.remove(match)
            pairs.append((match, item))
    for item in unmatched:
        match = next((o for o in left if o.get("number") == item.get("number")), None)
        if match is not None:
            left.remove(match)
        pairs.append((match or {}, item))
    pairs.sort(key=lambda p: _index(new, p[1]))
    pairs += [(o, {}) for o in left]
    found = []
    for o, n in pairs:
        label = str(n.get("title") or o.get("title") or n.get("heading") or o.get("heading") or "")
        number = n.get("number") if n else o.get("number")
        change = _section_changes("item", number, label, o, n)
        if change is not None:
            found.append(change)
    return found


def _unplanned_changes(old: list[Data], new: list[Data]) -> list[Data]:
    """Pair unplanned sections by heading (a reworded heading too); compare each, and the unpaired."""

    def heading(section: Data) -> str:
        return normalise(str(section.get("heading") or ""))

    only_new, only_old, same, alike = _pair(
        old, new, heading, lambda a, b: SequenceMatcher(None, heading(a), heading(b)).ratio() >= 0.8
    )
    everything = [*same, *alike, *(({}, n) for n in only_new)]
    everything.sort(key=lambda p: _index(new, p[1]))
    everything += [(o, {}) for o in only_old]
    found = []
    for o, n in everything:
        label = _clean(n.get("heading") or o.get("heading"))
        change = _section_changes("unplanned", None, label, o, n)
        if change is not None:
            found.append(change)
    return found


def _names(values: Any) -> list[str]:
    return [_clean(v) for v in values or () if _clean(v)]


def _name_changes(old: Any, new: Any) -> Data:
    before, after = _names(old), _names(new)
    keys_before, keys_after = {_key(n) for n in before}, {_key(n) for n in after}
    return {
        "added": [n for n in after if _key(n) not in keys_before],
        "removed": [n for n in before if _key(n) not in keys_after],
    }


def _fact(data: Data, name: str) -> str:
    part = data.get("roles") if name in ("chair", "note_taker") else data.get("meeting")
    return _clean((part or {}).get(name)) if isinstance(part, dict) else ""


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Return the changes from ``old`` to ``new`` (structured minutes JSON) as plain data."""
    old, new = old or {}, new or {}
    facts = [
        {"field": name, "old": _fact(old, name) or None, "new": _fact(new, name) or None}
        for name in FACTS if _key(_fact(old, name)) != _key(_fact(new, name))
    ]
    was, now = old.get("attendance") or {}, new.get("attendance") or {}
    attendance = {
        "present": _name_changes(was.get("present"), now.get("present")),
        "absent": _name_changes(was.get("absent"), now.get("absent")),
    }
    sections = _item_changes(_dicts(old.get("items")), _dicts(new.get("items")))
    sections += _unplanned_changes(_dicts(old.get("unplanned")), _dicts(new.get("unplanned")))
    return {"format": FORMAT, "meeting": facts, "attendance": attendance, "sections": sections}


def load(stored: str | dict[str, Any] | None) -> dict[str, Any] | None:
    """Return stored changes as data: None when there are none (no comparison made, or unreadable)."""
    if isinstance(stored, dict):
        return stored
    if not stored:
        return None
    try:
        data = json.loads(stored)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


# --------------------------------------------------------------------------- saying it

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
    clean = _clean(text)
    if len(clean) <= limit:
        return clean
    cut = clean[:limit].rsplit(" ", 1)[0] if " " in clean[:limit] else clean[:limit]
    return cut.rstrip(" ,.;:") + "…"


def _quote(text: Any, w: dict[str, str]) -> str:
    return f"{w['open']}{_short(text)}{w['close']}"


def _around(old: Any, new: Any, context: int = 3) -> tuple[str, str]:
    """Return two long versions of a sentence cut to the words that differ, with a few words around them."""
    a, b = _clean(old).split(" "), _clean(new).split(" ")
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
    a = _action(action)
    extra = [w["owner"].format(owner=a["owner"])] if a["owner"] else []
    extra += [w["due"].format(due=long_date(a["due"], language))] if a["due"] else []
    return _quote(a["what"], w) + (f" ({', '.join(extra)})" if extra else "")


def _action_change(change: Data, w: dict[str, str], language: str) -> str | None:
    old, new = _action(change.get("old")), _action(change.get("new"))
    fields = [f for f in _list(change.get("fields")) if f in ("what", "owner", "due")]
    fields = fields or _action_fields(old, new)
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
    lines += [w["action_removed"].format(text=_quote(_action(a)["what"], w))
              for a in _list(actions.get("removed"))]
    return lines


def _attendance_lines(attendance: Data, w: dict[str, str]) -> list[str]:
    lists = {
        (which, how): _names(_part(attendance, which).get(how))
        for which in ("present", "absent") for how in ("added", "removed")
    }
    was_absent = {_key(n) for n in lists["absent", "removed"]}
    was_present = {_key(n) for n in lists["present", "removed"]}
    now_present = [n for n in lists["present", "added"] if _key(n) in was_absent]
    now_absent = [n for n in lists["absent", "added"] if _key(n) in was_present]
    moved = {_key(n) for n in now_present + now_absent}
    lines = [w["now_present"].format(name=n) for n in now_present]
    lines += [w["now_absent"].format(name=n) for n in now_absent]
    for (which, how), names in lists.items():
        rest = [n for n in names if _key(n) not in moved]
        if rest:
            lines.append(w[f"{which}_{how}"].format(names=", ".join(rest)))
    return lines


def _section_label(section: Data, language: str) -> str:
    title = _clean(section.get("title"))
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
