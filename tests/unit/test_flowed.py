"""Unit tests of RFC 3676 format=flowed unwrapping: soft breaks, DelSp, stuffing, quotes, signatures."""

from __future__ import annotations

import time

import pytest

from service.domain.flowed import unflow


def test_soft_breaks_join_and_hard_breaks_stay() -> None:
    text = "Närvarande: Stefan Wikström, Milan Kovač, \r\nHassan Abdi, Robin Sjödin\r\nFrånvarande: Ulf"
    assert unflow(text) == (
        "Närvarande: Stefan Wikström, Milan Kovač, Hassan Abdi, Robin Sjödin\nFrånvarande: Ulf"
    )


def test_a_paragraph_of_many_lines_joins_whole() -> None:
    assert unflow("Beslut: Från och med nu \nanvänds alltid \nstoppklossar.\n") == (
        "Beslut: Från och med nu används alltid stoppklossar.\n"
    )


def test_delsp_deletes_the_soft_break_space() -> None:
    assert unflow("gruppbos \ntader-2027.pdf och \nska", delsp=True) == "gruppbostader-2027.pdf ochska"
    assert unflow("finns på  \nhttps://x.se/a.pdf", delsp=True) == "finns på https://x.se/a.pdf"


def test_without_delsp_the_space_is_kept() -> None:
    assert unflow("gruppbos \ntader") == "gruppbos tader"


def test_space_stuffing_is_removed() -> None:
    assert unflow(" From the start\n >no quote\n  two spaces") == "From the start\n>no quote\n two spaces"


def test_a_stuffed_flowed_line_joins_after_unstuffing() -> None:
    assert unflow(" From here \non") == "From here on"


def test_signature_separator_is_never_joined() -> None:
    text = "Onsdag 20 januari kl. 6.30. \n-- \nRobin Sjödin \nLagerarbetare"
    assert unflow(text) == "Onsdag 20 januari kl. 6.30. \n-- \nRobin Sjödin Lagerarbetare"


def test_signature_separator_survives_delsp() -> None:
    assert unflow("Hej\n-- \nRobin", delsp=True) == "Hej\n-- \nRobin"


def test_quote_depth_must_match_to_join() -> None:
    text = "> Anna skrev att \n> vi ses \n>> tidigare \n>> text\nMitt svar \nhär"
    assert unflow(text) == "> Anna skrev att vi ses \n>> tidigare text\nMitt svar här"


def test_quoted_lines_are_unstuffed_and_requoted() -> None:
    assert unflow(">hej \n> på dig\n>\n>> djupare") == "> hej på dig\n>\n>> djupare"


def test_mixed_spaced_quote_markers_are_not_glued() -> None:
    assert unflow("> > gammal \n> > text") == "> > gammal \n> > text"


def test_a_blank_line_is_not_swallowed_by_a_stray_soft_break() -> None:
    assert unflow("Stefan öppnade mötet. \n\n2. Uppföljning") == "Stefan öppnade mötet. \n\n2. Uppföljning"


def test_a_soft_break_at_the_end_keeps_the_text() -> None:
    assert unflow("sista raden ") == "sista raden "
    assert unflow("sista raden ", delsp=True) == "sista raden"


@pytest.mark.parametrize("text", ["", "\n", "ingen radbrytning", "rad ett\nrad två\n"])
def test_fixed_text_is_unchanged(text: str) -> None:
    assert unflow(text) == text


def test_line_ends_are_crlf_cr_or_lf() -> None:
    assert unflow("a \r\nb\rc \nd") == "a b\nc d"


def test_linear_time_on_a_huge_flowed_body() -> None:
    text = "ord " * 10 + "\n"
    started = time.perf_counter()
    out = unflow(text * 200_000)
    assert time.perf_counter() - started < 2.0
    assert len(out) == 200_000 * 40 + 1 and out.count("\n") == 1
    assert unflow(">" * 1_000_000 + " x") == ">" * 1_000_000 + " x"
