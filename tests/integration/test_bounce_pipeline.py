"""A delivery status notification marks its recipient failed and reaches manager and skyddsombud."""

from __future__ import annotations

from sqlalchemy import select

from service.archive.db import Delivery, Inbound
from service.bootstrap import Services
from tests.integration.test_pipeline import drain, kinds
from tests.support.configs import make_config
from tests.support.drafts import authenticated, corpus_draft


def dsn(message_id: str, recipient: str, action: str = "failed", status: str = "5.1.1") -> bytes:
    """Return a multipart/report delivery status notification as a relay sends it."""
    return f"""From: MAILER-DAEMON@mx.exempelby.se
To: apt@exempelby.se
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-{action}-{recipient}@mx.exempelby.se>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

Meddelandet kunde inte levereras.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.exempelby.se

Final-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; 550 {status} User unknown

--b
Content-Type: text/rfc822-headers

Message-ID: {message_id}
Subject: Minnesanteckningar

--b--
""".replace("\n", "\r\n").encode()


def test_bounce_marks_the_recipient_failed_and_reports_it(tmp_path, redis_server, smtp_sink, database_url):
    config = make_config(
        tmp_path / "config", redis_url=redis_server.url, smtp_port=smtp_sink.port, database_url=database_url
    )
    with Services(config) as services:
        services.pipeline.accept(authenticated(corpus_draft("d01-plain-numbered")), source="test")
        drain(services, redis_server.url)
        with services.db.session() as s:
            target = s.scalar(select(Delivery).where(Delivery.email == "peter.ost@exempelby.se"))
        assert target.state == "sent"
        smtp_sink.clear()

        delayed = services.pipeline.accept(
            dsn(target.message_id, target.email, "delayed", "4.4.1"), source="test"
        )
        failed = services.pipeline.accept(dsn(target.message_id, target.email), source="test")
        drain(services, redis_server.url)

        with services.db.session() as s:
            row = s.get(Delivery, target.id)
            assert row.state == "failed" and "5.1.1" in row.last_answer
            assert s.get(Inbound, delayed.id).state == "bounce"
            assert s.get(Inbound, failed.id).state == "bounce"
        reports = kinds(smtp_sink).get("delivery-report", [])
        assert sorted(r.rcpt_tos[0] for r in reports) == [
            "karin.berg@exempelby.se",
            "maria.lind@exempelby.se",
        ]
        assert "Peter Öst" in reports[0].message().get_body(("plain",)).get_content()
        assert set(kinds(smtp_sink)) == {"delivery-report"}  # the bounce itself is answered by nobody


def test_a_report_about_someone_else_marks_nobody(tmp_path, redis_server, smtp_sink):
    config = make_config(tmp_path / "config", redis_url=redis_server.url, smtp_port=smtp_sink.port)
    with Services(config) as services:
        services.pipeline.accept(authenticated(corpus_draft("d01-plain-numbered")), source="test")
        drain(services, redis_server.url)
        with services.db.session() as s:
            target = s.scalar(select(Delivery).where(Delivery.email == "peter.ost@exempelby.se"))
        services.pipeline.accept(dsn(target.message_id, "someone.else@exempelby.se"), source="test")
        drain(services, redis_server.url)
        with services.db.session() as s:
            assert s.get(Delivery, target.id).state == "sent"
