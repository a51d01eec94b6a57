"""Actions that come back, on plain data: owners matched, done reports found, dates, warnings and texts."""

from __future__ import annotations

import datetime as dt

import pytest

from service.archive.db import ActionRow
from service.domain.followup import (
    ActionState,
    SafetyWarning,
    Tracked,
    add_months,
    carried_over,
    days_left,
    earlier,
    long_gap,
    match_owner,
    overdue,
    remind_on,
    repeated,
    safety_rep_attended,
    safety_warnings,
)
from service.domain.followup_done import closed_by, reports_done, segments
from service.domain.followup_texts import (
    Listed,
    followup_json,
    listed_from_json,
    receipt_lines,
    render_overdue_notice,
    render_reminder,
    render_safety_notice,
)
from service.domain.minutes import Action, Meeting
from service.domain.workplace import Member, Workplace

MEMBERS = (
    Member("Maria Lind", "maria.lind@exempelby.se", "manager"),
    Member("Karin Berg", "karin.berg@exempelby.se", "safety_rep"),
    Member("Johan Ek", "johan.ek@exempelby.se"),
    Member("Johan Lind", "johan.lind@exempelby.se"),
    Member("Lisa Åberg", "lisa.aberg@exempelby.se"),
    Member("Fatima Ali", "fatima.ali@exempelby.se"),
)

GLIDLAKAN = Tracked(1, "Beställa glidlakan till alla bilar.", "Johan Ek", "2026-12-15", "2026-11-20", 1)
RISK = Tracked(2, "Göra en riskbedömning av förflyttningar i trapphuset.", "Maria", "2026-12-01",
               "2026-11-20", 1)
SCHEMA = Tracked(3, "Lägga ut nya körscheman i Time Care.", "Maria Lind", "", "2026-11-20", 1)
OPEN = [GLIDLAKAN, RISK, SCHEMA]


def minutes(
    text: str = "", *, present: tuple[str, ...] = (), safety_reps: tuple[str, ...] = (),
    date: str = "2026-12-18", actions: tuple[dict, ...] = (), unplanned: tuple[dict, ...] = (),
) -> dict:
    return {
        "meeting": {"workplace": "x", "workplace_name": "Hemtjänst Norr", "kind": "apt", "date": date},
        "roles": {"safety_reps": list(safety_reps)},
        "attendance": {"present": list(present), "absent": []},
        "items": [
            {"number": 1, "title": "Föregående minnesanteckningar", "heading": "1. Föregående", "text": text,
             "decisions": [], "actions": list(actions)},
        ],
        "unplanned": list(unplanned),
    }


# --------------------------------------------------------------------------- owners


