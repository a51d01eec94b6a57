"""Find personal data that does not belong in minutes: personnummer and health details about a named person.

Pure text rules (DESIGN, "Structuring rules", bullet "Privacy"). Every pattern is compiled at import and
runs in time linear in the text, so a 5 MB draft of garbage is no risk.

Health rule, sentence by sentence: a health word (sick leave, diagnosis, illness, treatment… and their
Swedish word forms) is a finding when the same sentence names a person. A person is named by a known
name (roster and attendance: first name, surname or full name, case-sensitively, also in the genitive
"Aishas"/"Aisha's"), by a capitalised two-word name in Swedish text ("vikarien Lisa Nilsson"), or by
"hon/han/hen"/"she/he" right after a sentence that names someone. Anonymous references ("en kollega",
"två medarbetare", "someone") are no finding: that is how minutes should say it. Not findings either:
general statements ("rutinen för rehabilitering", "information om sjukskrivning", "sjukfrånvaron har
minskat", "if you are ill"), plurals and statistics unless owned ("Saras sjukskrivningar"), and the
administrative sense of "behandling"/"treatment" ("behandling av personuppgifter", "ärendet är under
behandling"): those words count only when someone receives them ("får behandling", "under behandling
för…"). Union membership in a samverkansgrupp is the role people attend in and never a finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

PERSONNUMMER = "personnummer"
"""Finding code: a personnummer or samordningsnummer with a real date and a valid check digit."""

HEALTH = "health"
"""Finding code: a health detail in a sentence that names a person."""

MAX_EXCERPT = 200
"""Longest excerpt in characters; a longer sentence is cut around what was found."""


@dataclass(frozen=True)
class Finding:
    """One privacy finding: what kind, where, and the sentence it is in."""

    code: str
    """:data:`PERSONNUMMER` or :data:`HEALTH`."""

    item: int | None
    """The agenda number of the section, None for the preamble or an unplanned section."""

    excerpt: str
    """The sentence as written, whitespace collapsed, at most about :data:`MAX_EXCERPT` characters."""

    start: int
    """Offset of the sentence in its section's text."""

    end: int
    """Offset just after the sentence in its section's text."""

    def as_json(self) -> dict:
        """Return the contract's dict: ``{"code", "item", "excerpt"}``."""
        return {"code": self.code, "item": self.item, "excerpt": self.excerpt}


# --------------------------------------------------------------------------- personnummer

_NUMBER = re.compile(
    r"(?<!\w)(?<!\d[-+/.,:\u2010-\u2015])"
    r"(?P<century>19|20)?(?P<date>\d{6})(?P<sep>[-+\u2010-\u2015\u2212 \u00a0]?)(?P<serial>\d{4})"
    r"(?!\w)(?![-+/.,:\u2010-\u2015]\d)"
)
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _real_date(year: int, month: int, day: int) -> bool:
    """Tell whether the date exists; a day over 60 is a samordningsnummer's."""
    if day > 60:
        day -= 60
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS[month - 1]:
        return False
    return not (month == 2 and day == 29) or (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))


def _luhn(digits: str) -> bool:
    """Tell whether the last digit is the Luhn check digit of the others."""
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 - i % 2)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _valid(m: re.Match[str]) -> bool:
    """Tell whether a number shaped like a personnummer has a real date and a valid check digit."""
    date = m.group("date")
    yy = int(date[:2])
    year = int(m.group("century") + date[:2]) if m.group("century") else 2000 + yy
    return _real_date(year, int(date[2:4]), int(date[4:])) and _luhn(date + m.group("serial"))


def _number_spans(text: str) -> list[tuple[int, int]]:
    """Return the spans of the valid personnummer and samordningsnummer in text."""
    return [m.span() for m in _NUMBER.finditer(text) if _valid(m)]


def find_personal_numbers(text: str) -> list[str]:
    """Return the personnummer and samordningsnummer in text, as written, in order."""
    return [text[a:b] for a, b in _number_spans(text)]


# --------------------------------------------------------------------------- sentences

_BREAK = re.compile(r"[.!?…]+[\"'”’»)\]]*|[\n\t|•]")
_ABBREVIATIONS = frozenset(
    "kl ca ev resp nr tel tfn mob st jfr enl ang inkl exkl bl dr mr mrs ms prof approx no vs fr tom".split()
)
_BULLET = re.compile(r"[-–—*•·]\s+")


def _is_abbreviation(text: str, lo: int, pos: int) -> bool:
    """Tell whether the word ending at the full stop at pos is an abbreviation or an initial."""
    k = text.rfind(" ", max(lo, pos - 30), pos)
    word = text[k + 1 if k >= 0 else max(lo, pos - 30):pos].lstrip("([\"'“”«")
    return "." in word or (len(word) == 1 and word.isupper()) or word.casefold() in _ABBREVIATIONS


