"""Recognising delivery status notifications and VERP return paths."""

from __future__ import annotations

from email.message import EmailMessage, Message
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from service.mail.bounces import (
    is_dsn,
    is_report,
    is_verp_address,
    parse_dsn,
    parse_dsns,
    verp_address,
    verp_delivery_id,
)

ORIGINAL_ID = "<minnes.42.1.0123456789abcdef0123@exempelby.se>"


def _original() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Minnes <minnes@exempelby.se>"
    msg["To"] = "Sara Holm <sara.holm@exempelby.se>"
    msg["Subject"] = "Minnesanteckningar Hemtjänst Norr 2026-11-20"
    msg["Message-ID"] = ORIGINAL_ID
    msg.set_content("Hej Sara!\n")
    return msg


def _block(**fields: str) -> Message:
    block = Message()
    for name, value in fields.items():
        block[name.replace("_", "-")] = value
    return block


def make_dsn(
    recipients: list[tuple[str, str, str, str]],
    *,
    to: str = "minnes@exempelby.se",
    original: str = "full",
) -> bytes:
    """Build a DSN with the stdlib: recipients are (address, action, status, diagnostic)."""
    dsn = MIMEMultipart("report", report_type="delivery-status")
    dsn["From"] = "MAILER-DAEMON@mx.exempelby.se (Mail Delivery System)"
    dsn["To"] = to
    dsn["Subject"] = "Undelivered Mail Returned to Sender"
    dsn["Auto-Submitted"] = "auto-replied"
    dsn.attach(MIMEText("This is the mail system at host mx.exempelby.se.\n\nI'm sorry to inform you...\n"))
    status = MIMEBase("message", "delivery-status")
    blocks = [_block(Reporting_MTA="dns; mx.exempelby.se", Arrival_Date="Fri, 20 Nov 2026 15:00:00 +0100")]
    for address, action, code, diagnostic in recipients:
        fields = {"Final_Recipient": f"rfc822; {address}", "Action": action, "Status": code}
        if diagnostic:
            fields["Diagnostic_Code"] = diagnostic
        blocks.append(_block(**fields))
    status.set_payload(blocks)
    dsn.attach(status)
    if original == "full":
        dsn.attach(MIMEMessage(_original()))
    elif original == "headers":
        headers = "".join(f"{k}: {v}\n" for k, v in _original().items())
        dsn.attach(MIMEText(headers, "rfc822-headers"))
    return dsn.as_bytes()


POSTFIX_DSN = b"""\
Return-Path: <>
Delivered-To: apt+bounce-17-{mac}@exempelby.se
From: MAILER-DAEMON@mx.exempelby.se (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: apt+bounce-17-{mac}@exempelby.se
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="B1"

--B1
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--B1
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.exempelby.se
X-Postfix-Queue-ID: 4ABC
Arrival-Date: Fri, 20 Nov 2026 15:00:00 +0100

Final-Recipient: rfc822; per.as@exempelby.se
Original-Recipient: rfc822;Per.As@Exempelby.se
Action: failed
Status: 5.2.2
Remote-MTA: dns; mail.exempelby.se
Diagnostic-Code: smtp; 552 5.2.2 <per.as@exempelby.se>: Mailbox full,
    quota exceeded

--B1
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Minnes <minnes@exempelby.se>
To: Per As <per.as@exempelby.se>
Message-ID: <minnes.42.1.aaaa@exempelby.se>
Subject: Minnesanteckningar

--B1--
"""


def test_failed_dsn_gives_message_id_recipient_status_and_diagnostic() -> None:
    raw = make_dsn([("sara.holm@exempelby.se", "failed", "5.1.1",
                     "smtp; 550 5.1.1 <sara.holm@exempelby.se>: Recipient address rejected: User unknown")])
    assert is_dsn(raw) and is_report(raw)
    bounce = parse_dsn(raw)
    assert bounce is not None
    assert bounce.message_id == ORIGINAL_ID
    assert bounce.recipient == "sara.holm@exempelby.se"
    assert bounce.status == "5.1.1"
    assert "User unknown" in bounce.diagnostic
    assert bounce.permanent
    assert bounce.reason.startswith("550 5.1.1")
    assert bounce.delivery_id is None


def test_headers_only_dsn_still_names_the_original() -> None:
    raw = make_dsn([("sara.holm@exempelby.se", "failed", "5.1.1", "")], original="headers")
    bounce = parse_dsn(raw)
    assert bounce is not None
    assert bounce.message_id == ORIGINAL_ID
    assert bounce.diagnostic == ""
    assert bounce.reason == "status 5.1.1"


