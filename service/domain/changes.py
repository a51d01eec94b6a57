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
Text is compared sentence by sentence. :mod:`service.domain.changes_texts` says the changes in Swedish
or English, one line per change, for the distribution mail and the archive page.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher
from typing import Any

from service.domain.matching import normalise
from service.domain.privacy.sentences import split_sentences

FORMAT = 1
"""The version of the stored layout."""

FACTS = ("start", "end", "location", "chair", "note_taker")
"""The meeting facts compared: times and place from ``meeting``, chair and note-taker from ``roles``."""

SIMILAR = 0.6
"""How alike (difflib ratio) two sentences, decisions or action texts must be to count as one, changed."""

Data = dict[str, Any]


# --------------------------------------------------------------------------- comparing


def clean_text(value: Any) -> str:
    """Return text with its whitespace collapsed (NFC)."""
    return " ".join(unicodedata.normalize("NFC", str(value or "")).split())


def text_key(value: Any) -> str:
    """Return text in the form two versions are compared in: case-folded, no closing full stop."""
    return clean_text(value).casefold().rstrip(" .")


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, text_key(a), text_key(b), autojunk=False).ratio()


def _sentences(text: Any) -> list[str]:
    raw = str(text or "")
    return [s for s in (clean_text(raw[a:b]) for a, b in split_sentences(raw)) if s]


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
    ops = SequenceMatcher(None, [text_key(s) for s in before], [text_key(s) for s in after], autojunk=False)
    for tag, i1, i2, j1, j2 in ops.get_opcodes():
        if tag == "equal":
            continue
        only_new, only_old, _same, pairs = _pair(before[i1:i2], after[j1:j2], text_key, _texts_alike)
        changed += [{"old": o, "new": n} for o, n in pairs]
        removed += only_old
        added += only_new
    return {"added": added, "removed": removed, "changed": changed}


def _decision_changes(old: Sequence[Any], new: Sequence[Any]) -> Data:
    before = [clean_text(d) for d in old if clean_text(d)]
    after = [clean_text(d) for d in new if clean_text(d)]
    only_new, only_old, _same, pairs = _pair(before, after, text_key, _texts_alike)
    return {"added": only_new, "removed": only_old, "changed": [{"old": o, "new": n} for o, n in pairs]}


def action_of(value: Any) -> dict[str, str | None]:
    """Return an action as its three compared fields, cleaned (owner and due None when empty)."""
    data = value if isinstance(value, dict) else {}
    return {
        "what": clean_text(data.get("what")),
        "owner": clean_text(data.get("owner")) or None,
        "due": clean_text(data.get("due")) or None,
    }


def action_fields(old: dict[str, str | None], new: dict[str, str | None]) -> list[str]:
    """Return the fields (``what``, ``owner``, ``due``) in which two actions differ."""
    return [f for f in ("what", "owner", "due") if text_key(old.get(f)) != text_key(new.get(f))]


def _action_key(action: dict[str, str | None]) -> str:
    return "\x1f".join(text_key(action[f]) for f in ("what", "owner", "due"))


def _action_changes(old: Sequence[Any], new: Sequence[Any]) -> Data:
    before = [a for a in (action_of(x) for x in old) if a["what"] or a["owner"]]
    after = [a for a in (action_of(x) for x in new) if a["what"] or a["owner"]]
    # Exactly the same actions pair first; then the same text with another owner or date, then alike texts.
    only_new, only_old, _same, _none = _pair(before, after, _action_key, lambda a, b: False)
    only_new, only_old, same, alike = _pair(
        only_old, only_new, lambda a: text_key(a["what"]), lambda a, b: _texts_alike(a["what"], b["what"])
    )
    changed = [{"old": o, "new": n, "fields": action_fields(o, n)} for o, n in [*same, *alike]]
    return {"added": only_new, "removed": only_old, "changed": changed}


def _has_notes(section: Data) -> bool:
    return bool(clean_text(section.get("text")) or section.get("decisions") or section.get("actions"))


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
        label = clean_text(n.get("heading") or o.get("heading"))
        change = _section_changes("unplanned", None, label, o, n)
        if change is not None:
            found.append(change)
    return found


def names_of(values: Any) -> list[str]:
    """Return the non-empty names of a list, cleaned."""
    return [clean_text(v) for v in values or () if clean_text(v)]


def _name_changes(old: Any, new: Any) -> Data:
    before, after = names_of(old), names_of(new)
    keys_before, keys_after = {text_key(n) for n in before}, {text_key(n) for n in after}
    return {
        "added": [n for n in after if text_key(n) not in keys_before],
        "removed": [n for n in before if text_key(n) not in keys_after],
    }


def _fact(data: Data, name: str) -> str:
    part = data.get("roles") if name in ("chair", "note_taker") else data.get("meeting")
    return clean_text((part or {}).get(name)) if isinstance(part, dict) else ""


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Return the changes from ``old`` to ``new`` (structured minutes JSON) as plain data."""
    old, new = old or {}, new or {}
    facts = [
        {"field": name, "old": _fact(old, name) or None, "new": _fact(new, name) or None}
        for name in FACTS if text_key(_fact(old, name)) != text_key(_fact(new, name))
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
