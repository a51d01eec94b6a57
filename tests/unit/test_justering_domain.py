"""Unit tests of justering's pure core: who is asked, reminders, the texts and the PDF's justering line."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from service.domain.justering import (
    NOTICE_LEVEL,
    SOURCE_CONFIGURED,
    SOURCE_DRAFT,
    SOURCE_MANAGERS,
    SOURCE_NOBODY,
    Approval,
    approvals,
    choose,
    due_level,
    match_member,
    own_words,
    reminding,
    request_token,
)
from service.domain.justering_texts import (
    approval_lines,
    justering_line,
    receipt_lines,
    render_approval_request,
    render_comment,
    render_notice,
    render_reminder,
)
from service.domain.requests import is_token
from service.domain.workplace import Member, Workplace

BIRGITTA = Member("Birgitta Sand", "birgitta.sand@exempelby.se", "manager")
KARIN = Member("Karin Berg", "karin.berg@exempelby.se", "safety_rep")
THOMAS = Member("Thomas Falk", "thomas.falk@exempelby.se", "union_rep")
HANNA = Member("Hanna Björk", "hanna.bjork@exempelby.se", "union_rep")
ALI = Member("Ali Rezaei", "ali.rezaei@exempelby.se", "employee")
ANNA_LENA = Member("Anna-Lena Maria Ek", "anna-lena.ek@exempelby.se")
PEOPLE = (BIRGITTA, KARIN, THOMAS, HANNA, ALI, ANNA_LENA)


def group(members: tuple[Member, ...] = PEOPLE, adjusters: tuple[str, ...] = (),
          kind: str = "samverkansgrupp") -> Workplace:
    return Workplace("vof", "Samverkansgrupp VOF", kind, members=members, approval="adjusters",
                     adjusters=adjusters)


@pytest.mark.parametrize("written, who", [
    ("Hanna Björk", HANNA),
    ("hanna  björk", HANNA),
    ("Hanna", HANNA),                      # a first name alone, which only one member has
    ("Hana Björk", HANNA),                 # a typo
    ("Hanna Bjork", HANNA),                # without diacritics
    ("Anna-Lena Ek", ANNA_LENA),           # middle names left out
    ("ali.rezaei@exempelby.se", ALI),
    ("Olle Ström", None),
    ("", None),
])
def test_a_written_name_matches_one_roster_member(written, who) -> None:
    assert match_member(written, PEOPLE) == who


def test_a_name_that_fits_two_members_matches_nobody() -> None:
    two = (Member("Hanna Björk", "h1@x.se"), Member("Hanna Lind", "h2@x.se"))
    assert match_member("Hanna", two) is None
    assert match_member("Hanna Lind", two) == two[1]


def test_the_named_justerare_on_the_roster_are_asked() -> None:
    choice = choose(["Hanna Björk", "Ali Rezaei"], group())
    assert choice.justerare == (HANNA, ALI) and choice.source == SOURCE_DRAFT
    assert not choice.union_added and not choice.union_missing and not choice.not_on_roster


def test_names_not_on_the_roster_are_said_and_the_configured_are_asked_instead() -> None:
    choice = choose(["Olle Ström"], group(adjusters=("thomas.falk@exempelby.se", "extern@annan.se")))
    assert choice.source == SOURCE_CONFIGURED and choice.not_on_roster == ("Olle Ström",)
    assert [p.email for p in choice.justerare] == ["thomas.falk@exempelby.se", "extern@annan.se"]
    assert choice.justerare[1].role == ""  # an address outside the roster


def test_a_samverkansgrupp_without_a_union_rep_among_them_gets_one_added() -> None:
    # The configured union representative first …
    configured = ("birgitta.sand@exempelby.se", "thomas.falk@exempelby.se")
    choice = choose(["Ali Rezaei"], group(adjusters=configured))
    assert choice.justerare == (ALI, THOMAS) and choice.union_added == (THOMAS,)
    # … else every union representative on the roster.
    choice = choose(["Ali Rezaei"], group())
    assert choice.justerare == (ALI, THOMAS, HANNA) and choice.union_added == (THOMAS, HANNA)
    # No union representative anywhere: asked all the same, and said.
    choice = choose(["Ali Rezaei"], group(members=(BIRGITTA, KARIN, ALI)))
    assert choice.justerare == (ALI,) and choice.union_missing


def test_an_apt_needs_no_union_rep() -> None:
    choice = choose(["Ali Rezaei"], group(kind="apt"))
    assert choice.justerare == (ALI,) and not choice.union_added and not choice.union_missing


def test_nobody_named_or_configured_asks_the_managers_and_nobody_at_all_is_said() -> None:
    choice = choose([], group(members=(BIRGITTA, KARIN, ALI), kind="apt"))
    assert choice.justerare == (BIRGITTA,) and choice.source == SOURCE_MANAGERS
    choice = choose([], group(members=(KARIN, ALI), kind="apt"))
    assert choice.justerare == () and choice.source == SOURCE_NOBODY
    assert "Justerare: Namn" in " ".join(receipt_lines(choice))


def test_request_tokens_are_keyed_stable_and_distinct() -> None:
    a = request_token("secret", "reply", 7, "Hanna@x.se", "sha")
    assert is_token(a) and a == request_token("secret", "reply", 7, "hanna@x.se", "sha")
    others = {request_token("other", "reply", 7, "hanna@x.se", "sha"), request_token("secret", "link", 7,
              "hanna@x.se", "sha"), request_token("secret", "reply", 8, "hanna@x.se", "sha"),
              request_token("secret", "reply", 7, "hanna@x.se", "sha2")}
    assert a not in others and len(others) == 4


def test_reminders_after_two_and_five_days_then_the_managers_after_seven() -> None:
    asked = dt.datetime(2026, 5, 4, 12, 0)
    days = [0, 1, 2, 4, 5, 6, 7, 30]
    assert [due_level(asked, asked + dt.timedelta(days=d)) for d in days] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert reminding(0, 1) == reminding(1, 2) == reminding(0, 2)  # one reminder, even when two are late
    assert reminding(0, 1).justerare and not reminding(0, 1).managers
    assert not reminding(2, NOTICE_LEVEL).justerare and reminding(2, NOTICE_LEVEL).managers
    assert reminding(0, NOTICE_LEVEL).justerare and reminding(0, NOTICE_LEVEL).managers
    assert not reminding(NOTICE_LEVEL, NOTICE_LEVEL).justerare


def test_own_words_stop_at_the_quoted_request() -> None:
    reply = ("Under § 4 ska det stå 1 maj, inte 1 april.\n\n\n\nHanna\n\n"
             "Den 5 maj 2026 kl. 10:14 skrev Minnes <minnes@exempelby.se>:\n> Hej Hanna!\n")
    assert own_words(reply) == "Under § 4 ska det stå 1 maj, inte 1 april.\n\nHanna"
    assert own_words("> only quoted\n") == ""
    assert own_words("Nej\r\n-----Ursprungligt meddelande-----\r\nFrån: Minnes\r\n") == "Nej"


MINUTES = {
    "meeting": {"workplace": "vof", "workplace_name": "Samverkansgrupp VOF", "kind": "samverkansgrupp",
                "date": "2026-05-04"},
    "sender": {"name": "Thomas Falk", "email": "thomas.falk@exempelby.se", "authenticated": True},
    "roles": {"note_taker": "Thomas Falk", "adjusters": ["Hanna Björk", "Ali Rezaei"]},
    "attendance": {"present": ["Hanna Björk", "Ali Rezaei"], "absent": []},
    "items": [{"number": 1, "title": "Mötets öppnande", "heading": "§ 1 Mötets öppnande", "text": "Öppnat.",
               "decisions": [], "actions": []}],
    "unplanned": [], "missing": [], "warnings": [], "privacy": [],
}


def test_the_approval_request_says_how_to_approve_and_to_comment() -> None:
    subject, body = render_approval_request(MINUTES, name="Hanna Björk", link="https://x/svar/T",
                                            asked=["Hanna Björk", "Ali Rezaei"])
    assert subject == "Justera: minnesanteckningar Samverkansgrupp VOF 2026-05-04"
    assert body.startswith("Hej Hanna!\n")
    assert "JUSTERAT på första raden" in body and "https://x/svar/T" in body and "(Thomas Falk)" in body
    assert "Ingen annan får dem förrän alla justerare har godkänt dem." in body
    assert "Justerare: Hanna Björk, Ali Rezaei" in body and "Mötets öppnande" in body
    subject, body = render_approval_request(MINUTES, name="Hanna Björk", link="L", asked=[], language="en")
    assert subject.startswith("Please approve: minutes") and "APPROVED on the first line" in body


def test_the_reminder_comment_and_notice_texts() -> None:
    _, body = render_reminder(MINUTES, name="Ali Rezaei", link="L", asked_on="2026-05-04")
    assert "Den 4 maj 2026 bad Minnes dig justera" in body and "\nL\n" in body
    subject, body = render_comment(MINUTES, who="Hanna Björk (hanna.bjork@exempelby.se)",
                                   comment="Under § 4 ska det stå 1 maj.\n\nHanna", approved=["Ali Rezaei"])
    assert subject.startswith("Kommentar från justerare")
    assert "> Under § 4 ska det stå 1 maj.\n>\n> Hanna\n" in body and "Hanna Björk (hanna.bjork" in body
    assert "Har redan godkänt den här versionen: Ali Rezaei" in body and "rättade" in body
    _, body = render_notice(MINUTES, waiting=["Ali Rezaei (ali.rezaei@exempelby.se)"], asked_on="2026-05-04")
    assert "sedan den 4 maj 2026" in body and "- Ali Rezaei (ali.rezaei@exempelby.se)" in body
    assert all(len(line) < 400 for line in body.splitlines())


def test_the_receipt_says_who_is_asked_and_why() -> None:
    lines = receipt_lines(choose(["Hanna Björk", "Ali Rezaei"], group()))
    assert lines[:2] == ["De skickas inte till någon annan förrän alla justerare har godkänt dem.",
                         "Justerare som tillfrågas: Hanna Björk och Ali Rezaei."]
    text = " ".join(receipt_lines(choose(["Ali Rezaei", "Olle Ström"], group(adjusters=(
        "thomas.falk@exempelby.se",)))))
    assert "Finns inte i listan och tillfrågas inte: Olle Ström." in text
    assert "så även Thomas Falk tillfrågas" in text
    text = " ".join(receipt_lines(choose([], group(adjusters=("thomas.falk@exempelby.se",))), "en"))
    assert "configured approvers are asked" in text and "Approvers asked: Thomas Falk." in text


def test_the_pdf_line_names_who_justerade_and_when() -> None:
    same = [Approval("Hanna Björk", "h@x", "2026-05-05T10:14+02:00"), Approval("Ali Rezaei", "a@x",
                                                                               "2026-05-05T11:02+02:00")]
    assert justering_line(same) == "Justerat av Hanna Björk och Ali Rezaei den 5 maj 2026"
    assert justering_line(same, "en") == "Approved by Hanna Björk and Ali Rezaei on 5 May 2026"
    apart = [same[0], Approval("Ali Rezaei", "a@x", "2026-05-06T08:00+02:00")]
    assert justering_line(apart) == "Justerat av Hanna Björk den 5 maj 2026 och Ali Rezaei den 6 maj 2026"
    assert approval_lines(same) == ["Hanna Björk, justerat den 5 maj 2026 kl. 10.14",
                                    "Ali Rezaei, justerat den 5 maj 2026 kl. 11.02"]
    assert re.fullmatch(r"Ali Rezaei, approved on 5 May 2026 at 11:02", approval_lines(same, "en")[1])
    assert justering_line([]) == ""
    records = [{"name": "Hanna", "email": "h@x", "at": "x"}, "junk", {}]
    assert approvals(records) == [Approval("Hanna", "h@x", "x")]