@pytest.mark.parametrize(
    ("written", "email"),
    [
        ("Johan Ek", "johan.ek@exempelby.se"),
        ("johan ek.", "johan.ek@exempelby.se"),
        ("Johan Ek (skyddsrond)", "johan.ek@exempelby.se"),
        ("Johan E.", "johan.ek@exempelby.se"),
        ("Fatima", "fatima.ali@exempelby.se"),
        ("Lisa Aberg", "lisa.aberg@exempelby.se"),
        ("Lisa", "lisa.aberg@exempelby.se"),
        ("Karin Bergh", "karin.berg@exempelby.se"),
        ("Chefen", "maria.lind@exempelby.se"),
        ("skyddsombudet", "karin.berg@exempelby.se"),
        ("karin.berg@exempelby.se", "karin.berg@exempelby.se"),
        ("Johan", ""),  # two Johans: nobody guessed
        ("Alla", ""),
        ("Johan Ek och Maria Lind", ""),
        ("Johan, Fatima", ""),
        ("Pelle Okänd", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_an_owner_is_matched_to_one_roster_member_where_the_name_allows(written, email) -> None:  # noqa: ANN001
    assert match_owner(written, MEMBERS) == email


# --------------------------------------------------------------------------- done


@pytest.mark.parametrize(
    ("sentence", "done"),
    [
        ("Glidlakan till alla bilar är beställda, klart.", True),
        ("Glidlakan: klart", True),
        ("Riskbedömningen är genomförd.", True),
        ("Halkan i trappan är åtgärdat.", True),
        ("Glidlakan blev klart den 3 december.", True),
        ("Riskbedömningen är inte klar än.", False),
        ("Glidlakan ska vara klart den 15 december.", False),
        ("Klart: 2026-12-15", False),
        ("Klart senast 15 december.", False),
        ("Det är klart att glidlakan behövs.", False),
        ("Nästan klart med glidlakan.", False),
        ("Glidlakan är beställda.", False),
    ],
)
def test_a_done_report_is_a_done_word_not_negated_nor_a_due_date(sentence, done) -> None:  # noqa: ANN001
    assert reports_done(sentence) is done


def test_english_done_words_only_for_an_english_workplace() -> None:
    assert reports_done("Glide sheets ordered: done.", "en")
    assert reports_done("The risk assessment is completed.", "en")
    assert not reports_done("Glide sheets: not done yet.", "en")
    assert not reports_done("Done by 15 December.", "en")
    assert not reports_done("Glidlakan: done")  # a Swedish workplace reports with klart
    assert not reports_done("Glide sheets: klart", "en")
    order = Tracked(1, "Order glide sheets for all cars.", "Johan Ek", "2027-01-15", "2026-12-01", 1)
    assert closed_by([order], ["Glide sheets ordered: done."], "en") == [1]
    assert closed_by([order], ["Glide sheets ordered: klart."], "en") == []


@pytest.mark.parametrize(
    ("sentence", "closed"),
    [
        ("Glidlakan till alla bilar är beställda, klart.", [1]),
        ("Glidlakan: klart", [1]),
        ("Riskbedömningen av förflyttningar är genomförd.", [2]),
        ("Körschemana ligger ute i Time Care, klart.", [3]),
        ("Glidlakan beställda (klart), riskbedömningen pågår.", [1]),
        ("Schemat är klart.", []),  # names no action well enough
        ("Riskbedömningen är inte klar än.", []),
        ("Glidlakan till alla bilar beställs i januari.", []),  # no done word
    ],
)
def test_a_sentence_closes_the_one_action_it_names(sentence, closed) -> None:  # noqa: ANN001
    assert closed_by(OPEN, [sentence]) == closed


def test_several_sentences_close_several_actions_and_two_different_equal_fits_close_none() -> None:
    assert closed_by(OPEN, ["Glidlakan: klart.", "Riskbedömningen är genomförd."]) == [1, 2]
    twin = Tracked(9, "Beställa glidlakan till alla bilar.", "Johan Ek", "2027-01-15", "2026-12-01", 5)
    assert closed_by([GLIDLAKAN, twin], ["Glidlakan: klart"]) == [1, 9]  # the same text: both
    other = Tracked(8, "Beställa glidlakan till förrådet.", "Fatima", "", "2026-12-01", 5)
    assert closed_by([GLIDLAKAN, other], ["Glidlakan är klart."]) == []  # which one? neither


def test_segments_are_the_lines_and_sentences_of_notes_and_decisions_not_actions() -> None:
    data = minutes("Glidlakan: klart. Riskbedömningen pågår.\n- Schemat är ute",
                   actions=({"what": "Glidlakan klart", "owner": "Johan", "due": None},),
                   unplanned=({"heading": "Glidlakan", "text": "klart", "decisions": ["Vi tackar Johan."],
                               "actions": []},))
    assert segments(data) == ["Glidlakan: klart.", "Riskbedömningen pågår.", "Schemat är ute", "klart",
                              "Vi tackar Johan.", "Glidlakan: klart"]


def test_an_action_listed_again_and_a_corrections_actions_pair_with_the_old() -> None:
    new = [Action("Beställa glidlakan till alla bilarna", "Johan Ek", "2027-01-15"), Action("Nytt")]
    assert repeated(new, OPEN) == [1]
    old = [GLIDLAKAN, SCHEMA]
    assert carried_over(new, old) == {0: 1}
    assert carried_over([Action("Lägga ut nya körscheman i Time Care."), new[0]], old) == {0: 3, 1: 1}


def test_earlier_is_by_date_and_never_the_same_meeting() -> None:
    assert earlier(GLIDLAKAN, "2026-12-18", 7)
    assert not earlier(GLIDLAKAN, "2026-11-20", 7)  # a correction of the same meeting
    assert not earlier(GLIDLAKAN, "2026-10-01", 7)  # a correction of an older meeting
    assert not earlier(GLIDLAKAN, "2026-12-18", 1)
    undated = Tracked(4, "x", meeting_date="", minutes_id=3)
    assert earlier(undated, "2026-12-18", 7) and not earlier(undated, "2026-12-18", 2)


# --------------------------------------------------------------------------- dates


def test_dates_of_reminders_and_overdue() -> None:
    assert remind_on("2026-12-15", 3) == "2026-12-12"
    assert remind_on("2026-12-15", 0) == "2026-12-15"
    assert remind_on("", 3) == remind_on("snart", 3) == ""
    assert overdue("2026-12-15", "2026-12-16") and not overdue("2026-12-15", "2026-12-15")
    assert not overdue("", "2026-12-16")
    assert days_left("2026-12-15", "2026-12-12") == 3 and days_left("", "2026-12-12") is None
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 11, 30), 3) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 1, 31), 3) == dt.date(2026, 4, 30)
    assert not long_gap("2026-09-18", "2026-12-18")
    assert long_gap("2026-09-17", "2026-12-18")
    assert not long_gap("", "2026-12-18")


