"""Recognise heading lines in every form drafts use, and decide which of them start sections."""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.domain.document import HINT_BOLD, HINT_HEADING, Line
from service.domain.matching import Match, Matcher

FORM_NUMBERED = "numbered"
"""``1.``, ``1)``, ``§ 1``, ``Punkt 1``."""

FORM_MARKDOWN = "markdown"
"""``# Title``."""

FORM_HINTED = "hinted"
"""HTML h1–h6, a document heading style or a wholly bold paragraph."""

FORM_CAPS = "caps"
"""A short line in capitals."""

FORM_PLAIN = "plain"
"""A short line that opens a paragraph."""

FORM_INLINE = "inline"
"""An agenda item's name as a label in front of the notes: ``AM: Två tillbud.``."""

MAX_TITLE_CHARS = 80
"""Longer lines are never headings."""

MAX_TITLE_WORDS = 10
"""Lines with more words are never headings."""

_MARKDOWN = re.compile(r"^(#{1,6})\s*(.*?)\s*#*$")
_SECTION = re.compile(r"^§\s*(\d{1,3})\s*[.:)\-–]?\s*(.*)$")
_PUNKT = re.compile(r"^(?:punkt|p\.)\s*(\d{1,3})\s*[.:)\-–]?\s*(.*)$", re.IGNORECASE)
_NUMBERED = re.compile(r"^(\d{1,2})\s*(?:[.)]|:|\s-|\s–)\s*([^\W\d_].*)$")
_NUMBER_SPACE = re.compile(r"^(\d{1,2})\s+([A-ZÅÄÖ].*)$")
_LABEL_VALUE = re.compile(r"^[^\W\d_][\w ./()-]{0,40}:\s*\S")
_BULLET = re.compile(r"^[-*•–·]\s")
_FIELD_WORDS = re.compile(
    r"^(beslut|beslutades|mötet beslutade|åtgärd|att göra|ansvarig|klart|deadline|närvarande|frånvarande|"
    r"deltagare|datum|tid|plats|lokal|hej|tack|decision|decided|agreed|action|owner|responsible|due|"
    r"present|attendees|apologies|absent|date|time|place|location|hi|hello|thanks|obs|ps|uppgifter|"
    r"frånvaro|förhinder|ordförande|sekreterare|antecknare|justerare|chair|secretary|minutes)\b",
    re.IGNORECASE,
)
_SUB_POINT = re.compile(r"^(\d{1,2})\s?([a-h])\s*[.):]?\s+([^\W\d_].*)$")


@dataclass(frozen=True)
class Candidate:
    """A line that may be a heading."""

    index: int
    """Position of the line in the draft."""

    line: str
    """The whole line as written (the ``heading`` of the output)."""

    title: str
    """The heading text without its number or markup."""

    number: int | None
    """The number the draft gave the heading, if any."""

    form: str
    """One of the ``FORM_*`` constants."""

    body_follows: bool
    """The next line is text of the same paragraph (not blank)."""

    inline: str = ""
    """Notes written on the heading's own line after a colon (:data:`FORM_INLINE`)."""

    sub_point: bool = False
    """The heading is a sub-point (``4a``, ``4b``) of the item its number names."""


def _words_ok(title: str) -> bool:
    return 0 < len(title) <= MAX_TITLE_CHARS and len(title.split()) <= MAX_TITLE_WORDS


def _title_ok(title: str, strict: bool) -> bool:
    """Tell whether text can be a heading's title (``strict`` for forms without markup)."""
    if not _words_ok(title) or not any(c.isalpha() for c in title):
        return False
    if _LABEL_VALUE.match(title) or _FIELD_WORDS.match(title):
        return False
    if strict and (title[-1] in ".,;!?" or title[0].islower() or _BULLET.match(title)):
        return False
    return True


