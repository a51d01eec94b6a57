"""Who reads what, and the pure parts of a login link: decided without a database or a web page."""

from __future__ import annotations

import datetime as dt

import pytest

from service.archive.logins import LoginLink
from service.domain.access import known, reader_of
from service.domain.login_texts import login_language, render_login_link
from service.domain.workplace import Member, Workplace
from service.steps import login as links

NOW = dt.datetime(2026, 12, 3, 12, 0)


def _workplace(wid: str, members: list[tuple[str, str]], readers: tuple[str, ...] = (), language: str = "sv"):
    people = tuple(Member(name=email.split("@")[0], email=email, role=role) for email, role in members)
    return Workplace(id=wid, name=wid.title(), kind="apt", members=people, readers=readers, language=language)


WORKPLACES = {
    "a": _workplace("a", [("chef@x.se", "manager"), ("ombud@x.se", "safety_rep"), ("anna@x.se", "employee")]),
    "b": _workplace("b", [("bo@x.se", "employee")], readers=("Revisor@X.se",), language="en"),
}


def test_a_roster_member_reads_only_their_workplace():
    anna = reader_of(" Anna@X.se ", WORKPLACES, ())
    assert anna.email == "anna@x.se" and anna.reads == {"a"} and not anna.admin
    assert anna.may_read("a") and not anna.may_read("b") and not anna.may_see_status("a")
    assert not anna.may_manage("a")


def test_managers_and_safety_reps_see_delivery_status_and_only_managers_manage():
    chef, ombud = reader_of("chef@x.se", WORKPLACES, ()), reader_of("ombud@x.se", WORKPLACES, ())
    assert chef.may_see_status("a") and chef.may_manage("a") and not chef.may_see_status("b")
    assert ombud.may_see_status("a") and not ombud.may_manage("a")


def test_readers_read_without_status_and_admins_see_everything():
    revisor = reader_of("revisor@x.se", WORKPLACES, ())
    assert revisor.reads == {"b"} and not revisor.may_see_status("b")
    admin = reader_of("IT@x.se", WORKPLACES, ["it@x.se"])
    assert admin.admin and admin.may_read("a") and admin.may_read("b") and admin.may_see_status("b")


@pytest.mark.parametrize("address", ["", "nobody@x.se", "not-an-address", "anna@x.se.evil"])
def test_anyone_else_reads_nothing_and_gets_no_link(address):
    assert reader_of(address, WORKPLACES, ()) is None
    assert not known(address, WORKPLACES, ())


@pytest.mark.parametrize(
    ("asked", "safe"),
    [
        ("/minutes/12", "/minutes/12"),
        ("/search?q=julbord&page=2", "/search?q=julbord&page=2"),
        ("", "/"),
        (None, "/"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_only_local_paths_are_followed_after_login(asked, safe):
    assert links.safe_next(asked) == safe


def test_mail_language_is_english_only_when_every_workplace_is():
    assert login_language(["en", "en"]) == "en"
    assert login_language(["en", "sv"]) == "sv"
    assert login_language([]) == "sv"
    subject, body = render_login_link("https://minnes.example/login/abc", 15, "en")
    assert subject == "Your login link for Minnes" and "15 minutes" in body and "/login/abc" in body
    assert "15 minuter" in render_login_link("https://minnes.example/login/abc", 15)[1]


def test_tokens_are_256_bits_and_stored_hashed():
    token = links.new_secret()
    assert links.is_secret(token) and len(token) == 43 and token != links.new_secret()
    assert links.digest(token) != token and len(links.digest(token)) == 64
    assert not links.is_secret("A" * 22) and not links.is_secret(token + "x")


def _link(**kw: object) -> LoginLink:
    values = dict(email="anna@x.se", token_hash="h", browser_hash=links.digest("n" * 43), next_path="/m/1",
                  created_at=NOW, expires_at=NOW + links.LINK_LIFETIME, used_at=None)
    values.update(kw)
    return LoginLink(**values)


def test_a_link_works_once_before_it_expires_in_the_asking_browser():
    assert links._judge(_link(), "n" * 43, NOW) == links.LinkCheck(True, "anna@x.se", "/m/1")
    assert links._judge(None, "n" * 43, NOW).failure == links.FAILED_UNKNOWN
    assert links._judge(_link(used_at=NOW), "n" * 43, NOW).failure == links.FAILED_USED
    late = NOW + links.LINK_LIFETIME + dt.timedelta(seconds=1)
    assert links._judge(_link(), "n" * 43, late).failure == links.FAILED_EXPIRED
    assert links._judge(_link(), "m" * 43, NOW).failure == links.FAILED_BROWSER
    assert links._judge(_link(), "", NOW).failure == links.FAILED_BROWSER
    assert links._judge(_link(browser_hash=""), "", NOW).failure == links.FAILED_BROWSER, "unbound: nobody"
