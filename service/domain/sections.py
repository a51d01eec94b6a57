"""A section's notes split into running text, decisions and actions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.domain.actions import (
    ACTION,
    ACTION_LIST,
    RawAction,
    is_field_line,
    parse_action,
    parse_list_action,
)
from service.domain.decisions import (
    DECISION,
    DECISION_BLOCK,
    block_entry,
    decision_text,
    is_prose_decision,
    sentences,
)
from service.domain.document import Line
from service.domain.fields import BULLET, strip_bullet


@dataclass
class SectionBody:
    """A section's notes, split into text, decisions and actions."""

    text: str
    """The notes without decision and action lines."""

    decisions: list[str]
    """Decisions, as written after ``Beslut:`` or as the deciding sentence."""

    actions: list[RawAction]
    """Actions, due dates still as written."""


def _list_entries(lines: list[Line], j: int) -> tuple[list[str], int]:
    """Collect the entries of a list that follows a label: bullets, or lines up to a blank."""
    entries: list[str] = []
    while j < len(lines) and not lines[j].blank and not lines[j].cells:
        text = lines[j].text
        if not BULLET.match(text) and (DECISION.match(text) or ACTION.match(text) or len(text) > 300):
            break
        entries.append(strip_bullet(text))
        j += 1
    return entries, j


def _prose(raw: str, decisions: list[str]) -> str:
    """Move deciding sentences of a line into decisions; return what remains of the line."""
    if not is_prose_decision(raw) and "beslut" not in raw.casefold():
        return raw
    kept: list[str] = []
    for sentence in sentences(strip_bullet(raw)):
        if is_prose_decision(sentence):
            decisions.append(decision_text(sentence))
        else:
            kept.append(sentence)
    if not kept:
        return ""
    prefix = raw[: len(raw) - len(strip_bullet(raw))]
    return prefix + " ".join(kept)


def read_section(lines: list[Line], skip: set[int] | None = None) -> SectionBody:
    """Split a section's lines into running text, decisions and actions."""
    skip = skip or set()
    text_lines: list[str] = []
    decisions: list[str] = []
    actions: list[RawAction] = []
    i = 0
    while i < len(lines):
        if i in skip:
            i += 1
            continue
        line = lines[i]
        if line.action is not None:
            a = line.action
            actions.append(RawAction(parse_action(a.what).what, a.owner, a.due_text, a.item_ref))
            i += 1
            continue
        raw = line.text
        plain = strip_bullet(raw)
        m = DECISION.match(plain)
        if m:
            what = m.group("what").strip()
            if what:
                decisions.append(decision_text(what))
            i += 1
            continue
        if DECISION_BLOCK.fullmatch(plain):
            entries, j = _list_entries(lines, i + 1)
            decisions += [block_entry(e) for e in entries if e]
            i = max(j, i + 1)
            continue
        if ACTION_LIST.match(plain):
            entries, j = _list_entries(lines, i + 1)
            for entry in entries:
                action = parse_list_action(entry)
                if action:
                    actions.append(action)
            i = max(j, i + 1)
            continue
        m = ACTION.match(plain)
        if m:
            extra: list[str] = []
            j = i + 1
            while j < len(lines) and is_field_line(lines[j].text):
                extra.append(strip_bullet(lines[j].text))
                j += 1
            what = m.group("what").strip()
            if not what and j < len(lines) and not lines[j].blank and not extra:
                what = strip_bullet(lines[j].text)
                j += 1
                while j < len(lines) and is_field_line(lines[j].text):
                    extra.append(strip_bullet(lines[j].text))
                    j += 1
            action = parse_action(what, extra)
            if action.what.strip(". "):
                actions.append(action)
            i = j
            continue
        rest = _prose(raw, decisions)
        if rest or not raw:
            text_lines.append(rest)
        i += 1
    # Collapse runs of blank lines; strip blank ends.
    out: list[str] = []
    for t in text_lines:
        if not t and (not out or not out[-1]):
            continue
        out.append(t)
    while out and not out[-1]:
        out.pop()
    return SectionBody("\n".join(out), decisions, actions)


def only_actions(body: SectionBody) -> bool:
    """Tell whether a section holds nothing but actions (a trailing action list)."""
    return bool(body.actions) and not body.decisions and not re.sub(r"\W", "", body.text)