def candidate(lines: list[Line], i: int) -> Candidate | None:
    """Return line ``i`` as a heading candidate, or None when it cannot be a heading."""
    ln = lines[i]
    text = ln.text
    if not text or len(text) > MAX_TITLE_CHARS + 12:
        return None
    prev_blank = i == 0 or lines[i - 1].blank
    body_follows = i + 1 < len(lines) and not lines[i + 1].blank
    number: int | None = None
    title = text
    form = ""
    m = _MARKDOWN.match(text)
    if m:
        form, title = FORM_MARKDOWN, m.group(2)
    sub = _SUB_POINT.match(title)
    if sub:
        title = sub.group(3).strip().rstrip(":").strip()
        if not _words_ok(title):
            return None
        return Candidate(i, text, title, int(sub.group(1)), FORM_NUMBERED, body_follows, sub_point=True)
    for pattern in (_SECTION, _PUNKT, _NUMBERED):
        m2 = pattern.match(title)
        if m2:
            number, title = int(m2.group(1)), m2.group(2).strip()
            form = form or FORM_NUMBERED
            break
    else:
        m2 = _NUMBER_SPACE.match(title)
        if m2 and (ln.hint or form or prev_blank):
            number, title = int(m2.group(1)), m2.group(2).strip()
            form = form or FORM_NUMBERED
    if ln.hint in (HINT_HEADING, HINT_BOLD):
        form = FORM_HINTED if form != FORM_MARKDOWN else form
    title = title.rstrip(":").strip()
    title = title.strip("*_ ").strip()
    if not form:
        letters = [c for c in title if c.isalpha()]
        if len(letters) >= 2 and all(c.isupper() for c in letters) and prev_blank or (
            len(letters) >= 2 and all(c.isupper() for c in letters) and len(letters) >= 4
        ):
            form = FORM_CAPS
        elif prev_blank:
            form = FORM_PLAIN
        else:
            return None
    strict = form in (FORM_PLAIN, FORM_CAPS, FORM_NUMBERED)
    if not _title_ok(title, strict):
        return None
    if form == FORM_PLAIN and len(title.split()) > 6:
        return None
    return Candidate(i, text, title, number, form, body_follows)


@dataclass(frozen=True)
class Heading:
    """A heading that starts a section of the draft."""

    candidate: Candidate
    """The line it was recognised from."""

    match: Match | None
    """The agenda item it means, or None for an unplanned section."""


_INLINE = re.compile(r"^(?P<label>[^\W\d_][^:]{0,50}?)\s*:\s*(?P<rest>\S.*)$")


def inline_candidate(lines: list[Line], i: int, matcher: Matcher) -> tuple[Candidate, Match] | None:
    """Return ``Label: notes`` as a heading when the label surely names an agenda item."""
    text = lines[i].text
    m = _INLINE.match(_BULLET.sub("", text)[:300])
    if not m or _FIELD_WORDS.match(m.group("label")) or len(m.group("label").split()) > 6:
        return None
    match = matcher.match(m.group("label"), label=True)
    if match is None:
        return None
    c = Candidate(i, m.group("label"), m.group("label"), None, FORM_INLINE, True, m.group("rest").strip())
    return c, match


def _has_body(lines: list[Line], c: Candidate, starts: set[int]) -> bool:
    """Tell whether text follows a heading before the next heading."""
    for j in range(c.index + 1, len(lines)):
        if j in starts:
            return False
        if not lines[j].blank:
            return True
    return False


def find_headings(lines: list[Line], matcher: Matcher) -> list[Heading]:
    """Return the headings that start sections, in draft order."""
    found: list[tuple[Candidate, Match | None]] = []
    for i in range(len(lines)):
        c = candidate(lines, i)
        if c is not None:
            found.append((c, matcher.match(c.title, c.number)))
        elif ":" in lines[i].text:
            pair = inline_candidate(lines, i, matcher)
            if pair is not None:
                found.append(pair)
    matched = [c for c, m in found if m is not None]
    forms = [c.form for c in matched]
    if FORM_INLINE in forms and any(f != FORM_INLINE for f in forms):
        found = [(c, m) for c, m in found if c.form != FORM_INLINE]  # labels inside sections stay notes
        forms = [f for f in forms if f != FORM_INLINE]
    dominant = max(set(forms), key=forms.count) if forms else None
    # A loose reading counts only for a line in the shape the draft's headings have.
    found = [(c, None if m is not None and m.loose and c.form in (FORM_CAPS, FORM_PLAIN)
              and c.form != dominant else m) for c, m in found]
    plain_follows = [c.body_follows for c in matched if c.form == FORM_PLAIN]
    shape_follows = plain_follows.count(True) >= plain_follows.count(False) if plain_follows else True
    starts = {c.index for c, m in found if m is not None}
    headings: list[Heading] = []
    last_number = 0
    for c, m in found:
        if c.sub_point:
            keep = c.number != last_number and m is not None
        elif m is not None:
            keep = c.form != FORM_PLAIN or c.body_follows or dominant == FORM_PLAIN or len(c.title) >= 6
        elif c.form in (FORM_MARKDOWN, FORM_HINTED):
            keep = True
        elif c.form == FORM_NUMBERED:
            keep = c.number is not None and c.number > last_number and c.form == dominant
        elif c.form == FORM_CAPS:
            keep = (dominant in (FORM_CAPS, FORM_PLAIN) or len(c.title) >= 4 and dominant is not None) and (
                _has_body(lines, c, starts))
        else:  # plain: only in the same shape as the matched headings, and only with notes under it
            keep = dominant == FORM_PLAIN and c.body_follows == shape_follows and _has_body(lines, c, starts)
        if keep:
            headings.append(Heading(c, m))
            if c.number is not None:
                last_number = c.number
    return headings
