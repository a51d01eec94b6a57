"""SmtpTransport against a real aiosmtpd server with injected faults, and OutboxTransport on disk."""

from __future__ import annotations

import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from service.config import DeliverySettings, SmtpSettings
from service.mail.transport import (
    OutboxTransport,
    SendResult,
    SmtpSession,
    SmtpTransport,
    TransportError,
    make_transport,
)
from tests.support.smtp import SmtpSink

SENDER = "Minnes <minnes@exempelby.se>"


def _message(n: int, to: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = SENDER
    msg["To"] = to
    msg["Subject"] = f"Minnesanteckningar Hemtjänst Norr nr {n}"
    msg["Message-ID"] = f"<minnes.{n}.1.test@exempelby.se>"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Minnes-Kind"] = "distribution"
    msg.set_content(f"Hej! Här är anteckningarna, nummer {n}.\n.\nEn rad med bara en punkt ovan.\n")
    msg.add_attachment(b"%PDF-1.7\n" + bytes(range(256)), maintype="application", subtype="pdf",
                       filename="minnesanteckningar.pdf")
    return msg


def _smtp(sink: SmtpSink, **overrides) -> SmtpTransport:
    settings = SmtpSettings(host="127.0.0.1", port=sink.port, security="none", timeout=5.0)
    for key, value in overrides.items():
        settings = type(settings)(**{**settings.__dict__, key: value})
    return SmtpTransport(settings, "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- SMTP


def test_many_mails_over_one_connection(smtp_sink: SmtpSink) -> None:
    transport = _smtp(smtp_sink)
    addresses = [f"person{i}@exempelby.se" for i in range(40)]
    with transport.session() as session:
        results = [session.send(_message(i, a), a) for i, a in enumerate(addresses)]
        sock = session._conn.sock  # noqa: SLF001 - the socket option is the point of the test
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    assert all(r.outcome == "sent" for r in results), results
    assert all(r.answer.startswith("250 ") for r in results)
    received = smtp_sink.received
    assert smtp_sink.connections == 1
    assert {r.connection for r in received} == {1}
    assert [r.rcpt_tos for r in received] == [(a,) for a in addresses]
    assert all(r.mail_from == "minnes@exempelby.se" for r in received)
    first = received[0].message()
    assert first["Message-ID"] == "<minnes.0.1.test@exempelby.se>"
    assert first["Subject"] == "Minnesanteckningar Hemtjänst Norr nr 0"
    text = first.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    assert "\n.\n" in text  # a line with a lone dot survives dot-stuffing
    assert next(first.iter_attachments()).get_content().startswith(b"%PDF-1.7")


def test_envelope_from_overrides_the_from_address(smtp_sink: SmtpSink) -> None:
    with _smtp(smtp_sink).session() as session:
        result = session.send(_message(1, "a@exempelby.se"), "a@exempelby.se",
                              envelope_from="apt+bounce-1-0123456789@exempelby.se")
    assert result.sent
    received = smtp_sink.received[0]
    assert received.mail_from == "apt+bounce-1-0123456789@exempelby.se"
    assert received.message()["From"] == SENDER


def test_451_is_deferred_and_the_next_attempt_goes_through(smtp_sink: SmtpSink) -> None:
    smtp_sink.configure(defer={"b@exempelby.se": 2})
    with _smtp(smtp_sink).session() as session:
        first = session.send(_message(1, "b@exempelby.se"), "b@exempelby.se")
        other = session.send(_message(2, "c@exempelby.se"), "c@exempelby.se")
        second = session.send(_message(1, "b@exempelby.se"), "b@exempelby.se")
        third = session.send(_message(1, "b@exempelby.se"), "b@exempelby.se")
    assert first.outcome == "deferred" and first.answer.startswith("451 4.7.1")
    assert other.outcome == "sent"  # the refusal did not spoil the connection
    assert second.outcome == "deferred"
    assert third.outcome == "sent"
    assert smtp_sink.recipients() == ["c@exempelby.se", "b@exempelby.se"]
    assert smtp_sink.connections == 1


def test_550_is_failed_and_others_still_get_theirs(smtp_sink: SmtpSink) -> None:
    smtp_sink.configure(reject={"okand@exempelby.se"})
    with _smtp(smtp_sink).session() as session:
        results = {a: session.send(_message(i, a), a)
                   for i, a in enumerate(["a@exempelby.se", "okand@exempelby.se", "b@exempelby.se"])}
    assert results["okand@exempelby.se"].outcome == "failed"
    assert results["okand@exempelby.se"].answer.startswith("550 5.1.1")
    assert results["a@exempelby.se"].sent and results["b@exempelby.se"].sent
    assert smtp_sink.recipients() == ["a@exempelby.se", "b@exempelby.se"]
    assert smtp_sink.connections == 1


def test_421_on_connect_is_deferred_and_the_next_send_reconnects(smtp_sink: SmtpSink) -> None:
    smtp_sink.configure(refuse_connections=2)
    with _smtp(smtp_sink).session() as session:
        first = session.send(_message(1, "a@exempelby.se"), "a@exempelby.se")
        second = session.send(_message(2, "b@exempelby.se"), "b@exempelby.se")
        third = session.send(_message(3, "c@exempelby.se"), "c@exempelby.se")
        fourth = session.send(_message(4, "d@exempelby.se"), "d@exempelby.se")
    assert first.outcome == "deferred" and first.answer.startswith("421")
    assert second.outcome == "deferred"
    assert third.sent and fourth.sent
    assert smtp_sink.connections == 3
    assert smtp_sink.recipients() == ["c@exempelby.se", "d@exempelby.se"]


def test_connection_refused_is_deferred_not_raised() -> None:
    port = _free_port()
    transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=2.0))
    with transport.session() as session:
        result = session.send(_message(1, "a@exempelby.se"), "a@exempelby.se")
    assert result.outcome == "deferred"
    assert "tar inte emot anslutningar" in result.answer
    with pytest.raises(TransportError):
        transport.check()