def test_dsn_without_the_original_has_empty_message_id() -> None:
    bounce = parse_dsn(make_dsn([("a@exempelby.se", "failed", "5.0.0", "x")], original="none"))
    assert bounce is not None and bounce.message_id == ""


def test_delay_notification_is_a_dsn_but_not_permanent() -> None:
    raw = make_dsn([("sara.holm@exempelby.se", "delayed", "4.4.1", "smtp; 421 4.4.1 connection timed out")])
    bounce = parse_dsn(raw)
    assert bounce is not None
    assert bounce.action == "delayed" and not bounce.permanent


def test_the_failed_recipient_is_preferred_over_a_delayed_one() -> None:
    raw = make_dsn([
        ("a@exempelby.se", "delayed", "4.4.1", ""),
        ("b@exempelby.se", "failed", "5.1.1", "smtp; 550 no such user"),
    ])
    assert [b.recipient for b in parse_dsns(raw)] == ["a@exempelby.se", "b@exempelby.se"]
    bounce = parse_dsn(raw)
    assert bounce is not None and bounce.recipient == "b@exempelby.se"


def test_real_postfix_text_with_verp_and_original_recipient() -> None:
    secret = "hemligt"
    address = verp_address("Minnes <apt@exempelby.se>", 17, secret)
    mac = address.split("-")[-1].split("@")[0]
    raw = POSTFIX_DSN.replace(b"{mac}", mac.encode())
    bounce = parse_dsn(raw, verp_secret=secret)
    assert bounce is not None
    assert bounce.recipient == "per.as@exempelby.se"  # Original-Recipient, lower-cased
    assert bounce.status == "5.2.2"
    assert bounce.diagnostic == "smtp; 552 5.2.2 <per.as@exempelby.se>: Mailbox full, quota exceeded"
    assert bounce.message_id == "<minnes.42.1.aaaa@exempelby.se>"
    assert bounce.delivery_id == 17
    wrong = parse_dsn(raw, verp_secret="annat")
    assert wrong is not None and wrong.delivery_id is None


@pytest.mark.parametrize(
    "raw",
    [
        b"From: anna@exempelby.se\r\nSubject: APT\r\n\r\n1. Info\r\n",
        b"",
        b"\xff\xfe not mail at all",
    ],
)
def test_ordinary_or_broken_mail_is_no_dsn(raw: bytes) -> None:
    assert not is_dsn(raw)
    assert parse_dsn(raw) is None


def test_read_receipt_is_a_report_but_no_dsn() -> None:
    mdn = MIMEMultipart("report", report_type="disposition-notification")
    mdn.attach(MIMEText("Läst"))
    raw = mdn.as_bytes()
    assert is_report(raw)
    assert not is_dsn(raw)
    assert parse_dsn(raw) is None


def test_verp_round_trip_and_forgery() -> None:
    address = verp_address("apt@exempelby.se", 12345, "s3")
    assert address.startswith("apt+bounce-12345-") and address.endswith("@exempelby.se")
    assert len(address.split("@")[0]) <= 64
    assert is_verp_address(address)
    assert verp_delivery_id(address, "s3") == 12345
    assert verp_delivery_id(f"Minnes <{address}>", "s3") == 12345
    assert verp_delivery_id(address.upper(), "s3") == 12345
    assert verp_delivery_id(address, "other") is None
    assert verp_delivery_id(address.replace("12345", "12346"), "s3") is None
    assert verp_delivery_id("apt+hemtjanst-norr@exempelby.se", "s3") is None
    assert not is_verp_address("apt+hemtjanst-norr@exempelby.se")
    assert verp_address("apt+x@exempelby.se", 1) == verp_address("apt@exempelby.se", 1)
    with pytest.raises(ValueError):
        verp_address("Minnes", 1)


def test_a_bounce_reason_is_plain_text_without_links():
    from service.steps.bounce import plain_reason

    diagnostic = "smtp; 550 5.1.1 <b>User unknown</b> <peter@x.se> read https://evil.example/phish now "
    text = plain_reason("5.1.1", diagnostic + "x" * 400)
    assert text.startswith("5.1.1 smtp; 550 5.1.1") and "evil.example" not in text and "<b>" not in text
    assert "<peter@x.se>" in text and len(text) < 200
    assert plain_reason("javascript:alert(1)", "") == ""
