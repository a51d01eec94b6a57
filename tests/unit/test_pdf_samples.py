"""Sample minutes, workplace and throwaway keys shared by the PDF tests (no tests here)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

from service.domain.workplace import AgendaEntry, Member, Workplace
from service.pdf.keys import make_self_signed_pkcs12
from tests.support.rosters import AGENDA

PASSPHRASE = "prov-lösen"

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
    agenda=tuple(AgendaEntry(t) for t in AGENDA),
)

_BASE = {
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


def short_minutes() -> dict:
    """Return typical minutes: every item covered but one, a decision, an action, an unplanned section."""
    m = copy.deepcopy(_BASE)
    items = []
    for n, title in enumerate(AGENDA, 1):
        items.append({"number": n, "title": title, "heading": f"{n}. {title}",
                      "text": f"Anteckningar om {title.lower()}. Åsa, Örjan och Ängla deltog.",
                      "decisions": [], "actions": []})
    items[1] = {"number": 2, "title": AGENDA[1], "heading": None, "text": "", "decisions": [], "actions": []}
    items[3]["text"] = (
        "Karin informerade om skyddsronden.\n\nTunga lyft diskuterades <b>utförligt</b> & länge."
    )
    items[3]["decisions"] = ["En riskbedömning av förflyttningar görs innan nya brukare tas emot."]
    items[3]["actions"] = [
        {"what": "Beställa glidlakan till alla bilar.", "owner": "Johan Ek", "due": "2026-12-15"}
    ]
    m["items"] = items
    return m


def long_minutes(actions: int = 40) -> dict:
    """Return minutes with very long paragraphs, long names and many actions."""
    m = short_minutes()
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


def write_key(folder: Path, *, name: str = "signing.p12", common_name: str = "Exempelby kommun – Minnes",
              expired: bool = False) -> Path:
    """Write a throwaway PKCS#12 key (2048-bit, fast) and return its path."""
    now = datetime.now(UTC)
    kw = {}
    if expired:
        kw = {"not_before": now - timedelta(days=400), "not_after": now - timedelta(days=30)}
    data = make_self_signed_pkcs12(PASSPHRASE, common_name=common_name, organisation="Exempelby kommun",
                                   key_size=2048, **kw)
    path = folder / name
    path.write_bytes(data)
    return path
