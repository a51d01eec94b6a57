"""The health vocabulary, per language: words that say someone is ill, and the words around them that
make them a topic, a count or a matter instead."""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*|\d+")
"""A word (letters, with inner apostrophes and hyphens) or a number."""

MAX_TOKEN = 40
"""Longer words are never health words (and are not matched, so garbage costs nothing)."""


def _words(alternatives: str, suffix: str = "") -> re.Pattern[str]:
    """Compile space-separated alternatives, each followed by suffix."""
    return re.compile(f"(?:{'|'.join(alternatives.split())}){suffix}")


@dataclass(frozen=True)
class Lexicon:
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
SV = Lexicon(
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
"""Swedish: the words and their forms (sjukskriven, sjukskrivningen, rehabiliteringsmöte…)."""

EN = Lexicon(
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
"""English (sick leave, diagnosis, treatment…)."""

LEXICONS = {"sv": (SV,), "en": (EN, SV)}
"""Lexicons by workplace language; English minutes may still use a Swedish word."""
