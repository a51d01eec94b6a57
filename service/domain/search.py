"""Full-text search, the pure part: word forms, query terms, sort keys and snippets with the hit marked.

Text is cut into words, folded and reduced to its Snowball stem (Swedish, or English for a workplace
written in English) both when it is indexed and when it is asked for, so "skyddsronden" finds
"skyddsrond". Nothing here reads or writes anything.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import threading
from collections import deque
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

HIT_CAP = 1000
"""Most hits that are counted and ranked; beyond it hits are listed newest first, counted as "over"."""

PER_PAGE = 20
"""Hits (and list rows) per page."""

MAX_TERMS = 8
"""Most words of a query that are searched for."""

STEMMERS = {"sv": "swedish", "en": "english"}
"""Snowball stemmer per workplace language."""

_WORD = re.compile(r"[^\W_]+")
_SPACE = re.compile(r"\s+")
_EPOCH = dt.date(1900, 1, 1)
_ID_BITS = 32


_LOCK = threading.Lock()
"""A Snowball stemmer keeps state while it works: one word at a time across threads."""


@lru_cache(maxsize=4)
def _stemmer(language: str):  # noqa: ANN202 - snowballstemmer has no types
    return snowballstemmer.stemmer(STEMMERS.get(language, "swedish"))


def _stem_word(word: str, language: str) -> str:
    with _LOCK:
        return _stemmer(language).stemWord(word)


_STEMS: dict[str, dict[str, str]] = {}
"""Stems already made, per language (a municipality's vocabulary fits)."""


def stem(word: str, language: str = "sv") -> str:
    """Return the Snowball stem of one folded word."""
    cache = _STEMS.setdefault(language, {})
    found = cache.get(word)
    if found is None:
        if len(cache) > 500_000:
            cache.clear()
        found = cache[word] = _stem_word(word, language)
    return found


def words(text: str) -> list[str]:
    """Return the words of a text, folded (letters and digits; everything else separates)."""
    return _WORD.findall((text or "").casefold())


def stemmed(text: str, language: str = "sv") -> str:
    """Return a text as the index holds it: its words' stems, space separated."""
    found = words(text)
    cache = _STEMS.setdefault(language, {})
    if len(cache) > 500_000:
        cache.clear()
    for w in set(found).difference(cache):
        cache[w] = _stem_word(w, language)
    return " ".join(map(cache.__getitem__, found))


def terms(query: str) -> list[str]:
    """Return the distinct words of a query, in order, at most :data:`MAX_TERMS`."""
    seen: list[str] = []
    for w in words(query):
        if w not in seen:
            seen.append(w)
    return seen[:MAX_TERMS]


def term_stems(query: str, languages: Iterable[str] = ("sv",)) -> list[list[str]]:
    """Return, per query word, its stems in each language searched (every word must match one)."""
    langs = sorted(set(languages)) or ["sv"]
    groups = []
    for w in terms(query):
        forms: list[str] = []
        for lang in langs:
            s = stem(w, lang)
            if s not in forms:
                forms.append(s)
        groups.append(forms)
    return groups


def sort_key(meeting_date: str, minutes_id: int) -> int:
    """Return the index key of a minutes version: later meetings sort higher, the id breaks ties."""
    return (_days(meeting_date) << _ID_BITS) | (int(minutes_id) & 0xFFFFFFFF)


def minutes_id_of(key: int) -> int:
    """Return the minutes id inside an index key."""
    return int(key) & 0xFFFFFFFF


def year_range(year: int) -> tuple[int, int]:
    """Return the lowest and highest index key of meetings held in one year."""
    low = (dt.date(year, 1, 1) - _EPOCH).days << _ID_BITS
    high = ((dt.date(year + 1, 1, 1) - _EPOCH).days << _ID_BITS) - 1
    return low, high


def _days(meeting_date: str) -> int:
    try:
        day = dt.date.fromisoformat((meeting_date or "")[:10])
    except ValueError:
        return 0
    return max((day - _EPOCH).days, 0)


def workplace_token(workplace_id: str) -> str:
    """Return the index word that stands for a workplace (letters and digits only)."""
    return "w" + workplace_id.encode("utf-8").hex()


def snippet(text: str, stems: Iterable[Iterable[str]], language: str = "sv", width: int = 12) -> str:
    """Return HTML: about ``2 * width`` words around the first hit, every hit in ``<mark>``, escaped.

    Only the words up to the end of the window are read, so a long text costs no more than a short one
    when the hit comes early.
    """
    wanted = {s for group in stems for s in group}
    cache = _STEMS.setdefault(language, {})
    before: deque[tuple[int, int, bool]] = deque(maxlen=width + 1)
    window: list[tuple[int, int, bool]] = []
    opening: list[tuple[int, int, bool]] = []
    after = -1
    more = False
    for m in _WORD.finditer(text or ""):
        if after >= width:
            more = True
            break
        word = m.group().casefold()
        found = cache.get(word)
        hit = (found if found is not None else stem(word, language)) in wanted
        span = (*m.span(), hit)
        if after < 0:
            before.append(span)
            if len(opening) <= 2 * width:
                opening.append(span)
            if hit:
                window, after = list(before), 0
            continue
        window.append(span)
        after += 1
    if after < 0:  # no hit (a word form only the database's stemmer knew): the opening words
        window, more = opening[: 2 * width], len(opening) > 2 * width
    if not window:
        return ""
    pos, out = window[0][0], ["… " if window[0][0] > 0 and _WORD.search(text, 0, window[0][0]) else ""]
    for a, b, hit in window:  # the text between hits is one piece (words hold no spaces to flatten)
        if hit:
            out.append(html.escape(_flat(text[pos:a])))
            out.append(f"<mark>{html.escape(text[a:b])}</mark>")
            pos = b
    out.append(html.escape(_flat(text[pos:window[-1][1]])))
    if more:
        out.append(" …")
    return "".join(out).strip()


def _flat(gap: str) -> str:
    return _SPACE.sub(" ", gap)


def minutes_text(minutes: dict) -> str:
    """Return the searchable text of structured minutes as written (titles, text, decisions, actions)."""
    parts: list[str] = []
    for section in list(minutes.get("items") or []) + list(minutes.get("unplanned") or []):
        if not isinstance(section, dict):
            continue
        parts += [str(section.get("heading") or section.get("title") or ""), str(section.get("text") or "")]
        parts += [str(d) for d in section.get("decisions") or []]
        parts += [f"{a.get('what', '')} {a.get('owner') or ''}" for a in section.get("actions") or []
                  if isinstance(a, dict)]
    return "\n".join(p for p in parts if p)