def _continues(text: str, lo: int, nl: int) -> bool:
    """Tell whether the line break at nl only wraps a sentence (no end mark before, lower case after)."""
    i = nl - 1
    while i >= lo and text[i] in " \r\u00a0":
        i -= 1
    j = nl + 1
    while j < len(text) and text[j] in " \u00a0":
        j += 1
    return i >= lo and text[i] not in ".!?:;…" and j < len(text) and text[j].islower()


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) spans of text's sentences, trimmed of spaces and bullets."""
    spans: list[tuple[int, int]] = []

    def add(a: int, b: int) -> None:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        bullet = _BULLET.match(text, a, b)
        if bullet:
            a = bullet.end()
        if a < b:
            spans.append((a, b))

    start = 0
    for m in _BREAK.finditer(text):
        ch, end = m.group()[0], m.end()
        if ch == "\n" and _continues(text, start, m.start()):
            continue
        if ch in ".!?…":
            if end < len(text) and not text[end].isspace():
                continue  # 9.00, t.ex, 2/11.5
            if ch in ".…":
                j = end
                while j < len(text) and text[j].isspace():
                    j += 1
                if j < len(text) and (text[j].islower() or text[j].isdigit()):
                    continue  # kl. 13, ca. 20, etc. och
                if _is_abbreviation(text, start, m.start()):
                    continue  # t.ex. Sara, bl.a. Maria
            add(start, end)
        else:
            add(start, m.start())
        start = end
    add(start, len(text))
    return spans


# --------------------------------------------------------------------------- health words

_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|\d+")
_MAX_TOKEN = 40


def _words(alternatives: str, suffix: str = "") -> re.Pattern[str]:
    """Compile space-separated alternatives, each followed by suffix."""
    return re.compile(f"(?:{'|'.join(alternatives.split())}){suffix}")


@dataclass(frozen=True)
class _Lexicon:
    """The health vocabulary of one language; the word patterns fullmatch a lower-case word."""

    hint: re.Pattern[str]
    """A cheap search that every health word matches."""
    predicate: re.Pattern[str]
    """Words that say a person is ill (sjukskriven, opererad, ill)."""
    noun: re.Pattern[str]
    """Health nouns ("rehabilitering", "sjukdomen", "illness")."""
    definite: re.Pattern[str]
    """Definite, hence specific, forms of the nouns ("sjukdomen"): never a mere topic."""
    received: re.Pattern[str]
    """Nouns that count only when someone receives them (behandling, treatment)."""
    owned: re.Pattern[str]
    """Plurals and statistics that count only after a possessive ("Saras sjukskrivningar")."""
    admin: re.Pattern[str]
    """Words that show "behandling"/"treatment" means handling a matter."""
    receive: frozenset[str]
    """Words before a received noun that show someone receives it ("får", "under")."""
    receive_after: frozenset[str]
    """Words after a received noun that show it is a cure ("för", "mot")."""
    general_before: frozenset[str]
    """Words right before a noun that make it a topic ("om", "about")."""
    general: re.Pattern[str]
    """Nouns that make a health noun a topic: "rutin för rehabilitering", "rehabilitation process"."""
    links: frozenset[str]
    """Prepositions between a general noun and a health noun."""
    anonymous: frozenset[str]
    """Anonymous or generic subjects ("man", "en kollega", "anyone"): nobody is named."""
    possessive: frozenset[str]
    """Possessive pronouns."""
    pronouns: frozenset[str]
    """Personal pronouns that refer to the person named in the sentence before."""


