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

WORDS_SCORE = 90.0
"""Score of a heading whose words (stemmed) are all words of the item: ``Head of unit update``."""

ABBREVIATION_SCORE = 88.0
"""Score of an abbreviated or compounded heading: ``Föreg. anteckn.``, ``Arb.miljö``, ``Brukarfrågor``."""

UNIQUE_WORD_SCORE = 86.0
"""Score of a label that shares a content word with exactly one item (labels only): ``Närvaro/EHT``."""

MEMO_SIZE = 4096
"""How many headings a matcher remembers the answer for."""

_SUFFIXES = ("arna", "erna", "orna", "en", "et", "na", "n", "t", "s")
_STOP = frozenset("och i på av för till med om the of and from to for a an in on at".split())

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


def stem(word: str) -> str:
    """Return a word without a Swedish definite or an English plural ending: ``chefen`` → ``chef``."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _content_words(text: str) -> list[str]:
    return [stem(w) for w in text.split() if w not in _STOP]


def _prefix_chain(seg: str, words: list[str], start: int) -> bool:
    """Tell whether a segment is prefixes of consecutive words from ``start``: ``brukarfragor``."""
    if not seg:
        return True
    if start >= len(words):
        return False
    word = words[start]
    for n in range(min(len(seg), len(word)), 0, -1):
        if seg[:n] == word[:n] and _prefix_chain(seg[n:], words, start + 1):
            return True
    return False


def segments(label: str) -> list[str]:
    """Return the stemmed parts of a folded label, without stop words: ``arb.miljo`` → ``arb``, ``miljo``."""
    return [stem(s) for s in re.split(r"[\s./\-]+", label) if s and s not in _STOP]


@dataclass(frozen=True)
class KeyShape:
    """A folded title (or alias, or variant) prepared for abbreviation tests."""

    words: tuple[str, ...]
    """Its words without stop words."""

    joined: str
    """Its words written together."""

    starts: frozenset[int]
    """Where each word begins in :attr:`joined`."""

    @classmethod
    def of(cls, key: str) -> KeyShape:
        """Prepare a folded key."""
        words = tuple(w for w in key.split() if w not in _STOP)
        starts, pos = {0}, 0
        for w in words[:-1]:
            pos += len(w)
            starts.add(pos)
        return cls(words, "".join(words), frozenset(starts))


def abbreviation_fits(label: str, key: str | KeyShape, segs: list[str] | None = None) -> bool:
    """Tell whether a folded label abbreviates a folded title: ordered parts, the first at a word start."""
    shape = key if isinstance(key, KeyShape) else KeyShape.of(key)
    segs = segments(label) if segs is None else segs
    words, joined = list(shape.words), shape.joined
    if not segs or not words or len(segs[0]) < 3 or sum(len(s) for s in segs) < 4:
        return False
    if not any(w.startswith(segs[0][0]) for w in words):
        return False
    first = [p for p in shape.starts if joined.startswith(segs[0], p)]
    for p in sorted(first):
        cursor = p + len(segs[0])
        for seg in segs[1:]:
            found = joined.find(seg, cursor)
            if found < 0:
                break
            cursor = found + len(seg)
        else:
            return True
    if len(segs) == 1:
        return any(_prefix_chain(segs[0], words, k) and segs[0][: len(words[k])] != segs[0]
                   for k in range(len(words)))
    return False


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
        self.keys: list[tuple[str, int]] = [(fold(k), i) for k, owners in self.exact.items() for i in owners]
        self.shapes = [(i, frozenset(_content_words(k)), KeyShape.of(k)) for k, i in self.keys]
        self._memo: dict[tuple[str, int | None, bool], Match | None] = {}
        self.all_words = frozenset(w for _i, words, _shape in self.shapes for w in words)
        self.prefixes = frozenset(w[:3] for _i, _words, shape in self.shapes for w in shape.words)
        counts: dict[str, set[int]] = {}
        for key, i in self.keys:
            for w in _content_words(key):
                if len(w) >= 5:
                    counts.setdefault(w, set()).add(i)
        self.unique_words = {w: next(iter(ix)) for w, ix in counts.items() if len(ix) == 1}
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

    def _loose(self, folded: str, label: bool) -> dict[int, float]:
        """Score the loose readings of a heading: its words, an abbreviation, a unique word."""
        scores: dict[int, float] = {}
        words = set(_content_words(folded))
        if not words or len(folded) > 80:
            return scores
        segs = segments(folded)
        long_word = any(len(w) >= 4 for w in words)
        if not (long_word and words <= self.all_words) and not (segs and segs[0][:3] in self.prefixes):
            return self._unique_word(words) if label else scores
        for i, key_words, shape in self.shapes:
            if long_word and words <= key_words and 2 * len(words) >= len(key_words):
                scores[i] = max(scores.get(i, 0.0), WORDS_SCORE)
            elif abbreviation_fits(folded, shape, segs):
                scores[i] = max(scores.get(i, 0.0), ABBREVIATION_SCORE)
        if not scores and label:
            return self._unique_word(words)
        return scores

    def _unique_word(self, words: set[str]) -> dict[int, float]:
        """Score a label by a content word that only one item has."""
        return {self.unique_words[w]: UNIQUE_WORD_SCORE for w in words if w in self.unique_words}

    def match(self, heading: str, number: int | None = None, *, label: bool = False) -> Match | None:
        """Return the agenda item a heading means, or None when it means none."""
        memo_key = (heading, number, label)
        if memo_key in self._memo:
            return self._memo[memo_key]
        found = self._match(heading, number, label)
        if len(self._memo) < MEMO_SIZE:
            self._memo[memo_key] = found
        return found

    def _match(self, heading: str, number: int | None, label: bool) -> Match | None:
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
        if not scores and len(key) >= 3:
            scores = self._loose(fold(key), label)
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
