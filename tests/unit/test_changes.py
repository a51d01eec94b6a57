"""What changed between two versions of one meeting's minutes, item by item, and how it is said."""

from __future__ import annotations

import copy
import json

from service.domain.changes import compare, load
from service.domain.changes_texts import grouped, summary_lines
from tests.support.minutes import sample_minutes


def _two() -> tuple[dict, dict]:
    old = sample_minutes()
    return old, copy.deepcopy(old)


def _section(changes: dict, title: str) -> dict:
    [found] = [s for s in changes["sections"] if s["title"] == title]
    return found


def test_the_same_minutes_have_no_changes_and_say_nothing() -> None:
    old, new = _two()
    new["items"][3]["text"] = new["items"][3]["text"].replace(" ", "  ")  # whitespace is no change
    changes = compare(old, new)
    assert changes["sections"] == [] and changes["meeting"] == []
    assert changes["attendance"] == {"present": {"added": [], "removed": []},
                                     "absent": {"added": [], "removed": []}}
    assert summary_lines(changes) == []
    json.dumps(changes)  # plain data


def test_a_sentence_added_to_an_item_is_named_with_its_item() -> None:
    old, new = _two()
    new["items"][7]["text"] += " Julbordet flyttas till fredag."
    changes = compare(old, new)
    section = _section(changes, "Övriga frågor")
    assert (section["kind"], section["number"], section["status"]) == ("item", 8, "changed")
    assert section["text"] == {"added": ["Julbordet flyttas till fredag."], "removed": [], "changed": []}
    assert summary_lines(changes) == ["§ 8 Övriga frågor: tillagt i texten: ”Julbordet flyttas till fredag.”"]
    assert summary_lines(changes, "en") == [
        "8. Övriga frågor: added to the text: “Julbordet flyttas till fredag.”"
    ]


def test_a_reworded_sentence_is_one_change_before_and_after() -> None:
    old, new = _two()
    new["items"][3]["text"] = new["items"][3]["text"].replace("skyddsronden.", "skyddsronden i oktober.")
    text = _section(compare(old, new), "Arbetsmiljö och hälsa")["text"]
    assert text["changed"] == [{"old": "Karin informerade om skyddsronden.",
                                "new": "Karin informerade om skyddsronden i oktober."}]
    assert text["added"] == text["removed"] == []


def test_a_long_reworded_sentence_is_shown_around_the_words_that_differ() -> None:
    old, new = _two()
    sentence = ("Tunga lyft i trapphuset på Norrgatan togs upp som en risk för alla som arbetar där, "
                "särskilt på kvällar och helger när färre är i tjänst.")
    old["items"][3]["text"] = sentence
    new["items"][3]["text"] = sentence.replace("Norrgatan", "Södergatan")
    [line] = summary_lines(compare(old, new))
    assert "Norrgatan" in line and "Södergatan" in line and "…" in line
    assert len(line) < 150


def test_removed_text_decisions_and_actions() -> None:
    old, new = _two()
    new["items"][3].update(text="Karin informerade om skyddsronden.", decisions=[], actions=[])
    section = _section(compare(old, new), "Arbetsmiljö och hälsa")
    assert section["status"] == "changed"
    assert section["text"]["removed"] == ["Tunga lyft diskuterades <b>utförligt</b> & länge."]
    decision = "En riskbedömning av förflyttningar görs innan nya brukare tas emot."
    assert section["decisions"]["removed"] == [decision]
    assert section["actions"]["removed"] == [
        {"what": "Beställa glidlakan till alla bilar.", "owner": "Johan Ek", "due": "2026-12-15"}
    ]
    lines = summary_lines(compare(old, new))
    assert f"§ 4 Arbetsmiljö och hälsa: beslutet struket: ”{decision}”" in lines
    assert "§ 4 Arbetsmiljö och hälsa: åtgärden struken: ”Beställa glidlakan till alla bilar.”" in lines