def test_a_server_that_never_greets_costs_one_timeout_per_session() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # the kernel accepts connections; nobody ever says 220
        port = listener.getsockname()[1]
        transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=0.3))
        start = time.monotonic()
        with transport.session() as session:
            results = [session.send(_message(i, f"p{i}@x.se"), f"p{i}@x.se") for i in range(5)]
        elapsed = time.monotonic() - start
    assert all(r.outcome == "deferred" for r in results)
    assert "svarade inte i tid" in results[0].answer
    assert elapsed < 1.5


def test_a_dropped_connection_is_reopened_transparently(smtp_sink: SmtpSink) -> None:
    with _smtp(smtp_sink).session() as session:
        before = [session.send(_message(i, f"p{i}@exempelby.se"), f"p{i}@exempelby.se") for i in range(3)]
        assert smtp_sink.disconnect_all() == 1
        time.sleep(0.05)
        after = [session.send(_message(i, f"p{i}@exempelby.se"), f"p{i}@exempelby.se") for i in range(3, 6)]
    assert all(r.sent for r in before + after), before + after
    assert smtp_sink.connections == 2
    assert smtp_sink.recipients() == [f"p{i}@exempelby.se" for i in range(6)]


def test_421_at_mail_on_a_reused_connection_is_retried_on_a_new_one(smtp_sink: SmtpSink) -> None:
    with _smtp(smtp_sink).session() as session:
        assert session.send(_message(1, "a@exempelby.se"), "a@exempelby.se").sent
        smtp_sink.configure(shut_on_mail=1)
        result = session.send(_message(2, "b@exempelby.se"), "b@exempelby.se")
    assert result.sent, result
    assert smtp_sink.recipients() == ["a@exempelby.se", "b@exempelby.se"]
    assert smtp_sink.connections == 2


def test_421_at_mail_on_a_fresh_connection_is_deferred(smtp_sink: SmtpSink) -> None:
    smtp_sink.configure(shut_on_mail=1)
    with _smtp(smtp_sink).session() as session:
        first = session.send(_message(1, "a@exempelby.se"), "a@exempelby.se")
        second = session.send(_message(1, "a@exempelby.se"), "a@exempelby.se")
    assert first.outcome == "deferred" and "421" in first.answer
    assert second.sent
    assert smtp_sink.recipients() == ["a@exempelby.se"]


def test_bcc_never_leaks_and_the_message_is_left_alone(smtp_sink: SmtpSink) -> None:
    msg = _message(1, "a@exempelby.se")
    msg["Bcc"] = "hemlig@exempelby.se"
    with _smtp(smtp_sink).session() as session:
        assert session.send(msg, "a@exempelby.se").sent
    assert b"hemlig" not in smtp_sink.received[0].data
    assert msg["Bcc"] == "hemlig@exempelby.se"


def test_server_closing_after_every_few_messages_loses_nothing(smtp_sink: SmtpSink) -> None:
    smtp_sink.configure(drop_after=4)
    addresses = [f"p{i}@exempelby.se" for i in range(13)]
    with _smtp(smtp_sink).session() as session:
        results = [session.send(_message(i, a), a) for i, a in enumerate(addresses)]
    assert all(r.sent for r in results), results
    assert smtp_sink.recipients() == addresses
    assert smtp_sink.connections == 4