# --------------------------------------------------------------------------- skyddskommitté

COMMITTEE = Workplace("s", "Samverkan", "samverkansgrupp", members=MEMBERS, safety_committee=True)


def test_a_skyddsombud_attended_when_one_is_among_those_present() -> None:
    assert safety_rep_attended(minutes(present=("Maria Lind", "Karin Berg")), COMMITTEE)
    assert safety_rep_attended(minutes(present=("Maria", "Karin")), COMMITTEE)
    # Named as skyddsombud in the draft, though not on the roster as one.
    assert safety_rep_attended(minutes(present=("Olle Ny",), safety_reps=("Olle Ny",)), COMMITTEE)
    # Named as skyddsombud, but absent (structuring names absent ones too).
    assert not safety_rep_attended(minutes(present=("Maria Lind",), safety_reps=("Karin Berg",)), COMMITTEE)
    assert not safety_rep_attended(minutes(present=()), COMMITTEE)


def test_the_skyddskommitte_warnings() -> None:
    data = minutes(present=("Maria Lind",))
    both = [SafetyWarning.NO_SAFETY_REP, SafetyWarning.LONG_GAP]
    assert safety_warnings(data, COMMITTEE, "2026-06-01") == both
    assert safety_warnings(minutes(present=("Karin Berg",)), COMMITTEE, "2026-11-01") == []
    assert safety_warnings(data, COMMITTEE, "") == [SafetyWarning.NO_SAFETY_REP]
    plain = Workplace("a", "APT", "apt", members=MEMBERS)
    assert safety_warnings(data, plain, "2026-01-01") == []


# --------------------------------------------------------------------------- texts

LISTED = Listed("Beställa glidlakan till alla bilar.", "Johan Ek", "2026-12-15", "2026-11-20", True)
MEETING = Meeting("hemtjanst-norr", "Hemtjänst Norr", "apt", "2026-11-20")


