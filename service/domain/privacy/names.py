"""Who a sentence names: known names (also in the genitive), capitalised two-word names in Swedish
text, and names that are also ordinary words only where they can only be names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from service.domain.privacy.lexicon import TOKEN

_START_AMBIGUOUS = frozenset(
    "Per Bo Sten Stig Max Hans Tom Dag Ros Lo Tor Björn Mark Will Bill Frank Grace Hope Berg Ek Holm Lind "
    "Lund Ström Strand Sand Hall Grön Borg Falk Nord Öst Ås Dahl Wik Blom Rask Roos Lilja Björk Ask Alm "
    "Ring Vik Hed Lång".split()
)
"""Names that are also ordinary words: first in a sentence they need a full name, a verb or a comma after."""

_VERBS = frozenset("är var har hade blir blev ska skulle kommer kan får fick och is was has had will and"
                   .split())
"""Words after a sentence's first word that make it a name ("Per är sjuk", not "Per vecka")."""

_ALWAYS_AMBIGUOUS = frozenset({"April", "May", "June", "August", "Inga", "Alla", "Hela", "Ingen", "Se"})
"""Names that are also capitalised words (months, "Inga övriga frågor"): they need a full name."""

_AMBIGUOUS = _START_AMBIGUOUS | _ALWAYS_AMBIGUOUS

_START_MARKS = ":;(|-–—•*\"“”'"

NAME, GENITIVE = 1, 2
"""What :func:`names_person` says of a word: a name ("Aisha") or a name in the genitive ("Aishas")."""


@dataclass(frozen=True)
class Names:
    """The known names, split into words."""

    words: frozenset[str]
    """Every capitalised word of every name ("Anna-Karin", "Nyberg")."""

    pairs: frozenset[tuple[str, str]]
    """Consecutive words of a name, to recognise full names ("Inga", "Berg")."""


def known_names(names: Iterable[str]) -> Names:
    """Split full names into their capitalised words and word pairs."""
    words: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for name in names:
        parts = [w for w in TOKEN.findall(name) if len(w) > 1 and w[0].isupper() and not w.isdigit()]
        words.update(parts)
        pairs.update(zip(parts, parts[1:], strict=False))
    return Names(frozenset(words), frozenset(pairs))


def _base_name(word: str, names: Names) -> str | None:
    """Return the known name that word is, also in the genitive ("Aishas", "Aisha's"), else None."""
    for suffix in ("", "'s", "’s", "'", "’", "s"):
        if word.endswith(suffix) and word[: len(word) - len(suffix)] in names.words:
            return word[: len(word) - len(suffix)]
    return None


def _at_start(sentence: str, pos: int) -> bool:
    """Tell whether the word at pos starts the sentence or follows a label, bullet or number."""
    i = pos - 1
    while i >= 0 and sentence[i] == " ":
        i -= 1
    return i < 0 or sentence[i] in _START_MARKS or sentence[i].isdigit()


def names_person(sentence: str, toks: list[re.Match[str]], names: Names, bigrams: bool) -> list[int]:
    """Return, per token, :data:`NAME`, :data:`GENITIVE` ("Aishas") or 0 when it names nobody."""
    words = [t.group() for t in toks]
    named = []
    for i, word in enumerate(words):
        base = _base_name(word, names)
        before, after = (words[i - 1] if i else ""), (words[i + 1] if i + 1 < len(words) else "")
        listed = sentence.startswith((",", " (", "("), toks[i].end())  # "Frånvarande: Per (sjuk)"
        if base is not None and (base in _ALWAYS_AMBIGUOUS or (base in _START_AMBIGUOUS and not listed
                                 and after not in _VERBS and _at_start(sentence, toks[i].start()))):
            pairs = names.pairs
            if (base, _base_name(after, names) or after) not in pairs and (before, base) not in pairs:
                base = None
        named.append(0 if base is None else NAME if base == word else GENITIVE)
    if bigrams:  # "vikarien Lisa Nilsson": two capitalised words in a row in Swedish text
        caps = [_capitalised(w) for w in words]
        for i in range(len(words) - 1):
            if (caps[i] and caps[i + 1] and toks[i].end() + 1 == toks[i + 1].start()
                    and sentence[toks[i].end()] == " " and words[i] not in _AMBIGUOUS):
                named[i] = named[i] or NAME
                named[i + 1] = named[i + 1] or NAME
    return named


def _capitalised(word: str) -> bool:
    """Tell whether word is written like a name: one capital, then lower case letters."""
    return len(word) > 1 and word[0].isupper() and word[1:].islower() and word.isalpha()
