"""Who attended: attendance labels, the names in a list, the roles written beside them, placeholders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

PRESENT_LABELS = frozenset(
    (
        "närvarande",
        "deltagare",
        "deltog",
        "närvarade",
        "närvaro",
        "deltagande",
        "närvarande ledamöter",
        "närvarande personal",
        "adjungerade",
        "adjungerad",
        "i rummet",
        "på plats",
        "present",
        "attendees",
        "attendance",
        "participants",
        "in attendance",
        "attending",
        "attended",
    )
)
"""Labels of the list of those present (qualified forms are read by :func:`attendance_kind`)."""

ABSENT_LABELS = frozenset(
    (
        "frånvarande",
        "ej närvarande",
        "anmält förhinder",
        "förhinder",
        "ej närv",
        "frånvarade",
        "ej deltagande",
        "frånvaro",
        "inte närvarande",
        "anmäld frånvaro",
        "anmälda förhinder",
        "ej deltog",
        "absent",
        "apologies",
        "apologies for absence",
        "not present",
        "regrets",
        "unable to attend",
    )
)
"""Labels of the list of those absent."""

_QUALIFIER = re.compile(r"^(?:övriga\s+|other\s+)?(?P<core>.+?)(?:\s+(?:för|från|for|from)\s+.{2,40})?$")


class Presence(Enum):
    """Which attendance list a label opens."""

    PRESENT = "present"
    """Those who were there."""

    ABSENT = "absent"
    """Those who were not."""


def attendance_kind(label: str) -> Presence | None:
    """Tell which list a label opens: ``Närvarande för arbetsgivaren`` and ``Övriga närvarande`` too."""
    label = " ".join(label.casefold().replace("*", "").split()).rstrip(":").strip()
    qualified = _QUALIFIER.match(label)
    for candidate in (label, qualified.group("core") if qualified else label):
        if candidate in PRESENT_LABELS:
            return Presence.PRESENT
        if candidate in ABSENT_LABELS:
            return Presence.ABSENT
    return None


class Placeholder(Enum):
    """A word in place of the list of names."""

    EVERYONE = "everyone"
    """``alla``, ``hela arbetsgruppen``: the whole roster (except those listed as absent)."""

    ELSEWHERE = "elsewhere"
    """``se bilaga``, ``enligt lista``: the names are somewhere the draft does not hold."""


_EVERYONE = re.compile(
    r"^(?:alla|samtliga|hela\s+(?:arbets|personal|)?(?:gruppen|laget|arbetslaget|personalen|enheten|teamet)|"
    r"alla\s+(?:anställda|medarbetare|i\s+\w+|på\s+\w+|närvarande|ordinarie)|hela\s+\w+gruppen|"
    r"everyone|everybody|all\s+staff|the\s+whole\s+(?:team|group|unit)|all\s+team\s+members|all)"
    r"(?:\s+(?:utom|except)\b.*)?[.!]?$",
    re.IGNORECASE,
)
_ELSEWHERE = re.compile(
    r"^(?:se|enl(?:igt|\.)?|enligt|jfr|see|as\s+per|per)\s+(?:bifogad\w*\s+|separat\w*\s+|attached\s+)?"
    r"(?:bilaga\w*|lista\w*|närvarolista\w*|deltagarlista\w*|list|attendance\s+list|sign-?in\s+sheet|"
    r"attachment|appendix)\b.*$|^(?:bifogad|enligt)\s+lista.*$|^se\s+nedan\.?$",
    re.IGNORECASE,
)
_NOBODY = frozenset(
    (
        "-",
        "–",
        "—",
        "inga",
        "ingen",
        "inga frånvarande",
        "ingen frånvarande",
        "none",
        "no one",
        "nobody",
        "n/a",
        "0",
        "alla var närvarande",
        "alla närvarande",
    )
)


def placeholder(value: str) -> Placeholder | None:
    """Tell whether a list's value is a placeholder instead of names."""
    bare = " ".join(re.sub(r"\([^()]*\)", "", value).split()).strip(" .:")
    if _ELSEWHERE.match(bare):
        return Placeholder.ELSEWHERE
    if _EVERYONE.match(bare):
        return Placeholder.EVERYONE
    return None


def nobody(value: str) -> bool:
    """Tell whether a list's value says that nobody is on it (``-``, ``ingen``)."""
    return " ".join(value.casefold().split()).strip(" .") in _NOBODY or not value.strip(" .")


_ROLE_SUFFIX = re.compile(
    r"(?:chef|ombud|sekreterare|ordförande|justerare|antecknare|strateg|konsult|specialist|assistent|"
    r"handläggare|samordnare|sköterska|läkare|lärare|rektor|pedagog|kock|biträde|arbetare|ansvarig|"
    r"representant|ledamot|ersättare|förare|terapeut|skötare|vikarie|praktikant|ekonom|controller|"
    r"förvaltare|tekniker|utvecklare|designer|arkitekt|fackförbund|förbund|sidan|facket)$",
    re.IGNORECASE,
)
_ROLE_WORD = re.compile(
    r"^(?:ordf|elev|student|chair|chairperson|secretary|manager|rep|representative|officer|lead|head|"
    r"developer|analyst|coordinator|adviser|advisor|consultant|minutes|note-?taker|ssr|vision|kommunal|"
    r"unionen|ledarna|saco|tco|lo|st|akavia|vårdförbundet|naturvetarna|fysioterapeuterna|seko|byggnads|"
    r"handels|dik|ingenjörer|lärarförbundet|lärarnas|akademikerförbundet|ihm|if)$",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"^(?:[A-ZÅÄÖÉÈÜØÆ][\w'’\-]*|af|von|van|de|der|da|del|la|le|bin|al|el)$")