def test_the_receipt_lists_warnings_closed_and_open_actions() -> None:
    closed = Listed("Lägga ut nya körscheman i Time Care.", "Maria Lind", "", "2026-10-30")
    lines = receipt_lines([LISTED], [closed], [SafetyWarning.LONG_GAP], previous="2026-06-01")
    text = "\n".join(lines)
    assert lines[0] == "SKYDDSKOMMITTÉ" and "2026-06-01" in text and "AFS 2023:1" in text
    assert "MARKERAS SOM KLARA MED DE HÄR ANTECKNINGARNA" in lines
    assert "✓ Lägga ut nya körscheman i Time Care. (Maria Lind, från mötet 2026-10-30)" in lines
    assert ("- Beställa glidlakan till alla bilar. (Johan Ek, senast 2026-12-15, från mötet 2026-11-20)"
            " – FÖRSENAD") in lines
    assert "”Beställa glidlakan till alla bilar: klart”" in text
    assert lines[-1] and receipt_lines([], []) == []
    english = "\n".join(receipt_lines([LISTED], [], language="en"))
    assert "OPEN ACTIONS FROM EARLIER MEETINGS" in english and "15 December 2026" in english
    assert "“Beställa glidlakan till alla bilar: done”" in english


def test_the_reminder_and_the_notices_read_on_a_phone() -> None:
    subject, body = render_reminder(LISTED, MEETING, to_name="Johan Ek", today="2026-12-12",
                                    archive_url="http://x/minutes/1")
    assert subject == "Påminnelse: Beställa glidlakan till alla bilar – senast 2026-12-15"
    assert body.startswith("Hej Johan!\n") and "arbetsplatsträffen i Hemtjänst Norr den 2026-11-20" in body
    assert "Klart senast: 2026-12-15 (om 3 dagar)" in body and "http://x/minutes/1" in body
    assert "(i morgon)" in render_reminder(LISTED, MEETING, to_name="J", today="2026-12-14")[1]
    subject, body = render_overdue_notice(LISTED, MEETING, to_name="Maria Lind")
    assert subject.startswith("Försenad åtgärd: Hemtjänst Norr – Beställa glidlakan")
    assert "skulle ha varit klar 2026-12-15" in body and "Ansvarig: Johan Ek" in body
    subject, body = render_safety_notice([SafetyWarning.NO_SAFETY_REP], MEETING, to_name="Maria Lind")
    assert subject == "Skyddskommitté: Hemtjänst Norr 2026-11-20"
    assert "Inget skyddsombud" in body and "AML 6 kap. 8–9 §§" in body
    subject, body = render_reminder(LISTED, MEETING, to_name="Johan", today="2026-12-12", language="en")
    assert subject == "Reminder: Beställa glidlakan till alla bilar – due 15 December 2026"
    assert body.startswith("Hello Johan,") and "(in 3 days)" in body and "Owner: Johan Ek" in body
    gap = render_safety_notice([SafetyWarning.LONG_GAP], MEETING, to_name="M", previous="2026-01-01",
                               language="en")[1]
    assert "More than three months" in gap and "1 January 2026" in gap
    for text in (body, gap):
        assert all(len(line) < 200 for line in text.splitlines())


def test_the_followup_json_round_trips() -> None:
    data = {"followup": followup_json([LISTED], [Listed("x", "Alla", "", "2026-10-30")])}
    assert data["followup"] == {
        "open": [{"what": LISTED.what, "owner": "Johan Ek", "due": "2026-12-15", "meeting_date": "2026-11-20",
                  "overdue": True}],
        "closed": [{"what": "x", "owner": "Alla", "meeting_date": "2026-10-30"}],
    }
    assert listed_from_json(data) == ([LISTED], [Listed("x", "Alla", "", "2026-10-30")])
    assert listed_from_json({}) == ([], [])


def test_the_stored_state_is_the_first_action_state() -> None:
    assert [s.value for s in ActionState] == ["open", "done", "replaced"]
    assert ActionRow.__table__.c.state.default.arg == ActionState.OPEN
