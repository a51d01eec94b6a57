"""Actions as drafts write them: ``Åtgärd: … Ansvarig: … Klart: …``, ``Namn: vad (klart 14/1)``, lists."""

from __future__ import annotations

import re
from dataclasses import dataclass

ACTION = re.compile(
    r"^(?:åtgärd(?:er)?|att göra|todo|to do|to-do|uppdrag|uppgift|action(?: point| item)?|ap|task)"
    r"\s*:\s*(?P<what>.*)$",
    re.IGNORECASE,
)
"""An action line: ``Åtgärd:``, ``Att göra:``, ``Action:``."""

ACTION_LIST = re.compile(
    r"^(?:uppgifter|åtgärdslista|åtgärder|att göra(?:\s+(?:till|före|inför)\s+nästa\s+(?:gång|möte))?|"
    r"åtgärdspunkter|att-göra-lista|actions|action items|action points|action list|to do|to-do list|tasks)"
    r"\s*:?$",
    re.IGNORECASE,
)
"""A label or heading that opens a list of actions: ``Uppgifter:``, ``Att göra till nästa gång:``."""

OWNER_LABEL = r"ansvarig|ansvar|ansv|owner|responsible|who|vem"
DUE_LABEL = r"klart senast|klar senast|klart|klar|senast|deadline|datum|till|due date|due|by|när|when"

_OWNER = re.compile(
    rf"\b(?:(?i:{OWNER_LABEL})\.?\s*:\s*|(?i:ansvarig|ansv\.|owner|responsible)\s+(?=[A-ZÅÄÖÉ]))"
)
_DUE = re.compile(rf"\b(?:{DUE_LABEL})\s*:\s*", re.IGNORECASE)
_DUE_WORD = re.compile(
    r"\b(?:klart senast|klar senast|senast|deadline|klart|klar|due|by)\s+(?=\d)", re.IGNORECASE
)
_DATE_LIKE = re.compile(
    r"\d{1,2}/\d{1,2}|\d{4}-\d{2}-\d{2}|\d{1,2}\s+(?:jan|feb|mar|apr|maj|may|jun|jul|aug|sep|okt|oct|nov|dec)"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\s+\d{1,2}\b|vecka|v\.\s*\d|week",
    re.IGNORECASE,
)
_PARENS = re.compile(r"\(([^()]{1,200})\)")
_TRAILING_PARENS = re.compile(r"\(([^()]{1,120})\)\s*\.?\s*$")
_NAME = re.compile(r"^(?:[A-ZÅÄÖÉ][\w'’\-]*|alla|Alla|All|Everyone)(?:\s[A-ZÅÄÖÉ][\w'’\-]*){0,2}$")
_OWNER_PREFIX = re.compile(
    r"^(?P<owner>[A-ZÅÄÖÉ][\w'’\-]*(?:\s[A-ZÅÄÖÉ][\w'’\-]*){0,2}|Alla)\s*:\s*(?P<what>\S.*)$"
)
_FIELD_LABEL = re.compile(
    rf"^(?:{OWNER_LABEL}|{DUE_LABEL}|beslut|åtgärd|action|decision|obs|notera)$", re.IGNORECASE
)


@dataclass(frozen=True)
class RawAction:
    """An action as written, before its due date is resolved."""

    what: str
    """What is to be done."""

    owner: str | None
    """Who does it, as written."""

    due_text: str | None
    """When it is due, as written."""

    item_ref: str | None = None
    """The agenda item a trailing action list says the action belongs to."""


def _cut_field(text: str, pattern: re.Pattern[str]) -> tuple[str, str | None]:
    """Remove ``Label: value`` from text; return (rest, value)."""
    m = pattern.search(text)
    if not m:
        return text, None
    start = m.start()
    rest_after = text[m.end() :]
    # The value runs to the next field label or the end.
    found = (_OWNER.search(rest_after), _DUE.search(rest_after), _DUE_WORD.search(rest_after))
    nxt = [x.start() for x in found if x]
    end = min(nxt) if nxt else len(rest_after)
    value = rest_after[:end].strip().strip(".,;()").strip()
    rest = (text[:start] + " " + rest_after[end:]).strip()
    return rest, value or None


def _trailing_parens(text: str) -> tuple[str, str | None, str | None]:
    """Read ``Köpa larm (Johan, 1/12)``: a name and a date in parentheses at the end of an action."""
    m = _TRAILING_PARENS.search(text)
    if not m:
        return text, None, None
    owner = due = None
    for part in re.split(r"\s*[,;]\s*", m.group(1).strip()):
        if _DATE_LIKE.search(part) and due is None:
            due = part
        elif _NAME.match(part) and owner is None:
            owner = part
        else:
            return text, None, None
    return text[: m.start()].rstrip(), owner, due


def _sentence_end(what: str) -> str:
    what = re.sub(r"\s+", " ", what).strip().strip(",;-–").strip()
    if what and not what.endswith((".", "!", "?")):
        what += "."
    return what[:1].upper() + what[1:]


def parse_action(what_text: str, extra: list[str] | None = None) -> RawAction:
    """Parse the text after ``Åtgärd:`` (plus following ``Ansvarig:``/``Klart:`` lines) into an action."""
    text = " ".join([what_text] + (extra or []))
    # Fields in parentheses: "Beställa lakan (Ansvarig: Johan, klart 15/12)".
    for m in _PARENS.finditer(text):
        inner = m.group(1)
        if _OWNER.search(inner) or _DUE.search(inner) or _DUE_WORD.search(inner):
            text = text.replace(m.group(0), " " + inner.replace(",", " ") + " ")
    text, owner = _cut_field(text, _OWNER)
    text, due = _cut_field(text, _DUE)
    if owner is None and due is None:
        text, owner, due = _trailing_parens(text)
    if due is None:
        m = _DUE_WORD.search(text)
        if m:
            due = text[m.end() :].strip().strip(".,;)")
            text = text[: m.start()]
    if owner:
        owner = re.sub(r"\s+", " ", owner).strip().rstrip(".")
    return RawAction(_sentence_end(text), owner or None, due or None)


def parse_list_action(text: str) -> RawAction | None:
    """Read one entry of an action list: ``Namn: vad (klart 14/1)`` or ``vad (Namn, 14/1)``."""
    m = _OWNER_PREFIX.match(text.strip())
    if m and not _FIELD_LABEL.match(m.group("owner")):
        action = parse_action(m.group("what"))
        if action.owner is None:
            action = RawAction(action.what, m.group("owner"), action.due_text)
    else:
        action = parse_action(text)
    return action if action.what.strip(". ") else None


def is_field_line(text: str) -> bool:
    """Tell whether a line continues an action (``Ansvarig: …``, ``Klart: …``)."""
    head = text.lstrip("-*•– ").split(":", 1)
    if len(head) != 2:
        return False
    label = head[0].strip().casefold()
    return bool(re.fullmatch(rf"(?:{OWNER_LABEL}|{DUE_LABEL})", label)) and label not in ("till", "by", "när")
