"""Match a draft's heading to an item of the workplace's agenda: exact, alias, vocabulary, fuzzy."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from service.domain.vocabulary import GROUPS
from service.domain.workplace import AgendaEntry

EXACT = 100.0
"""Score of a heading equal to the item's title or a configured alias."""

VOCABULARY = 97.0
"""Score of a heading equal to a built-in variant of the item."""

SURE = 95.0
"""Scores from here up are sure matches; below is a loose match that the receipt warns about."""

FUZZY_CUTOFF = 85.0
"""The least fuzzy score that still counts as a match."""

TIE_MARGIN = 2.0
"""Scores this close are a tie, broken by the heading's number."""

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_LEAD = re.compile(r"^(?:punkt\s*|§\s*|p\.?\s*)?\d{1,3}(?:\s*[.:)§]|\s)\s*", re.IGNORECASE)


def normalise(title: str) -> str:
    """Return a heading in comparable form: case-folded words, ``o``/``&`` read as ``och``."""
    text = unicodedata.normalize("NFC", title).casefold().replace("&", " och ").replace("/", " och ")
    text = _LEAD.sub("", text.strip())
    words = ["och" if w in ("o", "og", "samt") else w for w in _WORD.findall(text)]
    return " ".join(words)


def fold(text: str) -> str:
    """Return text without diacritics, for typo-tolerant comparison (å→a, ö→o)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _strip_numbers(text: str) -> str:
    return " ".join(w for w in text.split() if not w.isdigit())


@dataclass(frozen=True)
class Match:
    """An agenda item a heading was matched to."""

    index: int
    """0-based position of the item in the agenda."""

    score: float
    """0–100; :data:`EXACT` for the title or an alias."""

    @property
    def loose(self) -> bool:
        """Tell whether the match was only fuzzy (worth a warning)."""
        return self.score < SURE


class Matcher:
    """Matches headings against one agenda."""

    def __init__(self, agenda: tuple[AgendaEntry, ...]) -> None:
        self.size = len(agenda)
        self.exact: dict[str, dict[int, float]] = {}
        for i, entry in enumerate(agenda):
            own = [normalise(entry.title)] + [normalise(a) for a in entry.aliases]
            for key in own:
                self._add(key, i, EXACT)
                bare = _strip_numbers(key)
                if bare and bare != key:
                    self._add(bare, i, VOCABULARY)
            for group in GROUPS:
                keys = [normalise(g) for g in group]
                if any(k in own for k in keys):
                    for k in keys:
                        self._add(k, i, VOCABULARY)
        self.choices: list[str] = []
        self.owners: list[dict[int, float]] = []
        for key, owners in self.exact.items():
            if len(key) >= 5:
                self.choices.append(fold(key))
                self.owners.append(owners)

    def _add(self, key: str, index: int, score: float) -> None:
        if not key:
            return
        slot = self.exact.setdefault(key, {})
        slot[index] = max(slot.get(index, 0.0), score)

    def match(self, heading: str, number: int | None = None) -> Match | None:
        """Return the agenda item a heading means, or None when it means none."""
        key = normalise(heading)
        if not key or len(key) > 120:
            return None
        scores: dict[int, float] = dict(self.exact.get(key, {}))
        if not scores and len(key) >= 4:
            folded = fold(key)
            for _choice, score, pos in process.extract(
                folded, self.choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=8
            ):
                for index in self.owners[pos]:
                    scores[index] = max(scores.get(index, 0.0), min(score, SURE - 0.5))
            # A heading that starts with a whole title and adds a few words: "Arbetsmiljö – skyddsrond".
            words = folded.split()
            for choice, owners in zip(self.choices, self.owners, strict=True):
                if len(choice) >= 8 and len(words) <= 12 and folded.startswith(choice + " "):
                    for index in owners:
                        scores[index] = max(scores.get(index, 0.0), SURE - 5)
        if not scores:
            return None
        best = max(scores.values())
        tied = [i for i, s in scores.items() if s >= best - TIE_MARGIN]
        if number is not None:
            for i in tied:
                if i + 1 == number:
                    return Match(i, scores[i])
        top = max(tied, key=lambda i: (scores[i], -i))
        return Match(top, scores[top])


@lru_cache(maxsize=64)
def matcher_for(agenda: tuple[AgendaEntry, ...]) -> Matcher:
    """Return the (cached) matcher of an agenda."""
    return Matcher(agenda)
