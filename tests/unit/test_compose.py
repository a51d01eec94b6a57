"""Composition of outgoing mail: headers, Message-IDs, attachment and Swedish text."""

from __future__ import annotations

import copy
import dataclasses
import json
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from service.domain.changes import compare
from service.domain.workplace import AgendaEntry, Member, Workplace
from service.mail.compose import (
    ComposeError,
    delivery_report,
    distribution,
    distribution_message_id,
    explain_reason,
    receipt,
    rejection,
    sender_domain,
    swedish_date,
)

SENDER = "Minnes <minnes@exempelby.se>"
PDF = b"%PDF-1.7\n% signerad\n" + bytes(range(256)) + b"\n%%EOF\n"

MARIA = Member(name="Maria Lind", email="maria.lind@exempelby.se", role="manager")
KARIN = Member(name="Karin Berg", email="karin.berg@exempelby.se", role="safety_rep")
JOHAN = Member(name="Johan Ek", email="johan.ek@exempelby.se", role="employee")
WORKPLACE = Workplace(
    id="hemtjanst-norr",
    name="Hemtjänst Norr",
    kind="apt",
    members=(MARIA, KARIN, JOHAN),
    agenda=(AgendaEntry("Föregående minnesanteckningar"), AgendaEntry("Arbetsmiljö och hälsa")),
)

MINUTES = {
    "status": "accepted",
    "error": None,
    "meeting": {
        "workplace": "hemtjanst-norr",
        "workplace_name": "Hemtjänst Norr",
        "kind": "apt",
        "date": "2026-11-20",
        "start": "13:00",
        "end": "14:30",
        "location": "Personalrummet",
    },
    "sender": {"name": "Anna Svensson", "email": "anna.svensson@exempelby.se"},
    "items": [
        {"number": 1, "title": "Föregående minnesanteckningar", "heading": None, "text": "",
         "decisions": [], "actions": []},
        {
            "number": 2,
            "title": "Arbetsmiljö och hälsa",
            "heading": "2. AM",
            "text": "Karin informerade om skyddsronden.",
            "decisions": ["En riskbedömning av förflyttningar görs innan nya brukare tas emot."],
            "actions": [
                {"what": "Beställa glidlakan till alla bilar.", "owner": "Johan Ek", "due": "2026-12-15"}
            ],
        },
    ],
    "unplanned": [{"heading": "Julbord", "text": "", "decisions": ["Julbord hålls 12 december."],
                   "actions": [{"what": "Boka lokal.", "owner": None, "due": None}]}],
    "missing": [1],
    "warnings": [],
}


def _distribution(
    recipient: Member = JOHAN, version: int = 1, minutes: dict = MINUTES, changes: dict | str | None = None,
    workplace: Workplace = WORKPLACE,
) -> EmailMessage:
    return distribution(
        minutes=minutes, workplace=workplace, recipient=recipient, pdf=PDF, minutes_id=42,
        version=version, archive_url="https://minnes.exempelby.se/protokoll/42", sender=SENDER,
        changes=changes,
    )


def _reparse(msg: EmailMessage) -> EmailMessage:
    """Round-trip through bytes, as a receiving server would see it."""
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def test_distribution_goes_to_one_person_with_the_contract_headers() -> None:
    msg = _reparse(_distribution())
    assert msg["To"].addresses[0].addr_spec == "johan.ek@exempelby.se"
    assert len(msg["To"].addresses) == 1
    for absent in ("Cc", "Bcc"):
        assert msg[absent] is None
    assert msg["From"] == SENDER
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Minnes-Kind"] == "distribution"
    assert msg["Subject"] == "Minnesanteckningar Hemtjänst Norr 2026-11-20"
    assert msg["Date"] is not None


def test_distribution_serialises_as_7bit_ascii_with_encoded_headers() -> None:
    raw = _distribution().as_bytes()
    assert raw.isascii()
    assert b"\r\n" in raw  # SMTP policy: CRLF line ends
    assert b"=?utf-8?" in raw  # the subject's å is encoded


def test_distribution_attaches_the_pdf_unchanged() -> None:
    msg = _reparse(_distribution())
    attachments = list(msg.iter_attachments())
    assert len(attachments) == 1
    pdf = attachments[0]
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "minnesanteckningar-hemtjanst-norr-2026-11-20.pdf"
    assert pdf.get_content() == PDF


def test_distribution_message_id_is_deterministic_per_version_and_recipient() -> None:
    first, again = _distribution(), _distribution()
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"] == distribution_message_id(42, 1, "johan.ek@exempelby.se", "exempelby.se")
    assert first["Message-ID"].endswith("@exempelby.se>")
    assert _distribution(recipient=KARIN)["Message-ID"] != first["Message-ID"]
    assert _distribution(version=2)["Message-ID"] != first["Message-ID"]
    assert distribution_message_id(42, 1, " Johan.Ek@Exempelby.se ", "EXEMPELBY.SE") == first["Message-ID"]
    other = distribution_message_id(4, 21, "a@b.se", "x.se")
    assert other != distribution_message_id(42, 1, "a@b.se", "x.se")


