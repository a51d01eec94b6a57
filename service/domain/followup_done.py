"""Whether a later draft reports an action done: the sentences that may say so, and which action each names.

A done word (``klart``, ``genomfört``; ``done`` in English) not negated, not in the future and not
introducing a due date or a clause closes the one open action the sentence names best, matched on the
words that tell actions apart. No I/O: :mod:`service.steps.followup` hands in plain data.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz

from service.domain.followup import WORD, Tracked, fold
from service.domain.minutes import Minutes

# --------------------------------------------------------------------------- words

STOPWORDS = frozenset(
    """
    och att till för med som alla det den de en ett är på i av om från under efter inför hos vid nya nytt
    ny kan ska skall har hade var vara blir bli inte ej samt eller också även mer så nu här där vi man sig
    sin sitt sina oss er dem han hon hen denna detta dessa vår vårt våra alla allt inom mot genom utan
    the and for with to of all new be is are was were have has had a an on in at by from this that these
    those it its our we us they them will shall should can not no as into onto about
    """.split()
)
"""Words too common to tell one action from another."""

DONE_WORDS = {
    "sv": frozenset({"klar", "klart", "klara", "genomfört", "genomförd", "genomförda", "åtgärdat",
                     "åtgärdad", "åtgärdade"}),
    "en": frozenset({"done", "completed"}),
}
"""Words that report an action done, by workplace language."""

NOT_YET = frozenset(
    """
    inte ej icke ännu nästan snart ska skall bör blir bli kommer behöver inget ingen nej innan före
    not never yet nearly almost soon will shall should must be to no nothing before
    """.split()
)
"""Words just before a done word that mean it is not done (yet): ``inte klart``, ``ska vara klart``."""

_DUE_AFTER = re.compile(
    r"^\s*(?::\s*)?(?:\d|senast\b|till\b|innan\b|före\b|v\.|vecka\b|den\s+\d|by\b|before\b|until\b)",
    re.IGNORECASE,
)
"""What after a done word makes it a due date (``Klart: 2026-12-15``, ``klart senast``), not a report."""

_CLAUSE_AFTER = re.compile(r"^\s*(?:att|that)\b", re.IGNORECASE)
"""What after a done word makes it prose (``det är klart att …``), not a report."""

PAST = frozenset("är var blev blivit har hade nu is was were has have been now".split())
"""Words just before a done word that make it a report whatever follows (``blev klart den 3 december``)."""


def content_words(text: str, language: str = "sv") -> list[str]:
    """Return the words that tell an action apart: folded, not common, not a done word."""
    done = DONE_WORDS.get(language, DONE_WORDS["sv"])
    return [w for w in fold(text).split() if len(w) >= 3 and w not in STOPWORDS and w not in done]


def _same_word(a: str, b: str) -> bool:
    """Tell whether two folded words are one word, inflected or with a typo (``beställa``/``beställda``)."""
    if a == b:
        return True
    if min(len(a), len(b)) < 4:
        return False
    return fuzz.ratio(a, b) >= 80


# --------------------------------------------------------------------------- done

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CLAUSE = re.compile(r"[,;]\s*")

MIN_SHARE = 0.5
"""Share of an action's telling words a sentence must hold to report that action."""

LONG_WORD = 7
"""A telling word this long is enough on its own (``Glidlakan: klart``) when nothing else fits better."""


def segments(minutes: Minutes | dict) -> list[str]:
    """Return the lines and sentences of a draft's notes and decisions, where a done report may stand.

    Action lines are not among them: an action written again is a new action, not a report. An
    unplanned section's heading is read with its first line (``Glidlakan`` / ``klart``).
    """
    m = Minutes.of(minutes)
    texts: list[str] = []
    for section in m.items:
        texts += [section.text, *section.decisions]
    for section in m.unplanned:
        first, _, _rest = section.text.strip().partition("\n")
        texts += [section.text, *section.decisions]
        if section.heading:
            texts.append(f"{section.heading}: {first}")
    out: list[str] = []
    for text in texts:
        for line in text.splitlines():
            line = line.strip().lstrip("-•*–").strip()
            if line:
                out += [s for s in _SENTENCE_END.split(line) if s.strip()]
    return out


def reports_done(sentence: str, language: str = "sv") -> bool:
    """Tell whether a sentence says something is done (``klart``, ``genomfört``; ``done`` in English).

    Not when the done word is negated or in the future (``inte klart``, ``ska vara klart``), nor when
    it introduces a due date or a clause (``Klart: 2026-12-15``, ``klart senast``, ``klart att``).
    """
    done = DONE_WORDS.get(language, DONE_WORDS["sv"])
    text = unicodedata.normalize("NFKC", sentence)
    words = list(WORD.finditer(text))
    for i, word in enumerate(words):
        if word.group().casefold() not in done:
            continue
        before = {w.group().casefold() for w in words[max(0, i - 3):i]}
        after = text[word.end():]
        if before & NOT_YET or _CLAUSE_AFTER.match(after):
            continue
        if _DUE_AFTER.match(after) and not before & PAST:
            continue
        return True
    return False


def _share(action: Tracked, text: str, language: str) -> tuple[float, int, int]:
    """Return how well a text names an action: share of its telling words, how many, the longest found."""
    wanted = content_words(action.what, language)
    if not wanted:
        return 0.0, 0, 0
    have = content_words(text, language)
    found = [w for w in wanted if any(_same_word(w, h) for h in have)]
    return len(found) / len(wanted), len(found), max((len(w) for w in found), default=0)


def _best(actions: Sequence[Tracked], text: str, language: str) -> list[Tracked]:
    """Return the action a text names best (several only when their texts are the same); [] when none is
    named, or several different ones fit equally."""
    scored: list[tuple[tuple[float, int], Tracked]] = []
    for action in actions:
        share, count, longest = _share(action, text, language)
        wanted = len(content_words(action.what, language))
        enough = (share >= MIN_SHARE and (count >= 2 or wanted == 1)) or (count >= 1 and longest >= LONG_WORD)
        if enough:
            token = fuzz.token_set_ratio(fold(action.what), fold(text)) / 100
            scored.append(((round(share + token / 10, 6), count), action))
    if not scored:
        return []
    top = max(score for score, _ in scored)
    best = [a for score, a in scored if score == top]
    if len({fold(a.what) for a in best}) > 1:
        return []
    return best


def closed_by(actions: Sequence[Tracked], sentences: Iterable[str], language: str = "sv") -> list[int]:
    """Return the ids of the actions a draft's sentences report done, in the order of ``actions``.

    A sentence with a done word closes the one action it names best: first the clause that holds the
    done word (``glidlakan beställda (klart), riskbedömningen pågår``), else the whole sentence.
    """
    closed: set[int] = set()
    for sentence in sentences:
        if not reports_done(sentence, language):
            continue
        left = [a for a in actions if a.id not in closed]
        found: list[Tracked] = []
        for clause in _CLAUSE.split(sentence):
            if reports_done(clause, language):
                found = _best(left, clause, language)
                if found:
                    break
        closed.update(a.id for a in found or _best(left, sentence, language))
    return [a.id for a in actions if a.id in closed]
