"""A workplace with ``language = "en"`` reads everything Minnes writes in English: mails, PDF, pages."""

from __future__ import annotations

import io
import json
import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pikepdf
import pytest
from pdfminer.high_level import extract_text

from service.domain.workplace import AgendaEntry, Member, Workplace
from service.mail.compose import DistributionBatch, delivery_report, distribution, explain_reason, receipt
from service.mail.transport import wire_bytes
from service.pdf.render import render_minutes
from service.pdf.stamp import local_time, render_stamp_pdf

SENDER = "Minnes <minnes@norrvik.se>"
PDF_BYTES = b"%PDF-1.7\n% signed\n%%EOF\n"
SHARED = Path(__file__).resolve().parents[3] / "shared"

PRIYA = Member("Priya Raman", "priya.raman@norrvik.se", "manager")
LUKAS = Member("Lukas Becker", "lukas.becker@norrvik.se", "safety_rep")
TOMASZ = Member("Tomasz Nowak", "tomasz.nowak@norrvik.se")
AGENDA = (
    "Opening of the meeting", "Work environment and health", "Budget", "Any other business", "Next meeting",
)
TEAM = Workplace(
    id="digital-services", name="Digital Services", kind="apt", organisation="Norrvik Municipality",
    members=(PRIYA, LUKAS, TOMASZ), agenda=tuple(AgendaEntry(t) for t in AGENDA), language="en",
)

MINUTES = {
    "status": "accepted",
    "error": None,
    "meeting": {"workplace": "digital-services", "workplace_name": "Digital Services", "kind": "apt",
                "date": "2027-03-09", "start": "10:00", "end": "11:00", "location": "Room 3.14"},
    "sender": {"name": "Sara Lindström", "email": "sara.lindstrom@norrvik.se", "authenticated": True},
    "roles": {"chair": "Priya Raman", "note_taker": "Sara Lindström", "adjusters": ["Tomasz Nowak"],
              "safety_reps": []},
    "attendance": {"present": ["Priya Raman", "Lukas Becker", "Sara Lindström"], "absent": ["Chen Wei"]},
    "items": [
        {"number": 1, "title": AGENDA[0], "heading": "1. Opening", "text": "Priya opened the meeting.",
         "decisions": [], "actions": []},
        {"number": 2, "title": AGENDA[1], "heading": "2. Work environment", "text": "Noise in the office.",
         "decisions": ["Two rooms become quiet rooms."],
         "actions": [{"what": "Order acoustic panels.", "owner": "Priya Raman", "due": "2027-03-12"}]},
        {"number": 3, "title": AGENDA[2], "heading": None, "text": "", "decisions": [], "actions": []},
        {"number": 4, "title": AGENDA[3], "heading": None, "text": "", "decisions": [], "actions": []},
        {"number": 5, "title": AGENDA[4], "heading": "5. Next meeting", "text": "6 April.", "decisions": [],
         "actions": []},
    ],
    "unplanned": [{"heading": "Team lunch", "text": "Moved to Thursday.", "decisions": [],
                   "actions": [{"what": "Book a table.", "owner": None, "due": None}]}],
    "missing": [3, 4],
    "warnings": [{"code": "attendance_placeholder", "message": "The attendance list was not in the draft."}],
    "privacy": [],
}

SWEDISH_WORDS = ("Minnesanteckningar", "Beslut", "Åtgärd", "Ansvarig", "Närvarande", "Frånvarande",
                 "punkt", "Punkt", "Övriga frågor", "Hej", "senast", "mars", "sida", "Datum", "Plats")


def _parsed(msg: EmailMessage) -> EmailMessage:
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content().replace("\r\n", "\n")


def _no_swedish(text: str) -> None:
    for word in SWEDISH_WORDS:
        assert not re.search(rf"\b{word}\b", text), word


# --------------------------------------------------------------------------- mail


def test_distribution_is_in_english() -> None:
    msg = _parsed(distribution(minutes=MINUTES, workplace=TEAM, recipient=TOMASZ, pdf=PDF_BYTES, minutes_id=9,
                               version=1, archive_url="https://minnes.norrvik.se/minutes/9", sender=SENDER))
    assert msg["Subject"] == "Minutes Digital Services 2027-03-09"
    assert msg["Content-Language"] == "en"
    assert next(msg.iter_attachments()).get_filename() == "minutes-digital-services-2027-03-09.pdf"
    body = _body(msg)
    assert body.startswith("Hello Tomasz,\n")
    assert "Here are the minutes of the workplace meeting of Digital Services on 9 March 2027." in body
    assert "- Two rooms become quiet rooms. (item 2, Work environment and health)" in body
    assert "- Order acoustic panels.\n  Owner: Priya Raman. Due: 12 March 2027." in body
    assert "- Book a table.\n  Owner: not given. Due: no date given." in body
    assert "Questions about the content go to Priya Raman." in body
    _no_swedish(body)


