"""The health rule: a health detail about someone (not a topic, a count or a matter) in a sentence that
names a person, or right after one when it says "hon"/"she"."""

from __future__ import annotations

import re

from service.domain.privacy.lexicon import MAX_TOKEN, TOKEN, Lexicon
from service.domain.privacy.names import GENITIVE, Names, names_person

_COORDINATION = frozenset({"och", "eller", "samt", "and", "or"})


def _health_at(low: list[str], i: int, owners: list[int], lex: Lexicon, admin: bool) -> bool:
    """Tell whether the word at i is a health detail about someone (not a topic, count or matter)."""
    word = low[i]
    j = i  # "om sjukskrivning och rehabilitering": the words before the first of a coordination
    while j > 1 and low[j - 1] in _COORDINATION:
        j -= 2
    before = low[j - 1] if j else ""
    before2 = low[j - 2] if j > 1 else ""
    after = low[i + 1] if i + 1 < len(low) else ""
    window = low[max(0, i - 4):i]
    owned = GENITIVE in owners[max(0, i - 2):i] or bool(lex.possessive & set(low[max(0, i - 2):i]))
    if word in ("sick", "medical"):  # "on sick leave", "off sick", "her sick leave"
        if after in ("leave", "note", "pay"):
            return before == "on" or owned
        return word == "sick" and not lex.anonymous & set(window)
    if word == "hospital" or word.startswith("sjukhus"):  # "in hospital", "ligger på sjukhus"
        return before in ("in", "to") or (before == "på" and before2 in ("ligger", "låg", "legat",
                                                                         "inlagd", "inlagda", "vårdas"))
    if word == "operated":
        return after == "on"
    if lex.owned.fullmatch(word):
        return owned
    if not owned and lex.anonymous & set(window):
        return False
    if lex.predicate.fullmatch(word):
        return True
    if lex.received.fullmatch(word):
        if admin:
            return False
        return before in lex.receive or (after in lex.receive_after and not lex.general.fullmatch(before2))
    if not lex.noun.fullmatch(word):
        return False
    definite = lex.definite.fullmatch(word) is not None
    if word.endswith("missbruk") and after == "av":  # "missbruk av förtroende"
        return False
    if owned:
        return True
    if not definite and before in lex.general_before:
        return False
    if before in lex.links and lex.general.fullmatch(before2):
        return False
    return not lex.general.fullmatch(after)


def _health_word(sentence: str, toks: list[re.Match[str]], owners: list[int],
                 lexicons: tuple[Lexicon, ...]) -> int | None:
    """Return the offset of the first health detail about someone in sentence, else None."""
    low = [t.group().casefold() for t in toks]
    for lex in lexicons:
        if not lex.hint.search(sentence):
            continue
        admin = any(lex.admin.fullmatch(w) for w in low if len(w) <= MAX_TOKEN)
        for i, word in enumerate(low):
            if len(word) <= MAX_TOKEN and lex.hint.search(word) and _health_at(low, i, owners, lex, admin):
                return toks[i].start()
    return None


def health_in(text: str, spans: list[tuple[int, int]], idx: int, names: Names,
               lexicons: tuple[Lexicon, ...], bigrams: bool) -> int | None:
    """Return the offset in its sentence of the health detail about a named person in spans[idx]."""
    a, b = spans[idx]
    sentence = text[a:b]
    if not any(lex.hint.search(sentence) for lex in lexicons):
        return None
    toks = list(TOKEN.finditer(sentence))
    owners = names_person(sentence, toks, names, bigrams)
    if not any(owners):  # "Hon är sjukskriven." right after a sentence that names her
        pronouns = frozenset().union(*(lex.pronouns for lex in lexicons))
        if idx == 0 or not any(t.group().casefold() in pronouns for t in toks):
            return None
        previous = text[slice(*spans[idx - 1])]
        if not any(names_person(previous, list(TOKEN.finditer(previous)), names, bigrams)):
            return None
    return _health_word(sentence, toks, owners, lexicons)