def test_distribution_body_is_swedish_with_decisions_actions_and_link() -> None:
    body = _body(_reparse(_distribution()))
    assert body.startswith("Hej Johan!")
    assert "arbetsplatsträffen på Hemtjänst Norr den 20 november 2026" in body
    assert "En riskbedömning av förflyttningar görs innan nya brukare tas emot." in body
    assert "punkt 2, Arbetsmiljö och hälsa" in body
    assert "Julbord hålls 12 december. (Övriga frågor: Julbord)" in body
    assert "Beställa glidlakan till alla bilar." in body
    assert "Ansvarig: Johan Ek. Klart senast: 15 december 2026." in body
    assert "Ansvarig: inte angiven. Klart senast: inget datum angivet." in body
    assert "https://minnes.exempelby.se/protokoll/42" in body
    assert "Maria Lind" in body  # whom to ask
    assert "{{" not in body and "{%" not in body


def test_distribution_without_decisions_or_actions_says_so() -> None:
    bare = dict(MINUTES, items=[dict(i, decisions=[], actions=[]) for i in MINUTES["items"]], unplanned=[])
    body = _body(_reparse(_distribution(minutes=bare)))
    assert "Inga beslut fattades." in body
    assert "Inga åtgärder bestämdes." in body


def test_corrected_version_says_so_in_subject_body_and_file_name() -> None:
    msg = _reparse(_distribution(version=3))
    assert msg["Subject"] == "Minnesanteckningar Hemtjänst Norr 2026-11-20 (rättad version 3)"
    assert "rättad version (version 3)" in _body(msg)
    assert next(msg.iter_attachments()).get_filename().endswith("-v3.pdf")


def _corrected() -> dict:
    """MINUTES corrected: a decision added, the action given to Karin, Julbord's decision reworded."""
    fixed = copy.deepcopy(MINUTES)
    fixed["items"][1]["decisions"].append("Lyftselar köps in.")
    fixed["items"][1]["actions"][0]["owner"] = "Karin Berg"
    fixed["unplanned"][0]["decisions"] = ["Julbord hålls 13 december."]
    return fixed


def _text(msg: EmailMessage) -> str:
    """Return the body text with plain line ends."""
    return _body(_reparse(msg)).replace("\r\n", "\n")


def test_a_corrected_version_opens_with_what_changed() -> None:
    fixed = _corrected()
    stored = json.dumps(compare(MINUTES, fixed))  # as the minutes row keeps it
    paragraphs = _text(_distribution(version=2, minutes=fixed, changes=stored)).split("\n\n")
    assert paragraphs[1].splitlines() == [
        "Rättad version 2 – det här har ändrats:",
        "- § 2 Arbetsmiljö och hälsa: nytt beslut: ”Lyftselar köps in.”",
        "- § 2 Arbetsmiljö och hälsa: åtgärden ”Beställa glidlakan till alla bilar.” ändrad: "
        "ansvarig Johan Ek → Karin Berg",
        "- Övriga frågor: Julbord: beslutet ändrat: ”Julbord hålls 12 december.” → "
        "”Julbord hålls 13 december.”",
    ]
    assert paragraphs[2].startswith("Det här är en rättad version (version 2)")


def test_a_corrected_version_without_changes_in_content_says_so_and_many_are_cut_short() -> None:
    same = _text(_distribution(version=2, changes=compare(MINUTES, MINUTES)))
    assert "- Inget i innehållet har ändrats (text, beslut, åtgärder och närvaro är desamma)." in same
    fixed = copy.deepcopy(MINUTES)
    fixed["items"][1]["decisions"] = [f"Beslut nummer {n} om något helt eget {'x' * n}." for n in range(14)]
    many = _text(_distribution(version=2, minutes=fixed, changes=compare(MINUTES, fixed)))
    assert many.count("\n- § 2 Arbetsmiljö och hälsa:") == 10
    assert "- … och 5 ändringar till, se arkivet." in many
    # A version whose changes were never computed says only that it is corrected; a first version nothing.
    assert "ändrats" not in _text(_distribution(version=2, changes=""))
    assert "ändrats" not in _text(_distribution(version=1, changes=compare(MINUTES, fixed)))


FOLLOWUP = {
    "open": [
        {"what": "Byta lås i förrådet.", "owner": "Johan Ek", "due": "2026-10-30",
         "meeting_date": "2026-10-15", "overdue": True},
        {"what": "Boka utbildning.", "owner": None, "due": None,
         "meeting_date": "2026-10-15", "overdue": False},
    ],
    "closed": [{"what": "Köpa kaffebryggare.", "owner": "Anna Svensson", "meeting_date": "2026-09-10"}],
}
"""Actions of earlier meetings as the follow-up step leaves them in the minutes."""