def test_decisions_added_and_changed() -> None:
    old, new = _two()
    new["items"][3]["decisions"].append("Lyftselar köps in till alla bilar.")
    new["unplanned"][0]["decisions"] = ["Enheten bjuder på efterrätten."]
    changes = compare(old, new)
    assert _section(changes, "Arbetsmiljö och hälsa")["decisions"] == {
        "added": ["Lyftselar köps in till alla bilar."], "removed": [], "changed": []
    }
    julbord = _section(changes, "Julbord")
    assert (julbord["kind"], julbord["number"]) == ("unplanned", None)
    assert julbord["decisions"]["changed"] == [
        {"old": "Enheten bjuder på förrätten.", "new": "Enheten bjuder på efterrätten."}
    ]
    lines = summary_lines(changes)
    assert "§ 4 Arbetsmiljö och hälsa: nytt beslut: ”Lyftselar köps in till alla bilar.”" in lines
    assert ("Övriga frågor: Julbord: beslutet ändrat: ”Enheten bjuder på förrätten.” → "
            "”Enheten bjuder på efterrätten.”") in lines


def test_an_action_with_another_owner_and_date_is_changed_not_added_and_removed() -> None:
    old, new = _two()
    new["items"][3]["actions"] = [{"what": "Beställa glidlakan till alla bilar", "owner": "Karin Berg",
                                   "due": "2026-12-20"}]
    actions = _section(compare(old, new), "Arbetsmiljö och hälsa")["actions"]
    assert actions["added"] == actions["removed"] == []
    [changed] = actions["changed"]
    assert changed["fields"] == ["owner", "due"]  # the full stop alone is no change of what
    assert (changed["old"]["owner"], changed["new"]["owner"]) == ("Johan Ek", "Karin Berg")
    assert summary_lines(compare(old, new)) == [
        "§ 4 Arbetsmiljö och hälsa: åtgärden ”Beställa glidlakan till alla bilar.” ändrad: "
        "ansvarig Johan Ek → Karin Berg; klart senast 15 december 2026 → 20 december 2026"
    ]
    assert summary_lines(compare(old, new), "en") == [
        "4. Arbetsmiljö och hälsa: action “Beställa glidlakan till alla bilar.” changed: "
        "owner Johan Ek → Karin Berg; due 15 December 2026 → 20 December 2026"
    ]


def test_a_reworded_action_and_a_new_one() -> None:
    old, new = _two()
    new["items"][3]["actions"] = [
        {"what": "Beställa glidlakan till samtliga bilar.", "owner": "Johan Ek", "due": "2026-12-15"},
        {"what": "Boka utbildning i förflyttning.", "owner": None, "due": "2027-01-31"},
    ]
    actions = _section(compare(old, new), "Arbetsmiljö och hälsa")["actions"]
    assert [c["fields"] for c in actions["changed"]] == [["what"]]
    assert actions["added"] == [
        {"what": "Boka utbildning i förflyttning.", "owner": None, "due": "2027-01-31"}
    ]
    lines = summary_lines(compare(old, new))
    assert ("§ 4 Arbetsmiljö och hälsa: åtgärden ”Beställa glidlakan till alla bilar.” ändrad: "
            "ny lydelse ”Beställa glidlakan till samtliga bilar.”") in lines
    assert ("§ 4 Arbetsmiljö och hälsa: ny åtgärd: ”Boka utbildning i förflyttning.” "
            "(klart senast 31 januari 2027)") in lines


def test_attendance_moves_and_additions() -> None:
    old, new = _two()
    new["attendance"] = {"present": ["Maria Lind", "Karin Berg", "Anna Svensson", "sara  holm", "Erik Nord"],
                         "absent": ["Johan Ek"]}
    changes = compare(old, new)
    assert changes["attendance"] == {
        "present": {"added": ["sara holm", "Erik Nord"], "removed": ["Johan Ek"]},
        "absent": {"added": ["Johan Ek"], "removed": ["Sara Holm"]},
    }
    assert summary_lines(changes) == [
        "Närvaro: sara holm var närvarande (stod som frånvarande)",
        "Närvaro: Johan Ek var frånvarande (stod som närvarande)",
        "Närvaro: tillagd som närvarande: Erik Nord",
    ]


