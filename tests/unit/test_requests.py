"""Request tokens and the verdict of a reply (contracts/mail.md "Replies to a request")."""

from __future__ import annotations

import pytest

from service.domain.requests import (
    Verdict,
    first_line,
    is_token,
    new_token,
    referenced_tokens,
    request_message_id,
    token_hash,
    verdict,
)


def test_tokens_are_128_random_bits_and_stored_as_their_hash():
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200 and all(is_token(t) and len(t) == 22 for t in tokens)
    t = next(iter(tokens))
    assert len(token_hash(t)) == 64 and t not in token_hash(t)


def test_a_reply_names_its_request_in_in_reply_to_or_references():
    t1, t2 = new_token(), new_token()
    values = [request_message_id(t1, "exempelby.se"), f"<other@x.se> {request_message_id(t2, 'x.se')}"]
    assert referenced_tokens(values) == [t1, t2]
    assert referenced_tokens(["<minnes.1.1.abc@exempelby.se>", "<minnes-req.short@x.se>"]) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("OK\n\n> Minnes har tagit emot", Verdict.APPROVE),
        ("\n\n  ja, det var jag", Verdict.APPROVE),
        ("> citat\nGodkänner.", Verdict.APPROVE),
        ("Justerat\n\nHanna", Verdict.APPROVE),
        ("YES", Verdict.APPROVE),
        ("Nej!", Verdict.STOP),
        ("STOPP – vänta", Verdict.STOP),
        ("stop", Verdict.STOP),
        ("Under § 4 ska det stå 1 maj.", Verdict.COMMENT),
        ("Okej men punkt 3 saknas", Verdict.COMMENT),
        ("", Verdict.COMMENT),
    ],
)
def test_the_first_word_of_the_first_own_line_decides(text, expected):
    assert verdict(text) is expected


def test_quoted_lines_and_the_quote_introduction_are_skipped():
    assert first_line("On Mon, 1 Dec 2026, Minnes wrote:\n> hej\nOK") == "OK"
    assert first_line("Den 1 dec. 2026 skrev Minnes <minnes@x.se>:\n> a\n\nNej") == "Nej"


def test_redact_hides_request_and_login_tokens_and_nothing_else():
    from service.domain.requests import redact

    login = "A" * 43
    text = (f"Öppna https://minnes.exempelby.se/login/{login} eller "
            "https://minnes.exempelby.se/svar/abcdefghijklmnopqrstuv, se /minutes/12.")
    assert redact(text) == ("Öppna https://minnes.exempelby.se/login/… eller "
                            "https://minnes.exempelby.se/svar/…, se /minutes/12.")
