"""Decisions as drafts write them: ``Beslut:``, a ``Beslut`` block of ``att …`` lines, and prose.

Prose counts only with a deciding verb in the past and a subject (``Vi bestämde att``, ``Gruppen enades
om att``, ``Chefen beslutade att``, ``Det bestämdes att``, ``Beslutet blev att``). Talking about
something (``Vi pratade om att``), a decision taken elsewhere in the perfect (``Förvaltningen har
beslutat``) and a negation (``inget bestämdes``) are no decisions.
"""

from __future__ import annotations

import re

DECISION = re.compile(
    r"^(?:beslut(?:ades)?|mötet beslutade|mötet beslöt|beslöts|vi beslutade|det beslutades|"
    r"decision|decisions|decided|agreed|resolved)\s*(?::|att\b|that\b)\s*(?:att\s+|that\s+)?(?P<what>.+)$",
    re.IGNORECASE,
)
"""A decision line: ``Beslut:``, ``Beslutades att``, ``Mötet beslutade att``, ``Decision:``."""

DECISION_BLOCK = re.compile(r"^(?:beslut|beslutades|mötet beslutade|decisions?|agreed)\s*:?$", re.IGNORECASE)
"""``Beslut`` alone on a line: the decisions follow, one per line."""

_SUBJECT = (
    r"(?:vi|gruppen|mötet|arbetsgruppen|arbetslaget|laget|teamet|personalgruppen|enheten|ledningsgruppen|"
    r"samverkansgruppen|styrgruppen|alla|[^\W\d_]*chefen|rektorn?|ordföranden|"
    r"[A-ZÅÄÖ][^\W\d_]+(?:\s[A-ZÅÄÖ][^\W\d_]+)?)"
)
_VERB = r"(?:beslutade|beslöt|bestämde|enades|kom\s+överens|kom\s+fram\s+till|fattade\s+beslut)"
_ADVERB = r"(?:\s+(?:också|även|därför|gemensamt|till\s+slut|slutligen|enhälligt))?"
_PROSE_SV = re.compile(
    rf"(?:^|[\s,])(?:{_SUBJECT}){_ADVERB}\s+{_VERB}{_ADVERB}\s+(?:om\s+|sig\s+för\s+)?(?:att|:)\s+\S"
    rf"|\b{_VERB}\s+(?:vi|gruppen|mötet|arbetsgruppen|arbetslaget){_ADVERB}\s+(?:om\s+)?att\s+\S"
    r"|\bdet\s+(?:beslutades|bestämdes|beslöts)\s+(?:också\s+|även\s+)?(?:att|om)\s+\S"
    r"|^beslutet\s+(?:blev|är|var)\s+(?:att|:)\s*\S",
    re.IGNORECASE,
)
_PROSE_EN = re.compile(
    r"(?:^|[\s,])(?:we|the\s+(?:team|group|meeting|unit|committee|manager)|everyone|[A-Z][a-z]+)"
    r"(?:\s+(?:also|then|finally|unanimously))?\s+(?:decided|agreed)\s+(?:to|that|on)\s+\S"
    r"|\bit\s+was\s+(?:decided|agreed)\s+(?:to|that)\s+\S|^the\s+decision\s+was\s+(?:to|that)\s+\S",
    re.IGNORECASE,
)
_NEGATED = re.compile(
    r"\b(?:inte|ej|inget|ingenting|aldrig|not|nothing|no\s+decision)\b[^.]{0,20}$", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"”«(]?[A-ZÅÄÖÉ0-9])")
_ABBREVIATION = re.compile(
    r"\b(?:t\.ex|bl\.a|o\.s\.v|m\.m|d\.v\.s|p\.g\.a|kl|ca|nr|resp|s\.k|e\.g|i\.e|etc|inkl|"
    r"exkl|jfr|tel|fr\.o\.m|t\.o\.m|osv|mr|mrs|ms|dr)\.$",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    """Split a line of notes into sentences, keeping ``t.ex.``, ``kl. 13`` and dates whole."""
    parts: list[str] = []
    for piece in _SENTENCE_END.split(text):
        if parts and _ABBREVIATION.search(parts[-1]):
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    return [p.strip() for p in parts if p.strip()]


def is_prose_decision(sentence: str) -> bool:
    """Tell whether a sentence records a decision the meeting took (a deciding verb with a subject)."""
    for pattern in (_PROSE_SV, _PROSE_EN):
        m = pattern.search(sentence)
        if m and not _NEGATED.search(sentence[: m.end()]):
            return True
    return False


def decision_text(text: str) -> str:
    """Return a decision as it is shown: the sentence, starting with a capital letter."""
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def block_entry(text: str) -> str:
    """Return one line of a ``Beslut`` block without its leading ``att``."""
    text = re.sub(r"^(?:att|to|that)\s+", "", text.strip(), flags=re.IGNORECASE)
    return decision_text(text)
