"""Which agenda item an action of a trailing action list belongs to.

A list at the end (``Åtgärdslista``, ``Att göra``, a ``Punkt | Vad | Vem | När`` table) is no section
of its own: each action goes to the item its ``Punkt`` names, else to the item whose notes it shares
the most words with.
"""

from __future__ import annotations

import re

from service.domain.matching import Matcher

MIN_SHARED = 2
"""An action goes to the item it shares at least this many words with (and more than with any other)."""

_STOP = frozenset(
    (
        "till",
        "inte",
        "under",
        "efter",
        "alla",
        "från",
        "eller",
        "mötet",
        "nästa",
        "ska",
        "skall",
        "kommer",
        "också",
        "även",
        "sedan",
        "innan",
        "inför",
        "with",
        "that",
        "from",
        "will",
        "this",
        "have",
        "they",
        "there",
        "their",
        "before",
        "after",
        "about",
        "meeting",
        "ansvarig",
        "klart",
        "senast",
        "gång",
    )
)
_REF_NUMBER = re.compile(r"^(?:punkt\s*|§\s*|p\.?\s*|item\s*)?(\d{1,2})[a-h]?\b", re.IGNORECASE)


def _words(text: str) -> set[str]:
    out: set[str] = set()
    for w in re.findall(r"[^\W_]+", text.casefold()):
        if any(c.isdigit() for c in w) and any(c.isalpha() for c in w):
            out.add(w)
        elif len(w) >= 4 and w not in _STOP and not w.isdigit():
            out.add(w[:5])
    return out


def item_for_ref(ref: str, matcher: Matcher) -> int | None:
    """Return the 0-based agenda item a ``Punkt`` cell names, by number or by title."""
    m = _REF_NUMBER.match(ref.strip())
    if m and 1 <= int(m.group(1)) <= matcher.size:
        rest = ref[m.end() :].strip(" .:)-–")
        if rest:
            named = matcher.match(rest, int(m.group(1)), label=True)
            if named is not None:
                return named.index
        return int(m.group(1)) - 1
    found = matcher.match(ref, label=True)
    return found.index if found is not None else None


def item_by_words(what: str, texts: list[str]) -> int | None:
    """Return the item whose notes share the most words with an action, when that is clear."""
    wanted = _words(what)
    scores = [len(wanted & _words(t)) for t in texts]
    if not scores:
        return None
    best = max(scores)
    if best >= MIN_SHARED and scores.count(best) == 1:
        return scores.index(best)
    return None