_SPLIT_COMMA = re.compile(r"\s*(?:,|\s&\s|\soch\s|\sand\s|\s\+\s)\s*(?![^()]*\))")
_PAREN = re.compile(r"\(([^()]*)\)")
_BULLET = re.compile(r"^(?:[-*•–·▪○◦]|\d{1,2}[.)])\s+")


@dataclass(frozen=True)
class Person:
    """A name in an attendance list, with the note written beside it."""

    name: str
    """The name alone."""

    note: str = ""
    """What was written with it (role, union, ``chef``), in lower case; '' when nothing."""


def _name_like(part: str, first_names: frozenset[str]) -> bool:
    words = part.split()
    if not 1 <= len(words) <= 5 or not any(c.isalpha() for c in part):
        return False
    if not all(_NAME_WORD.match(w) for w in words) or not words[0][:1].isupper():
        return False
    last = words[-1].casefold()
    if (_ROLE_SUFFIX.search(last) or _ROLE_WORD.match(last)) and part.casefold() not in first_names:
        return False
    return True


def _person(text: str) -> Person | None:
    """Read ``Karin Berg, skyddsombud (Vision)`` as a person with a note."""
    text = _BULLET.sub("", text.strip()).strip(" .:;")
    notes = [m.strip() for m in _PAREN.findall(text)]
    bare = _PAREN.sub(" ", text)
    head, _, tail = bare.partition(",")
    for sep in (" – ", " - ", " — "):
        if sep in head:
            head, _, more = head.partition(sep)
            tail = f"{more}, {tail}" if tail else more
    name = " ".join(head.split()).strip(" .:-–")
    if not name or not any(c.isalpha() for c in name) or len(name) > 60:
        return None
    note = ", ".join(x for x in [" ".join(tail.split())] + notes if x).casefold()
    return Person(name, note)


def read_people(
    value: str, *, one_per_line: bool = False, first_names: frozenset[str] = frozenset()
) -> list[Person]:
    """Split an attendance value into people: ``Name, role; Name (union)`` or ``A, B och C``."""
    value = value.strip()
    if one_per_line:
        person = _person(value)
        return [person] if person else []
    if ";" in value:
        return [p for part in value.split(";") if (p := _person(part))]
    people: list[Person] = []
    parts = [p for p in _SPLIT_COMMA.split(value.rstrip(".")) if p.strip()]
    several_words = sum(1 for p in parts if len(_PAREN.sub("", p).split()) >= 2)
    for part in parts:
        bare = " ".join(_PAREN.sub(" ", _BULLET.sub("", part)).split()).strip(" .:-–")
        single = len(bare.split()) == 1
        is_name = _name_like(bare, first_names) and (
            not single or bare.casefold() in first_names or several_words <= len(parts) // 2 or not people
        )
        if is_name or not people:
            person = _person(part)
            if person:
                people.append(person)
        else:
            last = people[-1]
            extra = part.strip().casefold()
            people[-1] = Person(last.name, f"{last.note}, {extra}" if last.note else extra)
    return people


ROLE_NOTES = {
    "chair": frozenset(
        (
            "ordförande",
            "ordf",
            "ordf.",
            "mötesordförande",
            "mötesledare",
            "chair",
            "chairperson",
            "chair of the meeting",
            "chaired",
        )
    ),
    "note_taker": frozenset(
        (
            "sekreterare",
            "sekr",
            "sekr.",
            "antecknare",
            "mötessekreterare",
            "protokollförare",
            "minnesanteckningar",
            "anteckningar",
            "secretary",
            "minutes",
            "note-taker",
            "note taker",
            "notetaker",
            "minute-taker",
            "minute taker",
            "notes",
        )
    ),
    "adjuster": frozenset(("justerare", "justerar", "protokolljusterare", "justeras")),
    "safety_rep": frozenset(
        (
            "skyddsombud",
            "huvudskyddsombud",
            "arbetsmiljöombud",
            "regionalt skyddsombud",
            "safety rep",
            "safety representative",
            "health and safety rep",
            "health and safety representative",
        )
    ),
}
"""Notes that give a person a role in the meeting, by role."""


def roles_of(note: str) -> set[str]:
    """Return the meeting roles a note gives (``chair``, ``note_taker``, ``adjuster``, ``safety_rep``)."""
    found: set[str] = set()
    for element in re.split(r"\s*[,;()/]\s*|\s+och\s+|\s+and\s+", note.casefold()):
        element = element.strip(" .")
        for role, words in ROLE_NOTES.items():
            if element in words:
                found.add(role)
    return found