def test_corrected_distribution_and_a_fan_out_batch_are_in_english() -> None:
    args = dict(minutes=MINUTES, workplace=TEAM, pdf=PDF_BYTES, minutes_id=9, version=2,
                archive_url="https://a/9", sender=SENDER)
    msg = _parsed(distribution(recipient=TOMASZ, **args))
    assert msg["Subject"] == "Minutes Digital Services 2027-03-09 (corrected version 2)"
    assert "This is a corrected version (version 2) of the minutes" in _body(msg)
    batch = message_from_bytes(DistributionBatch(**args).wire(TOMASZ), policy=policy.default)
    assert batch.get_body(("plain",)).get_content().replace("\r\n", "\n") == _body(msg)
    assert wire_bytes(distribution(recipient=TOMASZ, **args)).count(b"Content-Language: en") == 1


def test_receipt_mail_is_in_english() -> None:
    msg = _parsed(receipt(output=MINUTES, to="sara.lindstrom@norrvik.se", sender=SENDER, language="en",
                          in_reply_to="<d@norrvik.se>", archive_url="https://a/9"))
    assert msg["Subject"] == "Receipt: minutes Digital Services 2027-03-09"
    assert msg["Content-Language"] == "en"
    body = _body(msg)
    assert "Thank you! Minnes has received the minutes of the workplace meeting of Digital Services" in body
    assert "- The attendance list was not in the draft." in body
    assert "– 3. Budget: not covered" in body and "Items 3, 4 have no notes." in body
    _no_swedish(body)


def test_delivery_report_is_in_english() -> None:
    unreached = [("Chen Wei", "chen.wei@norrvik.se", "550 5.1.1 User unknown")]
    msg = _parsed(delivery_report(minutes=MINUTES, workplace=TEAM, to=PRIYA, unreached=unreached,
                                  archive_url="https://a/9", sender=SENDER))
    assert msg["Subject"] == "Delivery report: Minutes Digital Services 2027-03-09 – one person not reached"
    body = _body(msg)
    assert body.startswith("Hello Priya,\n")
    assert "The minutes of the workplace meeting of Digital Services on 9 March 2027 have been sent" in body
    assert "Reason: the address does not exist on the recipient's mail server" in body
    assert "The server's answer: 550 5.1.1 User unknown" in body
    assert "make sure this person can read the minutes" in body
    _no_swedish(body)
    two = _parsed(delivery_report(minutes=MINUTES, workplace=TEAM, to=PRIYA, unreached=unreached * 2,
                                  archive_url="https://a/9", sender=SENDER))
    assert "2 people not reached" in two["Subject"]


@pytest.mark.parametrize(("reason", "expected"), [
    ("552 5.2.2 Mailbox full", "mailbox is full"),
    ("554 5.7.1 spam", "a block or a policy"),
    ("421 4.4.2 timeout", "the time for retrying ran out"),
    ("", "unknown reason"),
])
def test_explain_reason_in_english(reason: str, expected: str) -> None:
    assert expected in explain_reason(reason, "en")


# --------------------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def pdf_text() -> str:
    pdf = render_minutes(MINUTES, TEAM, archive_url="https://minnes.norrvik.se/minutes/9", version=2)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert str(doc.Root.Lang) == "en-GB"
        assert str(doc.docinfo.Title) == "Minutes Digital Services 2027-03-09"
    return " ".join(extract_text(io.BytesIO(pdf)).split())


def test_pdf_labels_headings_and_dates_are_english(pdf_text: str) -> None:
    for expected in (  # the text comes out column by column: labels apart from their values
        "Minutes of the workplace meeting of Digital Services on 9 March 2027", "Date", "Time", "Place",
        "9 March 2027", "10:00–11:00", "Organisation", "Version", "2 (replaces the earlier version)",
        "Attendance and roles", "Present", "Absent", "Chair", "Note-taker", "Approvers", "Tomasz Nowak",
        "Safety representative", "Lukas Becker", "2. Work environment and health", "Decisions",
        "Two rooms become quiet rooms.", "Action", "Owner", "Due", "12 March 2027", "3. Budget Not covered.",
        "4. Any other business Team lunch", "Summary of actions", "Item", "Any other business: Team lunch",
        "Not given", "Electronic signature", "Digital Services – minutes 9 March 2027", "page 1 of 2",
    ):
        assert expected in pdf_text, expected
    _no_swedish(pdf_text)


def test_pdf_places_unplanned_sections_under_an_english_aob_item() -> None:
    minutes = json.loads(json.dumps(MINUTES))
    minutes["items"][3]["title"] = "AOB"
    text = " ".join(extract_text(io.BytesIO(render_minutes(minutes, TEAM))).split())
    assert "4. AOB Team lunch" in text and "Any other business: Team lunch" in text
    assert text.count("Any other business") == 1  # no extra section


def test_signature_block_can_be_drawn_in_english() -> None:
    stamp = render_stamp_pdf(340, 70, signer="Norrvik Municipality – Minnes", when="9 March 2027, 14:31",
                             verify_url="https://minnes.norrvik.se/verify", language="en")
    text = " ".join(extract_text(io.BytesIO(stamp)).split())
    assert "Electronically signed by" in text and "Time: 9 March 2027, 14:31" in text
    assert "Check authenticity: https://minnes.norrvik.se/verify" in text
    assert local_time("2027-03-09T13:31:00+0000", "en") == "9 March 2027, 14:31"
    assert local_time("2027-03-09T13:31:00+0000") == "2027-03-09 kl. 14:31"


