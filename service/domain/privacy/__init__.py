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

from collections.abc import Iterable
from dataclasses import dataclass

from service.domain.privacy.health import health_in
from service.domain.privacy.lexicon import EN, LEXICONS, SV
from service.domain.privacy.names import known_names
from service.domain.privacy.numbers import find_personal_numbers, number_spans
from service.domain.privacy.sentences import split_sentences

__all__ = ["HEALTH", "MAX_EXCERPT", "PERSONNUMMER", "Finding", "find_personal_numbers", "privacy_findings",
           "split_sentences"]

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


def _excerpt(text: str, a: int, b: int, at: int) -> str:
    """Return the sentence text[a:b] with whitespace collapsed, cut around offset at when too long."""
    if b - a > MAX_EXCERPT:
        lo = max(a, min(at - MAX_EXCERPT // 3, b - MAX_EXCERPT))
        return ("…" if lo > a else "") + " ".join(text[lo:lo + MAX_EXCERPT].split()) + (
            "…" if lo + MAX_EXCERPT < b else "")
    return " ".join(text[a:b].split())


def privacy_findings(
    sections: Iterable[tuple[int | None, str]], names: Iterable[str], language: str = "sv"
) -> list[Finding]:
    """Return the privacy findings in sections of (agenda number or None, text), in order.

    names are full names (roster and attendance). At most one finding per sentence (a personnummer
    wins over a health detail), and one per distinct code and excerpt across all sections.
    """
    known = known_names(names)
    lexicons = LEXICONS.get(language, (SV, EN))
    found: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for item, text in sections:
        numbers = number_spans(text)
        spans = split_sentences(text)
        k = 0
        for idx, (a, b) in enumerate(spans):
            while k < len(numbers) and numbers[k][0] < a:
                k += 1
            if k < len(numbers) and numbers[k][1] <= b:
                code, at = PERSONNUMMER, numbers[k][0]
            else:
                pos = health_in(text, spans, idx, known, lexicons, language == "sv")
                if pos is None:
                    continue
                code, at = HEALTH, a + pos
            excerpt = _excerpt(text, a, b, at)
            if (code, excerpt) not in seen:
                seen.add((code, excerpt))
                found.append(Finding(code, item, excerpt, a, b))
    return found
