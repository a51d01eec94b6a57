"""Big workplaces for delivery tests: a workplace and roster of any size, and a draft from its note-taker."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from service.domain.workplace import AgendaEntry

FIRST_NAMES = (
    "Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sara", "Per", "Lena", "Nils", "Fatima", "Ali",
    "Eva", "Olof", "Ingrid", "Mehmet", "Sofia", "Ahmed", "Elin", "Gustav",
)  # fmt: skip
"""First names the roster combines."""

LAST_NAMES = (
    "Andersson", "Berg", "Carlsson", "Dahl", "Ek", "Forsberg", "Holm", "Johansson", "Lind", "Nord",
    "Öberg", "Åström", "Yilmaz", "Ali", "Sandberg", "Wikström",
)  # fmt: skip
"""Last names the roster combines."""

AGENDA = (
    "Mötets öppnande",
    "Föregående minnesanteckningar",
    "Verksamhetsfrågor",
    "Arbetsmiljö och hälsa",
    "Jämställdhet och mångfald",
    "Ekonomi och budget",
    "Facklig information",
    "Övriga frågor",
    "Nästa möte",
)
"""The standard APT agenda the workplace file lists and the draft follows."""

STANDARD_AGENDA = tuple(AgendaEntry(title) for title in AGENDA)
"""The standard APT agenda as a workplace holds it, for tests that build a Workplace in code."""


@dataclass(frozen=True)
class Person:
    """One roster line."""

    name: str
    """Full name."""

    email: str
    """Address, lower case."""

    role: str
    """manager, safety_rep or employee."""


@dataclass(frozen=True)
class Roster:
    """A written workplace: its id, name and everyone on its roster."""

    id: str
    """Workplace id (the file stem)."""

    name: str
    """Display name."""

    people: tuple[Person, ...]
    """Everyone, the manager first, then the skyddsombud, then employees."""

    @property
    def manager(self) -> Person:
        """Return the manager."""
        return self.people[0]

    @property
    def safety_rep(self) -> Person:
        """Return the skyddsombud."""
        return self.people[1]

    @property
    def note_taker(self) -> Person:
        """Return the employee who writes the draft."""
        return self.people[2]

    @property
    def emails(self) -> list[str]:
        """Return every address, sorted."""
        return sorted(p.email for p in self.people)


def people(size: int, domain: str) -> tuple[Person, ...]:
    """Return ``size`` distinct people with Swedish names: manager first, then skyddsombud, then employees."""
    if size < 3:
        raise ValueError("a roster needs at least a manager, a skyddsombud and a note-taker")
    out: list[Person] = []
    for i in range(size):
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
        suffix = "" if i < len(FIRST_NAMES) * len(LAST_NAMES) else str(i)
        local = f"{first}.{last}{suffix}".lower().translate(str.maketrans("åäö", "aao"))
        role = "manager" if i == 0 else "safety_rep" if i == 1 else "employee"
        out.append(Person(f"{first} {last}{suffix}", f"{local}@{domain}", role))
    return tuple(out)


def write_workplace(
    config_folder: Path, size: int, *, workplace_id: str = "storby-vard", domain: str = "storby.se"
) -> Roster:
    """Write ``workplaces/<id>.toml`` and its roster of ``size`` people into a configuration folder."""
    folder = config_folder / "workplaces"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"Vård Storby {size}"
    agenda = "".join(f'\n[[agenda]]\ntitle = "{title}"\n' for title in AGENDA)
    (folder / f"{workplace_id}.toml").write_text(
        f'id = "{workplace_id}"\nname = "{name}"\nkind = "apt"\norganisation = "Storby kommun"\n'
        f'roster = "{workplace_id}.csv"\n{agenda}',
        encoding="utf-8",
    )
    staff = people(size, domain)
    lines = ["name,email,role"] + [f"{p.name},{p.email},{p.role}" for p in staff]
    (folder / f"{workplace_id}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Roster(workplace_id, name, staff)


def draft(roster: Roster, *, date: str = "2026-11-27", to: str = "apt@exempelby.se", tag: str = "1") -> bytes:
    """Return a draft email from the roster's note-taker with the standard agenda headings."""
    writer, manager, rep = roster.note_taker, roster.manager, roster.safety_rep
    present = ", ".join(p.name for p in roster.people[:6])
    body = f"""Minnesanteckningar APT {roster.name}
Datum: {date}, kl. 13.00-14.30
Plats: Personalrummet

Närvarande: {present}
Antecknare: {writer.name}

1. Mötets öppnande
{manager.name} hälsade alla välkomna och öppnade mötet.

2. Föregående minnesanteckningar
Minnesanteckningarna från förra mötet lades till handlingarna.

3. Verksamhetsfrågor
Nya scheman läggs ut i december.

4. Arbetsmiljö och hälsa
{rep.name} informerade om skyddsronden.
Beslut: En riskbedömning görs innan nya brukare tas emot.
Åtgärd: Beställa glidlakan till alla bilar. Ansvarig: {writer.name}. Klart: 2026-12-15

5. Jämställdhet och mångfald
Inget nytt denna gång.

6. Ekonomi och budget
Budgeten håller.

7. Facklig information
Medlemsmöte 3 december.

8. Övriga frågor
Inga övriga frågor.

9. Nästa möte
Nästa APT är den 18 december kl. 13.00.

Hälsningar
{writer.name.split()[0]}
"""
    msg = EmailMessage()
    msg["From"] = f"{writer.name} <{writer.email}>"
    msg["To"] = to
    msg["Subject"] = f"Minnesanteckningar APT {date}"
    msg["Date"] = format_datetime(dt.datetime(2026, 11, 27, 16, 5, tzinfo=dt.UTC))
    msg["Message-ID"] = f"<draft-{roster.id}-{tag}@{writer.email.partition('@')[2]}>"
    msg.set_content(body, charset="utf-8")
    return msg.as_bytes()
