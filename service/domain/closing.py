"""The end of a draft that is not minutes: app signatures, protocol signature blocks, a greeting and a name.

A protocol signature block (``Vid anteckningarna``, ``Vid protokollet``, ``Antecknat av …``,
``Justeras``/``Justering`` with signature lines) is cut too, but first read: it names the note-taker,
the chair and the justerare.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.domain.document import Line

APP_SIGNATURE = re.compile(
    r"^(?:(?:skickat|sänt|skickad|sent|envoyé)\s+(?:från|from|with|via|med)\s+"
    r"(?:min|mitt|my|outlook|mail|e-post|yahoo|gmail|samsung|iphone|ipad|android|huawei|telia|the|"
    r"mobile|mobil|blackberry|aol|proton)\b.{0,60}"
    r"|(?:hämta|get|download|skaffa)\s+outlook\s+(?:för|for|på)\s+.{2,30}"
    r"|(?:sent|skickat)\s+(?:from|från)\s+\S+\s+(?:för|for)\s+(?:android|ios|windows|mac).{0,20})$",
    re.IGNORECASE,
)
"""A line a phone or mail app adds: ``Skickat från min iPhone``, ``Hämta Outlook för Android``."""

NOTE_TAKER_BLOCK = re.compile(
    r"^(?:vid\s+anteckningarna|vid\s+protokollet|vid\s+tangenterna|antecknat\s+av|antecknad\s+av|"
    r"antecknades\s+av|minnesanteckningar\s+av|anteckningar\s+av|protokollförare|"
    r"minutes\s+(?:taken\s+)?by|notes\s+(?:taken\s+)?by|minute-?taker)\b\s*[:,]?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
"""A line that opens the note-taker's signature."""

ADJUSTER_BLOCK = re.compile(
    r"^(?:justeras|justerat|justering|justerare|justerandes?\s+signatur|underskrifter|signaturer|"
    r"signatures?|approved\s+by)\b\s*(?:av)?\s*[:,]?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
"""A line that opens the signatures of the chair and the justerare."""

PLEASANTRY = re.compile(
    r"^(?:tack|ha\s+en|ha\s+det|trevlig|god\s+jul|gott\s+nytt|glad|vi\s+ses|hej\s+då|kram|thanks|thank\s+you|"
    r"have\s+a|see\s+you|happy|merry|cheers|ses)\b.{0,60}[!.]?$",
    re.IGNORECASE,
)
"""A short friendly line before a bare name: ``Ha en fin vecka!``, ``Tack för idag och god jul!``."""

_BARE_NAME = re.compile(r"^/?\s?[A-ZÅÄÖÉ][\w'’\-]*(?:\s[A-ZÅÄÖÉ][\w'’\-.]*){0,2}$")
_SIGN_LINE = re.compile(r"_{3,}|\.{6,}")
_CHAIR_WORD = re.compile(r"\b(?:ordförande|ordf\.?|mötesordförande|chair)\b", re.IGNORECASE)
_NAME_IN_TEXT = re.compile(r"[A-ZÅÄÖÉ][\w'’\-]+(?:\s(?:af|von|van|de)\b)?(?:\s[A-ZÅÄÖÉ][\w'’\-]+){1,2}")
_ROLE_WORD = re.compile(r"\b(?:ordförande|ordf\.?|mötesordförande|chair|justerare|justeras|adjuster)\b",
                        re.IGNORECASE)

MAX_BLOCK_LINES = 12
"""A signature block holds at most this many lines to the end of the draft."""


@dataclass
class Signatures:
    """What a protocol signature block says."""

    note_taker: str | None = None
    """Who signed as note-taker."""

    chair: str | None = None
    """Who signed as chair."""

    adjusters: list[str] = field(default_factory=list)
    """Who signed as justerare."""


def _names_in(text: str, people: tuple[str, ...]) -> list[tuple[int, str]]:
    """Return (position, name) of the people a signature text names, roster names first."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for name in sorted(people, key=len, reverse=True):
        for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                taken.append((m.start(), m.end()))
                found.append((m.start(), name))
    if not found:
        for m in _NAME_IN_TEXT.finditer(text):
            if not _CHAIR_WORD.fullmatch(m.group(0)):
                found.append((m.start(), m.group(0)))
    return sorted(found)


def _read_adjusters(lines: list[str], people: tuple[str, ...], signed: Signatures) -> None:
    """Read who signs as chair and who as justerare, whether roles stand before or after the names."""
    body = " / ".join(_SIGN_LINE.sub(" ", t) for t in lines if t.strip())
    names = _names_in(body, people)
    if not names:
        return
    role_before = bool(_ROLE_WORD.search(body[: names[0][0]]))
    for n, (pos, name) in enumerate(names):
        before = body[names[n - 1][0] + len(names[n - 1][1]) if n else 0 : pos]
        after = body[pos + len(name) : names[n + 1][0] if n + 1 < len(names) else len(body)]
        segment = before if role_before else after
        if _CHAIR_WORD.search(segment):
            signed.chair = signed.chair or name
        elif name not in signed.adjusters:
            signed.adjusters.append(name)


def _block_start(texts: list[str], i: int) -> bool:
    """Tell whether line ``i`` opens a signature block that runs to the end of the draft."""
    rest = [t for t in texts[i + 1 :] if t]
    return len(rest) <= MAX_BLOCK_LINES and all(len(t) <= 120 for t in rest)


def cut_closing(body: list[Line], people: tuple[str, ...], sender_words: set[str]) -> tuple[int, Signatures]:
    """Return where the closing of a draft begins (``len(body)`` when none) and what its signatures say."""
    texts = [ln.text for ln in body]
    signed = Signatures()
    cut = len(body)
    for i, text in enumerate(texts):
        if APP_SIGNATURE.match(text):
            cut = i
            break
        m = NOTE_TAKER_BLOCK.match(text)
        a = ADJUSTER_BLOCK.match(text)
        if (m or a) and _block_start(texts, i) and (not a or len(text) < 80):
            cut = i
            break
    tail = texts[cut:]
    for k, text in enumerate(tail):
        m = NOTE_TAKER_BLOCK.match(text)
        if m and signed.note_taker is None:
            following = [m.group("rest")] + [t for t in tail[k + 1 : k + 3] if t]
            for candidate in following:
                names = _names_in(_SIGN_LINE.sub(" ", candidate), people)
                if names:
                    signed.note_taker = names[0][1]
                    break
        a = ADJUSTER_BLOCK.match(text)
        if a:
            stop = next((j for j in range(k + 1, len(tail)) if NOTE_TAKER_BLOCK.match(tail[j])), len(tail))
            _read_adjusters([a.group("rest"), *tail[k + 1 : stop]], people, signed)
    # A greeting and a bare first name at the very end.
    end = cut
    while end > 0 and not texts[end - 1]:
        end -= 1
    if end > 0 and _BARE_NAME.match(texts[end - 1]) and len(texts[end - 1]) <= 30:
        name_words = {w.casefold().strip("/.") for w in texts[end - 1].split()}
        before = end - 2
        while before >= 0 and not texts[before]:
            before -= 1
        greeting = before >= 0 and PLEASANTRY.match(texts[before]) and len(texts[before].split()) <= 8
        first_names = {p.split()[0].casefold() for p in people if p.split()}
        if greeting:
            cut = before
        elif name_words & sender_words or name_words <= first_names and len(name_words) == 1:
            cut = end - 1
    return cut, signed
