"""Workplace files: ``workplaces/<id>.toml`` (name, kind, agenda, who may send) and its roster CSV."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from service.config.errors import ConfigError
from service.config.sections import read_toml
from service.domain.workplace import KINDS, LANGUAGES, ROLES, AgendaEntry, Member, Workplace

WORKPLACE_KEYS = {
    "id", "name", "kind", "organisation", "roster", "submitters", "note_takers", "agenda", "language",
    "approval", "adjusters", "review_minutes", "safety_committee", "readers", "retention_years",
    "export_before_removal", "reminder_days",
}
"""Keys a workplace file may have."""

AGENDA_KEYS = {"title", "aliases"}
"""Keys an ``[[agenda]]`` table may have."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def read_roster(path: Path, where: Path) -> tuple[Member, ...]:
    """Read a roster (name,email,role); ``where`` is the workplace file that names it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{where}: roster-filen {path.name} saknas — skapa den (name,email,role)") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: filen är inte UTF-8 — spara den som UTF-8") from None
    rows = list(csv.DictReader(text.splitlines()))
    header = set(rows[0].keys()) if rows else set()
    if rows and not {"name", "email", "role"} <= header:
        raise ConfigError(f"{path}: första raden ska vara name,email,role")
    members: list[Member] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=2):
        name = (row.get("name") or "").strip()
        email = (row.get("email") or "").strip().lower()
        role = (row.get("role") or "employee").strip() or "employee"
        if not name and not email:
            continue
        if not _EMAIL.match(email):
            raise ConfigError(f"{path}: rad {n}: '{email}' är ingen giltig e-postadress")
        if role not in ROLES:
            raise ConfigError(f"{path}: rad {n}: okänd roll '{role}' — använd {', '.join(ROLES)}")
        if email in seen:
            raise ConfigError(f"{path}: rad {n}: {email} står två gånger")
        seen.add(email)
        members.append(Member(name=name or email, email=email, role=role))
    if not members:
        raise ConfigError(f"{path}: rostern är tom — lägg till minst chefen och skyddsombudet")
    return tuple(members)


def load_workplace(path: Path) -> Workplace:
    """Load one ``workplaces/<id>.toml`` and its roster."""
    data = read_toml(path)
    for key in data:
        if key not in WORKPLACE_KEYS:
            raise ConfigError(
                f"{path}: okänd nyckel '{key}' — använd en av: {', '.join(sorted(WORKPLACE_KEYS))}"
            )
    wid = data.get("id", path.stem)
    if wid != path.stem:
        raise ConfigError(f"{path}: id = '{wid}' ska vara samma som filnamnet ('{path.stem}')")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", wid):
        raise ConfigError(f"{path}: id '{wid}' får bara innehålla a-z, 0-9, - och _")
    for key in ("name", "kind"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ConfigError(f"{path}: nyckeln '{key}' saknas")
    if data["kind"] not in KINDS:
        raise ConfigError(f"{path}: kind = '{data['kind']}' — använd {' eller '.join(KINDS)}")
    submitters = data.get("submitters", "roster")
    if submitters not in ("roster", "note_takers"):
        raise ConfigError(f'{path}: submitters = \'{submitters}\' — använd "roster" eller "note_takers"')
    note_takers = data.get("note_takers", [])
    if not isinstance(note_takers, list) or not all(isinstance(x, str) for x in note_takers):
        raise ConfigError(f"{path}: note_takers ska vara en lista med e-postadresser")
    if submitters == "note_takers" and not note_takers:
        raise ConfigError(f'{path}: submitters = "note_takers" men note_takers är tom')
    language = data.get("language", "sv")
    if language not in LANGUAGES:
        raise ConfigError(f"{path}: language = '{language}' — använd {' eller '.join(LANGUAGES)}")
    agenda_raw = data.get("agenda", [])
    if not isinstance(agenda_raw, list) or not agenda_raw:
        raise ConfigError(f"{path}: dagordningen saknas — lägg till [[agenda]]-tabeller med title")
    agenda: list[AgendaEntry] = []
    for n, entry in enumerate(agenda_raw, start=1):
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: agenda-punkt {n} ska vara en [[agenda]]-tabell")
        for key in entry:
            if key not in AGENDA_KEYS:
                raise ConfigError(
                    f"{path}: agenda-punkt {n}: okänd nyckel '{key}' — använd title eller aliases"
                )
        title = entry.get("title")
        if not isinstance(title, str) or not title.strip():
            raise ConfigError(f"{path}: agenda-punkt {n} saknar title")
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(f"{path}: agenda-punkt {n}: aliases ska vara en lista med text")
        agenda.append(AgendaEntry(title=title.strip(), aliases=tuple(a.strip() for a in aliases)))
    approval = data.get("approval", "adjusters" if data["kind"] == "samverkansgrupp" else "none")
    if approval not in ("none", "adjusters"):
        raise ConfigError(f'{path}: approval = \'{approval}\' — använd "none" eller "adjusters"')
    adjusters = _addresses(path, data, "adjusters")
    readers = _addresses(path, data, "readers")
    review_minutes = _whole(path, data, "review_minutes", 0)
    reminder_days = _whole(path, data, "reminder_days", 3)
    retention_years = _whole(path, data, "retention_years", None)
    flags = {}
    for key in ("safety_committee", "export_before_removal"):
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: {key} ska vara true eller false")
        flags[key] = value
    roster_name = data.get("roster", f"{path.stem}.csv")
    if not isinstance(roster_name, str):
        raise ConfigError(f"{path}: roster ska vara ett filnamn")
    members = read_roster((path.parent / roster_name).resolve(), path)
    return Workplace(
        id=wid,
        name=data["name"].strip(),
        kind=data["kind"],
        organisation=str(data.get("organisation", "")),
        members=members,
        agenda=tuple(agenda),
        submitters=submitters,
        note_takers=tuple(a.strip().lower() for a in note_takers),
        language=language,
        approval=approval,
        adjusters=adjusters,
        review_minutes=review_minutes,
        readers=readers,
        retention_years=retention_years,
        reminder_days=reminder_days,
        **flags,
    )


def _addresses(path: Path, data: dict, key: str) -> tuple[str, ...]:
    """Return a list of addresses from a workplace file, lower case, or raise naming the key."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(x, str) and _EMAIL.match(x.strip()) for x in value):
        raise ConfigError(f"{path}: {key} ska vara en lista med e-postadresser")
    return tuple(x.strip().lower() for x in value)


def _whole(path: Path, data: dict, key: str, default: int | None) -> int | None:
    """Return a whole number of at least 0 from a workplace file, or raise naming the key."""
    value = data.get(key, default)
    if value is default:
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{path}: {key} ska vara ett heltal, 0 eller större")
    return value