def test_slow_data_beyond_the_timeout_is_deferred(smtp_sink: SmtpSink) -> None:
    smtp_sink.configure(data_delay=1.5)
    with _smtp(smtp_sink, timeout=0.5).session() as session:
        result = session.send(_message(1, "a@exempelby.se"), "a@exempelby.se")
        assert result.outcome == "deferred"
        smtp_sink.configure(data_delay=0.0)
        again = session.send(_message(2, "b@exempelby.se"), "b@exempelby.se")
    assert again.sent
    assert "b@exempelby.se" in smtp_sink.recipients()


def test_a_send_past_its_deadline_is_cut_off_and_deferred(smtp_sink: SmtpSink) -> None:
    """Each read is within the timeout, yet the send as a whole must end before its claim goes stale."""
    smtp_sink.configure(data_delay=3.0)
    settings = SmtpSettings(host="127.0.0.1", port=smtp_sink.port, security="none", timeout=5.0)
    session = SmtpSession(settings, "", None, deadline=1.0)
    try:
        started = time.monotonic()
        result = session.send(_message(1, "a@exempelby.se"), "a@exempelby.se")
        took = time.monotonic() - started
        assert result.outcome == "deferred"
        assert "blev inte klar inom 1 s" in result.answer
        assert took < 4.0  # cut at the deadline, not at the 5 s read timeout
        smtp_sink.configure(data_delay=0.0)
        again = session.send(_message(2, "b@exempelby.se"), "b@exempelby.se")
    finally:
        session.close()
    assert again.sent
    assert smtp_sink.connections == 2  # the cut connection was not used again


def test_slow_data_within_the_timeout_is_sent(smtp_sink: SmtpSink) -> None:
    smtp_sink.configure(data_delay=0.2)
    with _smtp(smtp_sink).session() as session:
        assert session.send(_message(1, "a@exempelby.se"), "a@exempelby.se").sent


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login(security: str) -> None:
    with SmtpSink(tls=security, users={"minnes": "lösen"}) as sink:
        settings = SmtpSettings(host="localhost", port=sink.port, security=security, username="minnes",
                                timeout=5.0)
        good = SmtpTransport(settings, "lösen", ssl_context=sink.client_context)
        with good.session() as session:
            results = [session.send(_message(i, f"p{i}@x.se"), f"p{i}@x.se") for i in range(3)]
            assert session._conn.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0  # noqa: SLF001
        assert all(r.sent for r in results), results
        assert sink.connections == 1
        bad = SmtpTransport(settings, "fel", ssl_context=sink.client_context)
        with bad.session() as session:
            refused = session.send(_message(9, "x@exempelby.se"), "x@exempelby.se")
        assert refused.outcome == "deferred"
        assert "inloggningen" in refused.answer
        untrusted = SmtpTransport(settings, "lösen")  # default context: the throwaway cert is unknown
        with untrusted.session() as session:
            tls_fail = session.send(_message(9, "x@exempelby.se"), "x@exempelby.se")
        assert tls_fail.outcome == "deferred"
        assert len(sink.received) == 3


# --------------------------------------------------------------------------- outbox


def test_outbox_writes_one_file_per_message_and_recipient(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    transport = OutboxTransport(outbox)
    with transport.session() as session:
        a = session.send(_message(1, "a@exempelby.se"), "a@exempelby.se")
        b = session.send(_message(1, "b@exempelby.se"), "b@exempelby.se")
        again = session.send(_message(1, "a@exempelby.se"), "a@exempelby.se")
    assert a.sent and b.sent and again.sent
    files = sorted(outbox.glob("*.eml"))
    assert len(files) == 2  # the re-send overwrote its file
    assert not [p for p in outbox.iterdir() if not p.name.endswith(".eml")]  # no temp files left
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Delivered-To"] in ("a@exempelby.se", "b@exempelby.se")
    assert parsed["Return-Path"] == "<minnes@exempelby.se>"
    assert parsed["X-Minnes-Kind"] == "distribution"
    assert parsed["Message-ID"] == "<minnes.1.1.test@exempelby.se>"


def test_outbox_that_cannot_be_written_defers(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with OutboxTransport(blocker / "outbox").session() as session:
        result = session.send(_message(1, "a@exempelby.se"), "a@exempelby.se")
    assert result == SendResult("deferred", result.answer)
    assert "utkorgen" in result.answer


def test_make_transport_follows_the_settings(tmp_path: Path) -> None:
    outbox = make_transport(DeliverySettings(method="outbox", outbox=tmp_path / "o"))
    assert isinstance(outbox, OutboxTransport) and outbox.folder == tmp_path / "o"
    smtp = make_transport(DeliverySettings(method="smtp", smtp=SmtpSettings(host="mx", port=25)), "pw")
    assert isinstance(smtp, SmtpTransport) and smtp.settings.host == "mx" and smtp.password == "pw"
    with pytest.raises(TransportError):
        make_transport(DeliverySettings(method="pigeon"))
