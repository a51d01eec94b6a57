"""Search, the pure part: stems, query terms, sort keys and snippets."""

from __future__ import annotations

from service.archive.search import SHOWN_STATES
from service.domain import search
from service.steps.gates import PASSED


def test_swedish_word_forms_share_a_stem():
    assert search.stem("skyddsronden") == search.stem("skyddsrond") == search.stem("skyddsronderna")
    assert search.stemmed("Skyddsronden GENOMFÖRDES.") == "skyddsrond genomförd"


def test_english_workplaces_stem_in_english():
    assert search.stem("meetings", "en") == search.stem("meeting", "en") == "meet"
    assert search.term_stems("meetings", ["sv", "en"]) == [["meet", "meeting"]], "English, then Swedish"


def test_a_query_is_its_distinct_words_folded_without_syntax():
    assert search.terms('Skyddsrond AND "julbord" OR* -brukare skyddsrond') == [
        "skyddsrond", "and", "julbord", "or", "brukare"]
    assert search.terms("  ") == []
    assert len(search.terms(" ".join(f"ord{i}" for i in range(20)))) == search.MAX_TERMS


def test_sort_keys_order_meetings_newest_first_and_years_are_ranges():
    older, newer = search.sort_key("2025-12-31", 900), search.sort_key("2026-01-01", 5)
    assert newer > older
    assert search.minutes_id_of(newer) == 5
    low, high = search.year_range(2026)
    assert low <= newer <= high and not low <= older <= high
    assert search.sort_key("", 7) == 7 and search.sort_key("inte ett datum", 7) == 7


def test_workplace_tokens_are_one_word():
    token = search.workplace_token("hemtjanst-norr")
    assert search.words(token) == [token]


def test_the_snippet_marks_every_hit_and_escapes_the_text():
    text = "Inledning. Vi gjorde en <b>skyddsrond</b> i går; nästa skyddsronden blir i maj."
    html = search.snippet(text, search.term_stems("skyddsronden"))
    assert "<mark>skyddsrond</mark>" in html and "<mark>skyddsronden</mark>" in html
    assert "&lt;b&gt;" in html and "<b>" not in html


def test_the_snippet_is_a_window_around_the_first_hit():
    text = " ".join(f"ord{i}" for i in range(200)) + " julbord " + " ".join(f"slut{i}" for i in range(200))
    html = search.snippet(text, search.term_stems("julbord"), width=3)
    assert html == "… ord197 ord198 ord199 <mark>julbord</mark> slut0 slut1 slut2 …"
    assert search.snippet("bara några ord", search.term_stems("saknas")) == "bara några ord"
    assert search.snippet("", search.term_stems("x")) == ""


def test_minutes_text_is_what_the_minutes_say():
    minutes = {"items": [{"heading": "1. Arbetsmiljö", "text": "Skyddsrond.", "decisions": ["Beslut."],
                          "actions": [{"what": "Boka", "owner": "Anna"}]}], "unplanned": []}
    assert search.minutes_text(minutes) == "1. Arbetsmiljö\nSkyddsrond.\nBeslut.\nBoka Anna"


def test_the_index_shows_the_states_the_gates_pass():
    assert {str(s) for s in SHOWN_STATES} == {str(s) for s in PASSED}