JUSTERING = [
    {"name": "Karin Berg", "email": KARIN.email, "at": "2026-11-21T09:30:00"},
    {"name": "Maria Lind", "email": MARIA.email, "at": "2026-11-21T10:00:00"},
]
"""Who justerade, as the justering gate leaves it in the minutes."""


def test_earlier_meetings_actions_and_justering_when_the_minutes_hold_them() -> None:
    body = _text(_distribution(minutes=dict(MINUTES, followup=FOLLOWUP, justering=JUSTERING)))
    assert (
        "ÖPPNA ÅTGÄRDER FRÅN TIDIGARE MÖTEN\n"
        "- Byta lås i förrådet.\n"
        "  Ansvarig: Johan Ek. Klart senast: 30 oktober 2026 (försenad). Från mötet 15 oktober 2026.\n"
        "- Boka utbildning.\n"
        "  Ansvarig: inte angiven. Klart senast: inget datum angivet. Från mötet 15 oktober 2026.\n"
    ) in body
    assert (
        "KLARA ÅTGÄRDER FRÅN TIDIGARE MÖTEN\n"
        "- Köpa kaffebryggare. (Anna Svensson), från mötet 10 september 2026\n"
    ) in body
    assert "Anteckningarna är justerade av Karin Berg och Maria Lind." in body
    plain = _text(_distribution())
    assert "TIDIGARE MÖTEN" not in plain and "justerade" not in plain
    empty = _text(_distribution(minutes=dict(MINUTES, followup={"open": [], "closed": [{"owner": "x"}]})))
    assert "TIDIGARE MÖTEN" not in empty


def test_an_english_workplace_gets_the_changes_and_earlier_actions_in_english() -> None:
    english = dataclasses.replace(WORKPLACE, language="en")
    fixed = dict(_corrected(), followup=FOLLOWUP, justering=JUSTERING)
    body = _text(_distribution(version=2, minutes=fixed, changes=compare(MINUTES, fixed), workplace=english))
    assert (
        "Corrected version 2 – this is what changed:\n"
        "- 2. Arbetsmiljö och hälsa: new decision: “Lyftselar köps in.”\n"
    ) in body
    assert (
        "OPEN ACTIONS FROM EARLIER MEETINGS\n- Byta lås i förrådet.\n"
        "  Owner: Johan Ek. Due: 30 October 2026 (overdue). From the meeting on 15 October 2026.\n"
    ) in body
    assert "ACTIONS FROM EARLIER MEETINGS NOW DONE\n" in body
    assert "The minutes were approved by Karin Berg and Maria Lind." in body


def test_distribution_without_a_meeting_date() -> None:
    minutes = dict(MINUTES, meeting=dict(MINUTES["meeting"], date=None))
    msg = _reparse(_distribution(minutes=minutes))
    assert msg["Subject"] == "Minnesanteckningar Hemtjänst Norr"
    assert "None" not in _body(msg)


def test_receipt_threads_under_the_draft_and_uses_the_receipt_text() -> None:
    msg = _reparse(receipt(output=MINUTES, to="anna.svensson@exempelby.se", sender=SENDER,
                           in_reply_to="<draft-1@exempelby.se>", archive_url="https://a/42"))
    assert msg["X-Minnes-Kind"] == "receipt"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["In-Reply-To"] == "<draft-1@exempelby.se>"
    assert msg["References"] == "<draft-1@exempelby.se>"
    assert msg["To"] == "anna.svensson@exempelby.se"
    assert msg["Subject"].startswith("Kvitto")
    assert "https://a/42" in _body(msg)
    again = receipt(output=MINUTES, to="anna.svensson@exempelby.se", sender=SENDER,
                    in_reply_to="<draft-1@exempelby.se>")
    assert again["Message-ID"] == msg["Message-ID"]


def test_receipt_without_in_reply_to_has_no_threading_headers() -> None:
    msg = receipt(output=MINUTES, to="anna@exempelby.se", sender=SENDER)
    assert msg["In-Reply-To"] is None and msg["References"] is None
    assert msg["Message-ID"].endswith("@exempelby.se>")


def test_rejection_carries_the_reason_and_the_original_subject() -> None:
    output = {"status": "rejected", "error": {"code": "no_minutes_found",
                                              "message": "Vi hittade inga minnesanteckningar i meddelandet."}}
    msg = _reparse(rejection(output=output, to="anna@exempelby.se", sender=SENDER, subject="APT november",
                             in_reply_to="draft-2@exempelby.se"))
    assert msg["X-Minnes-Kind"] == "rejection"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert "APT november" in msg["Subject"]
    assert msg["In-Reply-To"] == "<draft-2@exempelby.se>"
    assert "Vi hittade inga minnesanteckningar i meddelandet." in _body(msg)