# --------------------------------------------------------------------------- rejections


@pytest.fixture(scope="module")
def corpus2_config():  # noqa: ANN201
    from service.config import load_config

    return load_config(SHARED / "corpus2" / "config")


def _draft(sender: str, to: str, body: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: Staff meeting\r\nDate: Tue, 09 Mar 2027 12:00:00 +0100\r\n"
        f"Message-ID: <x1@norrvik.se>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def test_rejections_of_an_english_workplace_are_in_english(corpus2_config) -> None:  # noqa: ANN001
    from service.structuring import structure_message

    stranger = structure_message(_draft("eve@example.org", "apt+digital-enheten@norrvik.se", "1. Opening"),
                                 corpus2_config)
    assert stranger.output["error"]["code"] == "sender_not_allowed"
    assert stranger.output["error"]["message"].startswith("The address eve@example.org may not send minutes")
    empty = structure_message(_draft("sara.lindstrom@norrvik.se", "apt@norrvik.se", "Hi all"), corpus2_config,
                              workplace_id="digital-enheten", skip_sender_check=True)
    assert empty.output["error"]["code"] == "no_minutes_found"
    assert empty.output["error"]["message"].startswith("No minutes were found in the message.")


def test_rejections_without_a_workplace_and_of_swedish_workplaces_stay_swedish(corpus2_config) -> None:  # noqa: ANN001
    from service.structuring import structure_message

    unknown = structure_message(_draft("eve@example.org", "apt@norrvik.se", "1. Opening"), corpus2_config)
    assert unknown.workplace is None
    swedish_starts = ("Det gick inte att avgöra", "Adressen eve@example.org")
    assert unknown.output["error"]["message"].startswith(swedish_starts)
    swedish = next(w for w in corpus2_config.workplaces.values() if w.language == "sv")
    empty = structure_message(_draft("x@norrvik.se", "apt@norrvik.se", "Hej"), corpus2_config,
                              workplace_id=swedish.id, skip_sender_check=True)
    assert empty.output["error"]["message"].startswith("Inga minnesanteckningar hittades")


# --------------------------------------------------------------------------- web


@pytest.fixture
def web(tmp_path: Path):  # noqa: ANN201
    from service.archive.db import Inbound, MinutesRow
    from service.bootstrap import Services
    from service.config import load_config
    from service.web import create_app
    from tests.support.configs import write_config

    folder = write_config(tmp_path / "config")
    wp_dir = SHARED / "corpus2" / "config" / "workplaces"
    for suffix in (".toml", ".csv"):
        (folder / "workplaces" / f"digital-enheten{suffix}").write_bytes(
            (wp_dir / f"digital-enheten{suffix}").read_bytes())
    config = load_config(folder)
    services = Services(config, queue=False)
    minutes = dict(MINUTES, meeting=dict(MINUTES["meeting"], workplace="digital-enheten"))
    with services.db.session() as s:
        for n, wp_id in enumerate(("digital-enheten", "hemtjanst-norr")):
            inbound = Inbound(sha256=f"{n}" * 64, size=1, source="test")
            s.add(inbound)
            s.flush()
            s.add(MinutesRow(inbound_id=inbound.id, workplace_id=wp_id, meeting_date="2027-03-09",
                             data=json.dumps(minutes, ensure_ascii=False), search_text="",
                             state="distributed"))
    app = create_app(config, services)
    app.testing = True
    from tests.support.web import client_as

    yield client_as(app)
    services.close()


def test_an_english_workplace_s_pages_are_english(web) -> None:  # noqa: ANN001
    listing = web.get("/workplace/digital-enheten").get_data(as_text=True)
    assert '<html lang="en">' in listing and "9 March 2027" in listing and "Workplace meeting" in listing
    page = web.get("/minutes/1").get_data(as_text=True)
    assert '<html lang="en">' in page
    for expected in ("Attendance and roles", "Present", "9 March 2027", "2. Work environment and health",
                     "Not covered.", "Summary of actions", "<th>Owner</th>", "Decisions"):
        assert expected in page, expected
    assert page.index("4. Any other business") < page.index("Team lunch")
    assert "Närvaro och roller" not in page and "§" not in page


def test_the_reader_s_choice_wins_and_other_pages_stay_swedish(web) -> None:  # noqa: ANN001
    assert '<html lang="sv">' in web.get("/").get_data(as_text=True)
    assert "Närvaro och roller" in web.get("/minutes/2").get_data(as_text=True)
    assert "Närvaro och roller" in web.get("/minutes/1?lang=sv").get_data(as_text=True)
    assert "Närvaro och roller" in web.get("/minutes/1").get_data(as_text=True), "the choice is kept"
    assert "Attendance and roles" in web.get("/minutes/2?lang=en").get_data(as_text=True)

