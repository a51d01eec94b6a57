"""The typed minutes model: a JSON round trip that gives exactly the contract's JSON, and shared decisions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from service.config import load_config
from service.domain.minutes import Action, Minutes, Section
from service.structuring import structure_message
from tests.support.shared import shared_path


def _cases() -> list[Path]:
    return sorted(p for corpus in ("corpus", "corpus2") for p in (shared_path(corpus) / "cases").iterdir())


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_round_trip_gives_the_contract_json_exactly(case: Path) -> None:
    config = load_config(case.parent.parent / "config")
    out = structure_message((case / "message.eml").read_bytes(), config).output
    if out["status"] != "accepted":
        return
    again = Minutes.from_json(json.loads(json.dumps(out))).to_json()
    assert again == out and list(again) == list(out)


def _minutes(**kwargs: object) -> Minutes:
    data = {
        "meeting": {"workplace": "hn", "date": dt.date(2026, 11, 20).isoformat()},
        "items": [
            {"number": 1, "title": "Mötets öppnande", "heading": "1. Öppnande", "text": "Maria öppnade.",
             "decisions": [], "actions": []},
            {"number": 2, "title": "Övriga frågor", "heading": None, "text": "", "decisions": [],
             "actions": []},
            {"number": 3, "title": "Nästa möte", "heading": "3. Nästa möte", "text": "", "decisions": [],
             "actions": [{"what": "Boka rum.", "owner": "Karin", "due": None}]},
        ],
        "unplanned": [{"heading": "Julbord", "text": "Stadshotellet.", "decisions": [],
                       "actions": [{"what": "Boka bord.", "owner": None, "due": "2026-12-01"}]}],
        "missing": [2],
        **kwargs,
    }
    return Minutes.from_json(data)


def test_unplanned_sections_go_under_other_questions_and_count_it_covered() -> None:
    placed = _minutes().placed("sv")
    assert [p.item.number for p in placed] == [1, 2, 3]
    assert placed[1].covered and [u.heading for u in placed[1].unplanned] == ["Julbord"]
    assert placed[2].covered


def test_without_an_other_questions_item_the_unplanned_come_last() -> None:
    m = _minutes()
    m = Minutes(m.meeting, items=(m.items[0],), unplanned=m.unplanned)
    placed = m.placed("sv")
    assert placed[-1].item.number is None and placed[-1].unplanned == m.unplanned


def test_all_actions_with_their_sections() -> None:
    refs = _minutes().all_actions()
    assert [(r.number, r.section, r.action.what) for r in refs] == [
        (3, "Nästa möte", "Boka rum."), (None, "Julbord", "Boka bord.")]
    assert Section("x", actions=(Action("a"),)).has_notes


def test_older_stored_minutes_without_newer_keys_still_read() -> None:
    m = Minutes.from_json({"meeting": {"workplace": "hn"}, "items": [{"number": 1, "title": "A"}]})
    assert m.privacy == () and m.sender.authenticated is False and m.items[0].heading is None