_LONG = r"(?:hel|del|halv|lång|kort)?(?:tids)?"
_SV = _Lexicon(
    hint=re.compile(r"sjuk|diagnos|behandl|rehab|cancer|depression|utbränd|utmattning|missbruk|operer|förkyl|"
                    r"stroke|infarkt", re.IGNORECASE),
    predicate=_words(rf"sjuk magsjuk[at]? förkyld[at]? {_LONG}sjukskriv(?:en|et|na|its|es|s|a|as) "
                     r"sjukskrevs sjukanmä(?:ld|lda|lde|lt|ler|ls) sjuklediga? (?:ny)?opererad[et]? "
                     r"opererade?s opererats utbränd[at]? diagnostiserad[et]? diagnostiserade?s "
                     r"diagnostiserats"),
    noun=_words(rf"{_LONG}sjukskrivning \w*sjukdom \w*cancer \w*diagnos rehabilitering rehab \w*depression "
                r"utmattning utmattningssyndrom utbrändhet \w*missbruk stroke hjärtinfarkt "
                r"(?:rehab|rehabiliterings|sjukskrivnings)(?:möte|samtal|plan|period|tid|utredning|grad)",
                r"(?:en|et|n)?"),
    definite=re.compile(r".*(?:en|cern|[^h]et)"),
    received=_words(r"(?:cancer|strål|cellgifts|läkemedels|samtals)?behandling(?:en)?"),
    owned=_words(r"sjukskrivningar(?:na)? \w*sjukdomar(?:na)? diagnoser(?:na)? behandlingar(?:na)? "
                 r"rehabiliteringar(?:na)? sjukdagar(?:na)? sjukfrånvaron?"),
    admin=_words(r"ärende\w* fråg(?:a|an|or|orna) ansök\w* begäran anmälan\w* överklagande\w* "
                 r"\w*personuppgift\w* uppgift\w* handling(?:ar|arna) \w*nämnd\w* \w*styrelse\w* "
                 r"\w*budget\w* förslag\w* yttrande\w* remiss\w* motion\w* klagomål\w* synpunkt\w* "
                 r"avvikelse\w* dnr diarie\w* protokoll\w*"),
    receive=frozenset("får fått fick under i genomgår genomgått genomgick påbörjat påbörjar påbörjade "
                      "avslutat avslutar går gått sin hennes hans hens".split()),
    receive_after=frozenset({"för", "mot"}),
    general_before=frozenset("om kring angående gällande rörande inom vid".split()),
    general=_words("rutin policy riktlinje process arbet statistik information utbildning föreläsning "
                   "handbok mall stöd samordn ansvar regl system kostnad ersättning försäkring insats",
                   r"\w*"),
    links=frozenset("för med i av vid kring om".split()),
    anonymous=frozenset("man någon ingen alla ni du vi kollega kollegor kollegan medarbetare medarbetarna "
                        "anställd anställda personal personalen elev elever eleverna brukare brukarna "
                        "patient patienter patienterna flera några många fler".split()),
    possessive=frozenset("hennes hans hens sin sitt sina".split()),
    pronouns=frozenset({"hon", "han", "hen"}),
)

_EN = _Lexicon(
    hint=re.compile(r"sick|ill|unwell|diagnos|treatment|rehab|surger|hospital|cancer|depression|burn|chemo|"
                    r"addiction|operated|stroke|medical", re.IGNORECASE),
    predicate=_words(r"ill unwell hospitali[sz]ed diagnosed"),
    noun=_words(r"illness diagnosis rehabilitation rehab surgery \w*cancer depression burnout burn-out "
                r"chemotherapy chemo addiction stroke"),
    definite=re.compile(r"(?!)"),
    received=_words(r"treatments?"),
    owned=_words(r"illnesses diagnoses sickness"),
    admin=_words(r"data requests? applications? complaints? cases? matters? proposals? items? issues? "
                 r"information budgets? minutes feedback orders? invoices?"),
    receive=frozenset("receiving receives received getting gets got undergoing underwent having had in "
                      "started starting starts completed finished her his".split()),
    receive_after=frozenset({"for"}),
    general_before=frozenset("about regarding concerning on around".split()),
    general=_words(r"polic(?:y|ies) procedures? process(?:es)? routines? guidelines? guidance training "
                   r"information statistics figures rates? levels? insurance benefits? costs? rules "
                   r"prevention awareness research support responsib\w* work services?"),
    links=frozenset("for on of about around regarding in with".split()),
    anonymous=frozenset("anyone someone anybody somebody nobody everyone everybody you staff people "
                        "colleague colleagues employee employees members several some many few one".split()),
    possessive=frozenset({"her", "his"}),
    pronouns=frozenset({"she", "he"}),
)

_LEXICONS = {"sv": (_SV,), "en": (_EN, _SV)}
"""Lexicons by workplace language; English minutes may still use a Swedish word."""

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

_NAME, _GENITIVE = 1, 2
_COORDINATION = frozenset({"och", "eller", "samt", "and", "or"})


@dataclass(frozen=True)
class _Names:
    """The known names, split into words."""

    words: frozenset[str]
    """Every capitalised word of every name ("Anna-Karin", "Nyberg")."""

    pairs: frozenset[tuple[str, str]]
    """Consecutive words of a name, to recognise full names ("Inga", "Berg")."""


def _known_names(names: Iterable[str]) -> _Names:
    """Split full names into their capitalised words and word pairs."""
    words: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for name in names:
        parts = [w for w in _TOKEN.findall(name) if len(w) > 1 and w[0].isupper() and not w.isdigit()]
        words.update(parts)
        pairs.update(zip(parts, parts[1:], strict=False))
    return _Names(frozenset(words), frozenset(pairs))


def _base_name(word: str, names: _Names) -> str | None:
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


