"""Labelled fields of a draft (``Label: value``) and list bullets: the small parts every reader shares."""

from __future__ import annotations

import re

BULLET = re.compile(r"^(?:[-*•–·▪○◦]|\d{1,2}[.)])\s+")
"""A list bullet at the start of a line: ``-``, ``•``, ``1.``, ``2)``."""

_LABEL = re.compile(r"^(?P<label>[^\W\d_][^\W\d_ ./-]*(?:[ ./-]{1,2}[^\W\d_]+){0,3})\s*:\s*(?P<value>.*)$")
_NOTE = re.compile(r"\s*\([^()]*\)")
_SPLIT = re.compile(r"\s*(?:,|;|\s&\s|\soch\s|\sand\s|\s\+\s)\s*")


def strip_bullet(text: str) -> str:
    """Return a line without a leading list bullet."""
    return BULLET.sub("", text, count=1).strip()


def label_value(text: str) -> tuple[str, str] | None:
    """Split ``Label: value`` into (label in lower case, value); None when the line has no label."""
    plain = strip_bullet(text).replace("*", "")
    m = _LABEL.match(plain[:200])
    if not m:
        return None
    return m.group("label").casefold().strip(), plain[m.start("value"):].strip()


def split_names(value: str) -> list[str]:
    """Split ``Maria Lind (chef), Karin Berg och Johan`` into names; ``-`` means nobody."""
    value = _NOTE.sub("", value).strip().rstrip(".")
    if value.casefold() in ("", "-", "–", "—", "inga", "ingen", "alla", "none"):
        return []
    names = []
    for part in _SPLIT.split(value):
        name = strip_bullet(part).strip(" .:-–")
        if name and any(c.isalpha() for c in name) and len(name) <= 60:
            names.append(name)
    return names