def test_delivery_report_names_everyone_unreached_and_why() -> None:
    unreached = [
        ("Sara Holm", "sara.holm@exempelby.se", "550 5.1.1 <sara.holm@exempelby.se>: User unknown"),
        ("Per Ås", "per.as@exempelby.se", "451 4.7.1 try again later"),
    ]
    msg = _reparse(delivery_report(minutes=MINUTES, workplace=WORKPLACE, to=MARIA, unreached=unreached,
                                   archive_url="https://a/42", sender=SENDER))
    assert msg["X-Minnes-Kind"] == "delivery-report"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["To"].addresses[0].addr_spec == "maria.lind@exempelby.se"
    assert "2 personer nåddes inte" in msg["Subject"]
    body = _body(msg)
    assert body.startswith("Hej Maria!")
    assert "Sara Holm <sara.holm@exempelby.se>" in body
    assert "adressen finns inte hos mottagarens e-postserver" in body
    assert "Per Ås <per.as@exempelby.se>" in body
    assert "tiden för försök gick ut" in body
    assert "550 5.1.1" in body
    assert "https://a/42" in body


def test_delivery_report_for_one_person() -> None:
    msg = delivery_report(minutes=MINUTES, workplace=WORKPLACE, to=KARIN,
                          unreached=[("Johan Ek", "johan.ek@exempelby.se", "brevlådan är full")],
                          archive_url="https://a/42", sender=SENDER)
    assert "en person nåddes inte" in str(msg["Subject"])
    assert "Se till att personen" in _body(msg)


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("550 5.1.1 User unknown", "adressen finns inte"),
        ("552 5.2.2 Mailbox full", "brevlåda är full"),
        ("554 5.7.1 Message rejected as spam", "spärr eller policy"),
        ("421 4.4.2 timeout", "tiden för försök gick ut"),
        ("550 nope", "vägrade ta emot"),
        ("", "okänd orsak"),
        ("studsade utan kod", "studsade utan kod"),
    ],
)
def test_explain_reason(reason: str, expected: str) -> None:
    assert expected in explain_reason(reason)


def test_helpers() -> None:
    assert swedish_date("2026-01-05") == "5 januari 2026"
    assert swedish_date(None) == ""
    assert sender_domain("Minnes <Minnes@Exempelby.SE>") == "exempelby.se"
    with pytest.raises(ComposeError):
        sender_domain("Minnes")


def test_swedish_workplace_mail_says_it_is_swedish() -> None:
    assert _distribution()["Content-Language"] == "sv"
    assert receipt(output=MINUTES, to="anna@exempelby.se", sender=SENDER)["Content-Language"] == "sv"
    english = receipt(output=MINUTES, to="anna@exempelby.se", sender=SENDER, language="en")
    assert english["Content-Language"] == "en" and english["Subject"].startswith("Receipt: minutes")
    assert explain_reason("550 5.1.1 User unknown") == "adressen finns inte hos mottagarens e-postserver"


def test_delivery_report_id_is_the_same_while_the_same_people_are_unreached() -> None:
    def report(unreached: list[tuple[str, str, str]]) -> EmailMessage:
        return delivery_report(minutes=MINUTES, workplace=WORKPLACE, to=MARIA, unreached=unreached,
                               archive_url="https://a/42", sender=SENDER)

    a = ("Sara Holm", "sara.holm@exempelby.se", "550 5.1.1 User unknown")
    b = ("Per Ås", "Per.As@exempelby.se", "451 4.7.1 try again later")
    first = report([a, b])["Message-ID"]
    assert first.startswith("<minnes.report.") and first.endswith("@exempelby.se>")
    assert report([b, a])["Message-ID"] == first  # order and case of the addresses do not matter
    assert report([a])["Message-ID"] != first


def test_a_bare_in_reply_to_is_threaded_in_angle_brackets() -> None:
    msg = rejection(output={"status": "rejected", "reason": "workplace_unknown"}, to="anna@exempelby.se",
                    sender=SENDER, subject="Protokoll", in_reply_to=" draft-2@exempelby.se ")
    assert msg["In-Reply-To"] == msg["References"] == "<draft-2@exempelby.se>"
    assert msg["Content-Language"] == "sv"


def test_an_internationalised_domain_is_written_in_idna_and_the_mail_stays_ascii() -> None:
    ola = Member(name="Ola", email="ola@exempelbý.se", role="employee")
    msg = _distribution(recipient=ola)
    assert msg["To"].addresses[0].domain == "xn--exempelb-n6a.se"
    assert msg.as_bytes().isascii()
