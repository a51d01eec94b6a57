"""Unit tests of routing and authorising a message, and of the rejections structure_message gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config import Config, IntakeSettings, Settings
from service.domain.routing import (
    AUTH_FAIL,
    AUTH_NONE,
    AUTH_PASS,
    authentication,
    internal_vouched,
    plus_tags,
    route,
)
from service.domain.workplace import AgendaEntry, Member, Workplace
from service.structuring import structure_message

AGENDA = (AgendaEntry("Mötets öppnande"), AgendaEntry("Arbetsmiljö och hälsa"), AgendaEntry("Nästa möte"))
NORR = Workplace(
    "norr",
    "Hemtjänst Norr",
    "apt",
    members=(
        Member("Anna Svensson", "anna@exempelby.se"),
        Member("Karin Berg", "karin@exempelby.se", "safety_rep"),
    ),
    agenda=AGENDA,
)
SYD = Workplace(
    "syd",
    "Hemtjänst Syd",
    "apt",
    members=(
        Member("Karin Berg", "karin@exempelby.se", "safety_rep"),
        Member("Per Holm", "per@exempelby.se"),
    ),
    agenda=AGENDA,
)
SAMVERKAN = Workplace(
    "samverkan",
    "Samverkansgrupp",
    "samverkansgrupp",
    members=(
        Member("Karin Berg", "karin@exempelby.se", "safety_rep"),
        Member("Tom Falk", "tom@exempelby.se"),
    ),
    agenda=AGENDA,
    submitters="note_takers",
    note_takers=("tom@exempelby.se",),
)
WORKPLACES = {w.id: w for w in (NORR, SYD, SAMVERKAN)}
MAILBOX = "apt@exempelby.se"


def test_plus_tag_names_the_workplace() -> None:
    assert plus_tags(["Apt+Syd@exempelby.se", "other+x@elsewhere.se"], MAILBOX) == ["syd"]
    r = route(
        WORKPLACES, recipients=["apt+syd@exempelby.se"], sender="anna@exempelby.se", mailbox_address=MAILBOX
    )
    assert r.workplace is SYD


def test_unknown_plus_tag_is_workplace_unknown() -> None:
    r = route(
        WORKPLACES, recipients=["apt+nope@exempelby.se"], sender="anna@exempelby.se", mailbox_address=MAILBOX
    )
    assert r.error == "workplace_unknown"


def test_sender_on_one_roster_routes_there() -> None:
    r = route(WORKPLACES, recipients=[MAILBOX], sender="Anna@Exempelby.se", mailbox_address=MAILBOX)
    assert r.workplace is NORR


def test_sender_on_two_rosters_is_workplace_unknown() -> None:
    r = route(WORKPLACES, recipients=[MAILBOX], sender="karin@exempelby.se", mailbox_address=MAILBOX)
    assert r.error == "workplace_unknown"


def test_unknown_sender_is_not_allowed() -> None:
    r = route(WORKPLACES, recipients=[MAILBOX], sender="someone@gmail.example", mailbox_address=MAILBOX)
    assert r.error == "sender_not_allowed"


@pytest.mark.parametrize(
    "headers, verdict",
    [
        ([], AUTH_NONE),
        (["mx.exempelby.se; dmarc=pass header.from=exempelby.se"], AUTH_PASS),
        (["mx.exempelby.se; dmarc=fail header.from=exempelby.se"], AUTH_FAIL),
        (["evil.example; dmarc=pass"], AUTH_NONE),
        (["mx.exempelby.se; dkim=pass header.d=exempelby.se; dmarc=none"], AUTH_PASS),
        (["mx.exempelby.se; dkim=pass header.d=other.example; dmarc=none"], AUTH_NONE),
        (
            ["mx.exempelby.se 1; spf=pass smtp.mailfrom=x; dmarc=pass (p=none) header.from=exempelby.se"],
            AUTH_PASS,
        ),
        # Only the topmost trusted header counts: the MX adds its own on top, the rest may be forged.
        (["mx.exempelby.se; dmarc=fail", "mx.exempelby.se; dmarc=pass"], AUTH_FAIL),
        (["mx.exempelby.se; dmarc=none", "mx.exempelby.se; dmarc=pass header.from=exempelby.se"], AUTH_NONE),
        (["other.example; dmarc=none", "mx.exempelby.se; dmarc=pass", "mx.exempelby.se; dmarc=fail"],
         AUTH_PASS),
    ],
)
def test_authentication_results(headers: list[str], verdict: str) -> None:
    assert authentication(headers, "mx.exempelby.se", "exempelby.se") == verdict


# --------------------------------------------------------------------------- structure_message


def config(**intake: object) -> Config:
    settings = Settings(
        intake=IntakeSettings(mailbox_address=MAILBOX, trusted_authserv_id="mx.exempelby.se", **intake)
    )  # type: ignore[arg-type]
    return Config(directory=Path("."), settings=settings, workplaces=WORKPLACES)


def mail(
    sender: str = "anna@exempelby.se",
    to: str = MAILBOX,
    extra: str = "",
    body: str = "1. Mötets öppnande\nAnna öppnade.\n",
) -> bytes:
    return (
        f"From: {sender}\nTo: {to}\nSubject: APT 2026-11-20\nDate: Fri, 20 Nov 2026 16:05:00 +0100\n"
        f"Message-ID: <m1@x>\n{extra}Content-Type: text/plain; charset=utf-8\n\n{body}"
    ).encode()


def test_accepted_outcome_is_filled() -> None:
    out = structure_message(mail(), config())
    assert out.accepted and out.workplace is NORR
    assert (out.sender_email, out.sender_known, out.automatic, out.message_id) == (
        "anna@exempelby.se",
        True,
        False,
        "<m1@x>",
    )
    assert out.subject == "APT 2026-11-20"
    # Unauthenticated: under the default "confirm" it waits, and only a confirm-request answers it.
    assert out.needs_confirmation and not out.may_reply
    assert out.output["sender"]["authenticated"] is False


def test_dmarc_fail_is_not_authenticated() -> None:
    out = structure_message(mail(extra="Authentication-Results: mx.exempelby.se; dmarc=fail\n"), config())
    assert out.output["error"]["code"] == "sender_not_authenticated"


def test_required_authentication() -> None:
    cfg = config(unauthenticated_sender="reject")
    assert structure_message(mail(), cfg).output["error"]["code"] == "sender_not_authenticated"
    ok = mail(extra="Authentication-Results: mx.exempelby.se; dmarc=pass header.from=exempelby.se\n")
    out = structure_message(ok, cfg)
    assert out.accepted and out.sender_authenticated


def test_note_takers_only() -> None:
    out = structure_message(mail(sender="karin@exempelby.se", to="apt+samverkan@exempelby.se"), config())
    assert out.output["error"]["code"] == "sender_not_allowed"
    # A known but unauthenticated sender hears of a rejection only under "accept".
    assert not out.may_reply
    accepting = structure_message(mail(sender="karin@exempelby.se", to="apt+samverkan@exempelby.se"),
                                  config(unauthenticated_sender="accept"))
    assert accepting.may_reply and not accepting.needs_confirmation
    passed = "Authentication-Results: mx.exempelby.se; dmarc=pass header.from=exempelby.se\n"
    authenticated = mail(sender="karin@exempelby.se", to="apt+samverkan@exempelby.se", extra=passed)
    assert structure_message(authenticated, config()).may_reply
    assert structure_message(
        mail(sender="tom@exempelby.se", to="apt+samverkan@exempelby.se"), config()
    ).accepted


def test_unknown_sender_gets_no_reply() -> None:
    out = structure_message(mail(sender="x@gmail.example"), config())
    assert out.output["error"]["code"] == "sender_not_allowed"
    assert not out.may_reply


def test_skip_sender_check_with_forced_workplace() -> None:
    out = structure_message(
        mail(sender="x@gmail.example"), config(), workplace_id="syd", skip_sender_check=True
    )
    assert out.accepted and out.output["meeting"]["workplace"] == "syd"


def test_too_large_and_malformed_and_no_minutes() -> None:
    assert (
        structure_message(mail(), config(max_message_bytes=100)).output["error"]["code"]
        == "message_too_large"
    )
    assert structure_message(b"", config()).output["error"]["code"] == "malformed_message"
    out = structure_message(mail(body="Hej, jag kommer inte idag.\n"), config())
    assert out.output["error"]["code"] == "no_minutes_found"
    assert out.output["error"]["message"]


def test_automatic_mail_is_never_answered() -> None:
    out = structure_message(mail(extra="Auto-Submitted: auto-replied\n"), config())
    assert out.automatic and not out.may_reply


@pytest.mark.parametrize(
    "values, expected, vouched",
    [
        (["Internal"], "X-MS-Exchange-Organization-AuthAs: Internal", True),
        (["Anonymous"], "X-MS-Exchange-Organization-AuthAs: Internal", False),
        ([], "X-MS-Exchange-Organization-AuthAs: Internal", False),
        (["Internal", "Internal"], "X-MS-Exchange-Organization-AuthAs: Internal", False),
        (["Internal"], "", False),
    ],
)
def test_trusted_internal_header(values: list[str], expected: str, vouched: bool) -> None:
    assert internal_vouched(values, expected) is vouched


def test_the_internal_header_vouches_only_with_exactly_its_value():
    from service.domain.routing import AUTH_FAIL, AUTH_NONE, AUTH_PASS, sender_verdict

    wanted = "X-MS-Exchange-Organization-AuthAs: Internal"

    def judge(*headers: tuple[str, str], internal: str = wanted) -> str:
        return sender_verdict(headers, trusted_authserv_id="mx.exempelby.se",
                              trusted_internal_header=internal, from_domain="exempelby.se")

    assert judge(("X-MS-Exchange-Organization-AuthAs", "Internal")) == AUTH_PASS
    assert judge(("X-MS-Exchange-Organization-AuthAs", "Anonymous")) == AUTH_NONE
    assert judge(("X-MS-Exchange-Organization-AuthAs", "Internal"), internal="") == AUTH_NONE
    # Two copies: one was added by someone else than the organisation's own system.
    assert judge(("X-MS-Exchange-Organization-AuthAs", "Internal"),
                 ("X-MS-Exchange-Organization-AuthAs", "Anonymous")) == AUTH_NONE
    # The MX's dmarc=fail is never overruled by the internal header.
    assert judge(("Authentication-Results", "mx.exempelby.se; dmarc=fail"),
                 ("X-MS-Exchange-Organization-AuthAs", "Internal")) == AUTH_FAIL