def test_an_item_now_covered_and_one_no_longer() -> None:
    old, new = _two()
    new["items"][1].update(heading="2. Föregående", text="Gicks igenom.")
    new["items"][4].update(heading=None, text="")
    changes = compare(old, new)
    assert _section(changes, new["items"][1]["title"])["status"] == "added"
    assert _section(changes, new["items"][4]["title"])["status"] == "removed"
    lines = summary_lines(changes)
    assert f"§ 2 {new['items'][1]['title']}: har nu anteckningar (saknades i förra versionen)" in lines
    assert f"§ 5 {new['items'][4]['title']}: anteckningarna är borttagna" in lines


def test_unplanned_sections_pair_by_heading_even_reworded() -> None:
    old, new = _two()
    new["unplanned"] = [
        {"heading": "Parkering", "text": "Nya p-tillstånd.", "decisions": [], "actions": []},
        {**new["unplanned"][0], "heading": "Julbordet", "text": "Julbordet blir den 19 december."},
    ]
    changes = compare(old, new)
    assert [(s["title"], s["status"]) for s in changes["sections"]] == [
        ("Parkering", "added"), ("Julbordet", "changed")
    ]
    assert _section(changes, "Julbordet")["text"]["changed"] == [
        {"old": "Julbordet blir den 18 december på Stadshotellet.", "new": "Julbordet blir den 19 december."}
    ]
    new["unplanned"] = []
    assert [(s["title"], s["status"]) for s in compare(old, new)["sections"]] == [("Julbord", "removed")]
    assert summary_lines(compare(old, new)) == [
        "Övriga frågor: Julbord: frågan är borttagen",
        "Övriga frågor: Julbord: beslutet struket: ”Enheten bjuder på förrätten.”",
        "Övriga frågor: Julbord: åtgärden struken: ”Boka bord för tolv”",
    ]


def test_items_pair_by_title_when_the_agenda_was_renumbered() -> None:
    old, new = _two()
    new["items"] = [{**item, "number": item["number"] + 1} for item in new["items"]]
    new["items"].insert(0, {"number": 1, "title": "Incheckning", "heading": None, "text": "",
                            "decisions": [], "actions": []})
    assert compare(old, new)["sections"] == []


def test_meeting_facts() -> None:
    old, new = _two()
    new["meeting"]["location"] = "Matsalen"
    new["roles"]["chair"] = "Karin Berg"
    changes = compare(old, new)
    assert changes["meeting"] == [
        {"field": "location", "old": "Personalrummet, Norrgatan 4", "new": "Matsalen"},
        {"field": "chair", "old": "Maria Lind", "new": "Karin Berg"},
    ]
    assert summary_lines(changes) == [
        "Mötet: plats Personalrummet, Norrgatan 4 → Matsalen",
        "Mötet: ordförande Maria Lind → Karin Berg",
    ]


def test_groups_name_the_item_for_a_link_and_survive_the_database() -> None:
    old, new = _two()
    new["items"][3]["decisions"] = []
    new["attendance"]["absent"] = []
    stored = json.dumps(compare(old, new), ensure_ascii=False)
    groups = grouped(stored, "sv")
    assert [(g.label, g.number) for g in groups] == [("Närvaro", None), ("§ 4 Arbetsmiljö och hälsa", 4)]
    assert groups[0].lines == ("inte längre bland frånvarande: Sara Holm",)


def test_nothing_stored_or_unreadable_says_nothing() -> None:
    assert load("") is None and load("{nej") is None and load("[1]") is None
    assert grouped("", "sv") == [] and summary_lines(None) == [] and summary_lines("{}") == []
    # Stored data of another shape is read as far as it goes, never an error.
    odd = {"sections": [{"kind": "item", "number": 3, "title": "X", "status": "changed",
                         "decisions": {"added": ["Ja."]}, "actions": {"changed": [{"old": {}, "new": {}}]}},
                        "nonsense"], "attendance": {"present": "fel"}, "meeting": [{"field": "okänd"}]}
    assert summary_lines(odd) == ["§ 3 X: nytt beslut: ”Ja.”"]


def test_versions_lacking_keys_compare() -> None:
    assert compare({}, sample_minutes())["sections"]
    assert compare({"items": None, "unplanned": "x"}, {})["sections"] == []
