"""The shared Swedish and English wording: dates, meeting names, and tables that match key for key."""

from __future__ import annotations

import datetime as dt
import string

import pytest

from service.domain import wording
from service.domain.wording import (
    is_other_questions,
    language_of,
    long_date,
    meeting_phrase,
    short_date,
    signing_time,
    swedish_date,
    words,
)

TABLES = {
    "RECEIPT": wording.RECEIPT, "MAIL": wording.MAIL, "REASONS": wording.REASONS, "PDF": wording.PDF,
    "STAMP": wording.STAMP,
}
"""Every wording table, by name."""

ONLY_ENGLISH = {("PDF", "subtitle_date")}
"""Entries one language needs and the other does not."""

OWN_FIELDS = {("PDF", "subtitle"), ("STAMP", "clock")}
"""Entries whose languages say it with different parts (the Swedish subtitle names no workplace)."""


def test_dates() -> None:
    assert swedish_date("2026-11-20") == "20 november 2026"
    assert swedish_date("2026-01-05") == "5 januari 2026"
    assert swedish_date(None) == "" and swedish_date("nästa tisdag") == "nästa tisdag"
    assert long_date("2027-03-09", "en") == "9 March 2027"
    assert long_date("2027-03-09", "sv") == "9 mars 2027"
    assert long_date("", "en") == "" and long_date("next Tuesday", "en") == "next Tuesday"
    assert short_date("2027-03-09", "sv") == "2027-03-09"
    assert short_date("2027-03-09", "en") == "9 March 2027"
    assert short_date(None, "sv") == ""


def test_language_of_falls_back_to_swedish() -> None:
    assert language_of("en") == "en"
    for other in ("sv", "", None, "de", "EN"):
        assert language_of(other) == "sv"
    assert words(wording.PDF, "fi") is wording.PDF["sv"]


def test_meeting_names() -> None:
    assert meeting_phrase("apt", "sv") == "arbetsplatsträffen"
    assert meeting_phrase("samverkansgrupp", "sv") == "samverkansgruppens möte"
    assert meeting_phrase("okänd", "sv") == "mötet"
    assert meeting_phrase("apt", "en") == "the workplace meeting"
    assert meeting_phrase("samverkansgrupp", "en") == "the joint consultation group meeting"


def test_other_questions_titles() -> None:
    assert is_other_questions(" Övriga frågor ", "sv")
    assert not is_other_questions("Any other business", "sv")  # Swedish placement is as it was
    for title in ("Any other business", "AOB", "Other business", "Övriga frågor"):
        assert is_other_questions(title, "en"), title
    assert not is_other_questions("Budget", "en")


def test_signing_time() -> None:
    moment = dt.datetime(2026, 11, 20, 14, 31)
    assert signing_time(moment, "sv") == "2026-11-20 kl. 14:31"
    assert signing_time(moment, "en") == "20 November 2026, 14:31"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_both_languages_have_the_same_entries_and_placeholders(name: str) -> None:
    table = TABLES[name]
    assert set(table) == {"sv", "en"}
    keys = set(table["sv"]) | set(table["en"])
    for key in sorted(keys):
        if (name, key) in ONLY_ENGLISH:
            continue
        assert key in table["sv"] and key in table["en"], key
        if (name, key) not in OWN_FIELDS:
            assert _fields(table["sv"][key]) == _fields(table["en"][key]), key


def test_english_wording_has_no_swedish_letters() -> None:
    for name, table in TABLES.items():
        for key, text in table["en"].items():
            if (name, key) == ("RECEIPT", "privacy_personnummer"):
                continue  # names the Swedish term so the note-taker knows what was meant
            assert not set("åäöÅÄÖ") & set(text), (name, key)
