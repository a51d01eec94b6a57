"""A fan-out's mails put together from shared bytes are the mails ``distribution`` composes in full."""

from __future__ import annotations

import json
import re
from email import message_from_bytes, policy

import pytest

from service.domain.changes import compare
from service.domain.workplace import Member
from service.mail.compose import DistributionBatch, distribution
from service.mail.transport import wire_bytes
from tests.unit.test_compose import FOLLOWUP, JUSTERING, MINUTES, PDF, SENDER, WORKPLACE

RECIPIENTS = (
    Member(name="Johan Ek", email="johan.ek@exempelby.se", role="employee"),
    Member(name="Åsa Öberg", email="asa.oberg@exempelby.se", role="employee"),
    Member(name="Ek, Johan", email="johan2@exempelby.se", role="employee"),
    Member(name='Kalle "Ankan" Anka', email="kalle@exempelby.se", role="employee"),
    Member(name="Mehmet Yılmaz-Åström von Längstanamnet Hemtjänstsson Ytterligare Efternamn",
           email="mehmet.yilmaz@exempelby.se", role="employee"),
    Member(name="Ola", email="ola@exempelbý.se", role="employee"),
    Member(name="Jörgen", email="jörgen@exempelby.se", role="employee"),
    Member(name="", email="ingen.namn@exempelby.se", role="employee"),
    Member(name="Sara  Lind ", email="Sara.Lind+apt@Exempelby.se", role="safety_rep"),
    Member(name="A" * 40, email="b" * 40 + "@exempelby.se", role="employee"),
)

LONG_LINES = {
    **MINUTES,
    "items": [{**MINUTES["items"][1], "decisions": ["Ett mycket långt beslut " * 8]}],
}
SHORT_LINES = {**MINUTES, "items": [], "unplanned": []}
ASCII_ONLY = {
    "meeting": {"date": None},
    "items": [{"number": 1, "title": "Info", "decisions": ["Inget nytt."], "actions": []}],
    "unplanned": [],
}
CORRECTED = {
    **MINUTES,
    "items": [MINUTES["items"][0], {**MINUTES["items"][1], "decisions": ["Lyftselar köps in."]}],
    "followup": FOLLOWUP,
    "justering": JUSTERING,
}


def _normalised(data: bytes) -> bytes:
    data = re.sub(rb"=_minnes_[0-9a-f]{24}", b"=_minnes_BOUNDARY", data)
    return re.sub(rb"\r\nDate: [^\r]*\r\n", b"\r\nDate: DATE\r\n", data)


@pytest.mark.parametrize("minutes", [MINUTES, LONG_LINES, SHORT_LINES, ASCII_ONLY, CORRECTED])
@pytest.mark.parametrize("version", [1, 3])
def test_batch_mails_are_byte_for_byte_the_composed_ones(minutes: dict, version: int) -> None:
    args = dict(
        minutes=minutes, workplace=WORKPLACE, pdf=PDF * 300, minutes_id=7, version=version,
        archive_url="https://minnes.exempelby.se/minutes/7", sender=SENDER,
        changes=json.dumps(compare(MINUTES, minutes)) if minutes is CORRECTED else None,
    )
    batch = DistributionBatch(**args)
    for member in RECIPIENTS * 2:  # the second round comes from the cached text parts
        ours = batch.wire(member)
        theirs = wire_bytes(distribution(recipient=member, **args))
        assert _normalised(ours) == _normalised(theirs), member


def test_batch_mail_parses_with_its_own_headers_and_the_pdf() -> None:
    batch = DistributionBatch(
        minutes=MINUTES, workplace=WORKPLACE, pdf=PDF, minutes_id=7, version=1,
        archive_url="https://minnes.exempelby.se/minutes/7", sender=SENDER,
    )
    member = RECIPIENTS[1]
    msg = message_from_bytes(batch.wire(member), policy=policy.default)
    assert msg["To"].addresses[0].addr_spec == member.email
    assert msg["Message-ID"] == batch.message_id(member)
    assert msg["Date"] is not None
    body = msg.get_body(("plain",)).get_content()
    assert body.startswith("Hej Åsa!")
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_content() == PDF
    assert batch.sender_address == "minnes@exempelby.se"


def test_a_corrected_batch_mail_opens_with_the_changes() -> None:
    batch = DistributionBatch(
        minutes=CORRECTED, workplace=WORKPLACE, pdf=PDF, minutes_id=8, version=2,
        archive_url="https://minnes.exempelby.se/minutes/8", sender=SENDER,
        changes=json.dumps(compare(MINUTES, CORRECTED)),
    )
    msg = message_from_bytes(batch.wire(RECIPIENTS[0]), policy=policy.default)
    assert msg["Subject"].endswith("(rättad version 2)")
    body = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert body.startswith("Hej Johan!\n\nRättad version 2 – det här har ändrats:\n- § 2 Arbetsmiljö")
    assert "ÖPPNA ÅTGÄRDER FRÅN TIDIGARE MÖTEN" in body