def _names_person(sentence: str, toks: list[re.Match[str]], names: _Names, bigrams: bool) -> list[int]:
    """Return, per token, :data:`_NAME`, :data:`_GENITIVE` ("Aishas") or 0 when it names nobody."""
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
        named.append(0 if base is None else _NAME if base == word else _GENITIVE)
    if bigrams:  # "vikarien Lisa Nilsson": two capitalised words in a row in Swedish text
        caps = [_capitalised(w) for w in words]
        for i in range(len(words) - 1):
            if (caps[i] and caps[i + 1] and toks[i].end() + 1 == toks[i + 1].start()
                    and sentence[toks[i].end()] == " " and words[i] not in _AMBIGUOUS):
                named[i] = named[i] or _NAME
                named[i + 1] = named[i + 1] or _NAME
    return named


def _capitalised(word: str) -> bool:
    """Tell whether word is written like a name: one capital, then lower case letters."""
    return len(word) > 1 and word[0].isupper() and word[1:].islower() and word.isalpha()


def _health_at(low: list[str], i: int, owners: list[int], lex: _Lexicon, admin: bool) -> bool:
    """Tell whether the word at i is a health detail about someone (not a topic, count or matter)."""
    word = low[i]
    j = i  # "om sjukskrivning och rehabilitering": the words before the first of a coordination
    while j > 1 and low[j - 1] in _COORDINATION:
        j -= 2
    before = low[j - 1] if j else ""
    before2 = low[j - 2] if j > 1 else ""
    after = low[i + 1] if i + 1 < len(low) else ""
    window = low[max(0, i - 4):i]
    owned = _GENITIVE in owners[max(0, i - 2):i] or bool(lex.possessive & set(low[max(0, i - 2):i]))
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
                 lexicons: tuple[_Lexicon, ...]) -> int | None:
    """Return the offset of the first health detail about someone in sentence, else None."""
    low = [t.group().casefold() for t in toks]
    for lex in lexicons:
        if not lex.hint.search(sentence):
            continue
        admin = any(lex.admin.fullmatch(w) for w in low if len(w) <= _MAX_TOKEN)
        for i, word in enumerate(low):
            if len(word) <= _MAX_TOKEN and lex.hint.search(word) and _health_at(low, i, owners, lex, admin):
                return toks[i].start()
    return None


def _excerpt(text: str, a: int, b: int, at: int) -> str:
    """Return the sentence text[a:b] with whitespace collapsed, cut around offset at when too long."""
    if b - a > MAX_EXCERPT:
        lo = max(a, min(at - MAX_EXCERPT // 3, b - MAX_EXCERPT))
        return ("…" if lo > a else "") + " ".join(text[lo:lo + MAX_EXCERPT].split()) + (
            "…" if lo + MAX_EXCERPT < b else "")
    return " ".join(text[a:b].split())


def _health_in(text: str, spans: list[tuple[int, int]], idx: int, names: _Names,
               lexicons: tuple[_Lexicon, ...], bigrams: bool) -> int | None:
    """Return the offset in its sentence of the health detail about a named person in spans[idx]."""
    a, b = spans[idx]
    sentence = text[a:b]
    if not any(lex.hint.search(sentence) for lex in lexicons):
        return None
    toks = list(_TOKEN.finditer(sentence))
    owners = _names_person(sentence, toks, names, bigrams)
    if not any(owners):  # "Hon är sjukskriven." right after a sentence that names her
        pronouns = frozenset().union(*(lex.pronouns for lex in lexicons))
        if idx == 0 or not any(t.group().casefold() in pronouns for t in toks):
            return None
        previous = text[slice(*spans[idx - 1])]
        if not any(_names_person(previous, list(_TOKEN.finditer(previous)), names, bigrams)):
            return None
    return _health_word(sentence, toks, owners, lexicons)


def privacy_findings(
    sections: Iterable[tuple[int | None, str]], names: Iterable[str], language: str = "sv"
) -> list[Finding]:
    """Return the privacy findings in sections of (agenda number or None, text), in order.

    names are full names (roster and attendance). At most one finding per sentence (a personnummer
    wins over a health detail), and one per distinct code and excerpt across all sections.
    """
    known = _known_names(names)
    lexicons = _LEXICONS.get(language, (_SV, _EN))
    found: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for item, text in sections:
        numbers = _number_spans(text)
        spans = split_sentences(text)
        k = 0
        for idx, (a, b) in enumerate(spans):
            while k < len(numbers) and numbers[k][0] < a:
                k += 1
            if k < len(numbers) and numbers[k][1] <= b:
                code, at = PERSONNUMMER, numbers[k][0]
            else:
                pos = _health_in(text, spans, idx, known, lexicons, language == "sv")
                if pos is None:
                    continue
                code, at = HEALTH, a + pos
            excerpt = _excerpt(text, a, b, at)
            if (code, excerpt) not in seen:
                seen.add((code, excerpt))
                found.append(Finding(code, item, excerpt, a, b))
    return found
