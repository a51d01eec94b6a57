"""A composed fan-out through SmtpTransport to a real SMTP server: one mail each, PDF intact, ids stable."""

from __future__ import annotations

from pathlib import Path

from service.config import SmtpSettings
from service.domain.workplace import Member, Workplace
from service.mail.bounces import verp_address, verp_delivery_id
from service.mail.compose import delivery_report, distribution, distribution_message_id
from service.mail.transport import OutboxTransport, SmtpTransport
from tests.support.minutes import sample_minutes
from tests.support.smtp import SmtpSink

SENDER = "Minnes <minnes@exempelby.se>"
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 200 + b"\n.\n..\n%%EOF\n"
MEMBERS = tuple(
    Member(name=name, email=f"{name.lower().replace(' ', '.').replace('å', 'a')}@exempelby.se", role=role)
    for name, role in [("Maria Lind", "manager"), ("Karin Berg", "safety_rep"), ("Johan Ek", "employee"),
                       ("Sara Holm", "employee"), ("Per Ås", "employee")]
)
WORKPLACE = Workplace(id="hemtjanst-norr", name="Hemtjänst Norr", kind="apt", members=MEMBERS)
MINUTES = sample_minutes()


def _compose(member: Member) -> object:
    return distribution(minutes=MINUTES, workplace=WORKPLACE, recipient=member, pdf=PDF, minutes_id=9,
                        version=1, archive_url="https://minnes.exempelby.se/protokoll/9", sender=SENDER)


def test_fanout_reaches_each_member_once_with_the_pdf_intact(smtp_sink: SmtpSink) -> None:
    smtp_sink.configure(reject={"sara.holm@exempelby.se"})
    transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=smtp_sink.port, security="none"))
    results = {}
    with transport.session() as session:
        for n, member in enumerate(MEMBERS, start=1):
            results[member.email] = session.send(
                _compose(member), member.email, envelope_from=verp_address("apt@exempelby.se", n, "s")
            )
    assert results["sara.holm@exempelby.se"].outcome == "failed"
    reached = [m for m in MEMBERS if m.email != "sara.holm@exempelby.se"]
    assert all(results[m.email].sent for m in reached)
    assert smtp_sink.connections == 1
    assert sorted(smtp_sink.recipients()) == sorted(m.email for m in reached)
    for received in smtp_sink.received:
        (rcpt,) = received.rcpt_tos
        msg = received.message()
        assert [a.addr_spec for a in msg["To"].addresses] == [rcpt]
        assert msg["Message-ID"] == distribution_message_id(9, 1, rcpt, "exempelby.se")
        assert msg["X-Minnes-Kind"] == "distribution"
        assert next(msg.iter_attachments()).get_content() == PDF
        assert verp_delivery_id(received.mail_from, "s") is not None

    report = delivery_report(
        minutes=MINUTES, workplace=WORKPLACE, to=MEMBERS[0],
        unreached=[("Sara Holm", "sara.holm@exempelby.se", results["sara.holm@exempelby.se"].answer)],
        archive_url="https://minnes.exempelby.se/protokoll/9", sender=SENDER,
    )
    with transport.session() as session:
        assert session.send(report, MEMBERS[0].email).sent
    body = smtp_sink.messages_to(MEMBERS[0].email)[-1].get_body(preferencelist=("plain",)).get_content()
    assert "Sara Holm <sara.holm@exempelby.se>" in body
    assert "adressen finns inte" in body


def test_a_resent_fanout_repeats_the_message_ids_and_outbox_files(tmp_path: Path) -> None:
    transport = OutboxTransport(tmp_path / "outbox")
    for _ in range(2):  # a worker killed mid-fan-out sends again; the ids and files repeat
        with transport.session() as session:
            for member in MEMBERS:
                assert session.send(_compose(member), member.email).sent
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == len(MEMBERS)


def test_international_addresses(smtp_sink: SmtpSink) -> None:
    people = [Member(name="Per Ås", email="per.ås@exempelby.se"), Member(name="Eva Ek", email="eva@bäck.se")]
    transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=smtp_sink.port, security="none"))
    with transport.session() as session:
        results = [session.send(_compose(m), m.email) for m in people]
    assert all(r.sent for r in results), results
    assert smtp_sink.recipients() == ["per.ås@exempelby.se", "eva@xn--bck-qla.se"]
    first, second = (r.message() for r in smtp_sink.received)
    assert first["To"].addresses[0].addr_spec == "per.ås@exempelby.se"  # SMTPUTF8, UTF-8 header
    assert second["To"].addresses[0].addr_spec == "eva@xn--bck-qla.se"  # IDNA, plain ASCII
    assert smtp_sink.received[1].data.isascii()
