"""The sample structured minutes the tests share, and the workplace they belong to.

The sample is the APT of Hemtjänst Norr on 20 November 2026, written as the structuring writes it
(``contracts/structure-output.md``): every item of the standard agenda, one of them not covered, a
decision and an action under Arbetsmiljö och hälsa, and an unplanned section (Julbord).
"""

from __future__ import annotations

import copy

from service.domain.workplace import Member, Workplace
from tests.support.rosters import AGENDA, STANDARD_AGENDA

WORKPLACE = Workplace(
    id="hemtjanst-norr",
    name="Hemtjänst Norr",
    kind="apt",
    organisation="Exempelby kommun",
    members=(
        Member("Maria Lind", "maria.lind@exempelby.se", "manager"),
        Member("Karin Berg", "karin.berg@exempelby.se", "safety_rep"),
        Member("Anna Svensson", "anna.svensson@exempelby.se"),
        Member("Johan Ek", "johan.ek@exempelby.se"),
    ),
    agenda=STANDARD_AGENDA,
)
"""The sample's workplace: the standard agenda and four people of its roster."""


def _items() -> list[dict]:
    items = [
        {"number": n, "title": title, "heading": f"{n}. {title}",
         "text": f"Anteckningar om {title.lower()}. Åsa, Örjan och Ängla deltog.",
         "decisions": [], "actions": []}
        for n, title in enumerate(AGENDA, 1)
    ]
    items[1] = {"number": 2, "title": AGENDA[1], "heading": None, "text": "", "decisions": [], "actions": []}
    items[3]["text"] = (
        "Karin informerade om skyddsronden.\n\nTunga lyft diskuterades <b>utförligt</b> & länge."
    )
    items[3]["decisions"] = ["En riskbedömning av förflyttningar görs innan nya brukare tas emot."]
    items[3]["actions"] = [
        {"what": "Beställa glidlakan till alla bilar.", "owner": "Johan Ek", "due": "2026-12-15"}
    ]
    return items


_SAMPLE = {
    "status": "accepted",
    "error": None,
    "meeting": {
        "workplace": "hemtjanst-norr",
        "workplace_name": "Hemtjänst Norr",
        "kind": "apt",
        "date": "2026-11-20",
        "start": "13:00",
        "end": "14:30",
        "location": "Personalrummet, Norrgatan 4",
    },
    "sender": {"name": "Anna Svensson", "email": "anna.svensson@exempelby.se"},
    "roles": {
        "chair": "Maria Lind", "note_taker": "Anna Svensson", "adjusters": [], "safety_reps": ["Karin Berg"],
    },
    "attendance": {
        "present": ["Maria Lind", "Karin Berg", "Anna Svensson", "Johan Ek"], "absent": ["Sara Holm"],
    },
    "items": _items(),
    "unplanned": [
        {
            "heading": "Julbord",
            "text": "Julbordet blir den 18 december på Stadshotellet.",
            "decisions": ["Enheten bjuder på förrätten."],
            "actions": [{"what": "Boka bord för tolv", "owner": "Anna Svensson", "due": None}],
        }
    ],
    "missing": [2],
    "warnings": [],
}


def sample_minutes(**overrides: object) -> dict:
    """Return a fresh copy of the sample minutes; each keyword replaces that top-level key.

    Item 2 (Föregående minnesanteckningar) is not covered; item 4 (Arbetsmiljö och hälsa) has text
    with markup in it, a decision and an action (Johan Ek, 2026-12-15). The copy is the caller's to change.
    """
    return copy.deepcopy({**_SAMPLE, **overrides})


def long_minutes(actions: int = 40) -> dict:
    """Return the sample with very long paragraphs, a word longer than a line, long names, many actions."""
    m = sample_minutes()
    sentence = "Detta är en mycket lång mening om arbetsmiljö, schemaläggning och bemanning i jul. "
    long_word = "Långtordutanmellanslagochbindestreck" * 12
    m["items"][2]["text"] = "\n\n".join([sentence * 40] * 5) + "\n\n" + long_word
    m["items"][4]["actions"] = [
        {
            "what": f"Åtgärd {n}: " + "ta fram en rutin för nyckelhantering " * (1 + n % 4),
            "owner": "Karl-Gustav Öberg-Åkesson von Wallenberg-Lindqvist" if n % 3 else None,
            "due": f"2026-12-{1 + n % 28:02d}",
        }
        for n in range(1, actions + 1)
    ]
    return m
