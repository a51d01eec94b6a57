"""Trust on real Redis, rq and SMTP: the confirm gate, replies and links, and forged bounces."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from service.archive.db import Delivery, GateRequest, Inbound, MinutesRow, OutgoingMail
from service.bootstrap import Services
from service.web import create_app
from tests.integration.test_bounce_pipeline import dsn
from tests.integration.test_pipeline import kinds
from tests.support.configs import make_config
from tests.support.drafts import authenticated, corpus_draft
from tests.support.web import client_as
from tests.support.worker import drain

ANNA = "anna.svensson@exempelby.se"
FORGED_AR = (
    "Authentication-Results: mx.exempelby.se; spf=pass smtp.mailfrom=exempelby.se; "
    "dkim=pass header.d=exempelby.se; dmarc=pass header.from=exempelby.se"
)
NONE_AR = "Authentication-Results: mx.exempelby.se; spf=softfail smtp.mailfrom=exempelby.se; dmarc=none"


def config_for(tmp_path, redis_server, smtp_sink, database_url, extra: str = ""):  # noqa: ANN001, ANN201
    return make_config(
        tmp_path / "config", redis_url=redis_server.url, smtp_port=smtp_sink.port, database_url=database_url,
        extra=extra,
    )


@pytest.fixture
def services(tmp_path, redis_server, smtp_sink, database_url):  # noqa: ANN001, ANN201
    with Services(config_for(tmp_path, redis_server, smtp_sink, database_url)) as s:
        yield s


def reply(request_message, *, first_line: str, sender: str = ANNA, auth: str = "") -> bytes:  # noqa: ANN001
    """Return a reply to a request mail, from ``sender``, its first line ``first_line``."""
    head = f"{auth}\r\n" if auth else ""
    return (
        f"{head}From: Anna Svensson <{sender}>\r\nTo: apt@exempelby.se\r\n"
        f"Subject: SV: {request_message['Subject']}\r\n"
        f"Message-ID: <reply-{abs(hash(first_line + sender))}@x.se>\r\n"
        f"In-Reply-To: {request_message['Message-ID']}\r\nReferences: {request_message['Message-ID']}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{first_line}\r\n\r\n> Minnes har tagit emot minnesanteckningar\r\n"
    ).encode()


def test_a_spoofed_draft_reaches_only_its_claimed_sender_until_a_reply_confirms_it(services, redis_server,
                                                                                    smtp_sink):
    services.pipeline.accept(corpus_draft("d01-plain-numbered"), source="test")
    drain(services, redis_server.url)
    by_kind = kinds(smtp_sink)
    assert set(by_kind) == {"confirm-request"}
    [request] = by_kind["confirm-request"]
    assert request.rcpt_tos == (ANNA,)
    msg = request.message()
    assert re.fullmatch(r"<minnes-req\.[A-Za-z0-9_-]{22}@exempelby\.se>", msg["Message-ID"])
    assert msg["Reply-To"] == "apt@exempelby.se"
    body = msg.get_body(("plain",)).get_content()
    assert "OK" in body and "/svar/" in body and "Arbetsmiljö" in body
    token = re.search(r"<minnes-req\.([^@]+)@", msg["Message-ID"]).group(1)
    with services.db.session() as s:
        [m] = s.scalars(select(MinutesRow)).all()
        assert (m.state, m.gate) == ("held", "confirm")
        [req] = s.scalars(select(GateRequest)).all()
        # Only the hash of either token is kept, never the token itself, not even in the sent mail.
        assert token not in (req.reply_hash, req.link_hash) and len(req.reply_hash) == 64
        [kept] = s.scalars(select(OutgoingMail).where(OutgoingMail.kind == "confirm-request")).all()
        link_token = re.search(r"/svar/([A-Za-z0-9_-]{22})", body).group(1)
        assert token.encode() not in kept.raw and link_token.encode() not in kept.raw
        assert b"/svar/" in kept.raw and b"Content-Language: sv" in kept.raw

    smtp_sink.clear()
    # A reply from someone else, and one the MX says fails DMARC, change nothing.
    services.pipeline.accept(reply(msg, first_line="OK", sender="johan.ek@exempelby.se"), source="test")
    services.pipeline.accept(
        reply(msg, first_line="Ja", auth="Authentication-Results: mx.exempelby.se; dmarc=fail"), source="test"
    )
    drain(services, redis_server.url)
    assert kinds(smtp_sink) == {}
    with services.db.session() as s:
        assert s.scalars(select(MinutesRow.state)).all() == ["held"]
        assert {r.state for r in s.scalars(select(Inbound)).all()} == {"accepted", "reply"}

    services.pipeline.accept(reply(msg, first_line="OK, det var jag."), source="test")
    drain(services, redis_server.url)
    dist = kinds(smtp_sink).get("distribution", [])
    # Now that the sender is proven, the receipt follows.
    assert [r.rcpt_tos for r in kinds(smtp_sink)["receipt"]] == [(ANNA,)]
    workplace = services.config.workplace("hemtjanst-norr")
    assert sorted(r.rcpt_tos[0] for r in dist) == sorted(m.email for m in workplace.members)

    smtp_sink.clear()  # a second OK (the token is single use) sends nothing again
    services.pipeline.accept(reply(msg, first_line="OK igen"), source="test")
    drain(services, redis_server.url)
    assert kinds(smtp_sink) == {}


def test_a_reply_no_stops_the_draft_and_nobody_hears_of_it(services, redis_server, smtp_sink):
    services.pipeline.accept(corpus_draft("d01-plain-numbered"), source="test")
    drain(services, redis_server.url)
    [request] = kinds(smtp_sink)["confirm-request"]
    smtp_sink.clear()
    services.pipeline.accept(reply(request.message(), first_line="Nej, det var inte jag"), source="test")
    drain(services, redis_server.url)
    assert kinds(smtp_sink) == {}
    with services.db.session() as s:
        assert s.scalars(select(MinutesRow.state)).all() == ["stopped"]
        assert s.scalars(select(GateRequest.answer)).all() == ["stopped"]


def test_the_link_acts_only_on_its_button(services, redis_server, smtp_sink):
    services.pipeline.accept(corpus_draft("d01-plain-numbered"), source="test")
    drain(services, redis_server.url)
    [request] = kinds(smtp_sink)["confirm-request"]
    body = request.message().get_body(("plain",)).get_content()
    path = re.search(r"http://127\.0\.0\.1:8080(/svar/[A-Za-z0-9_-]{22})", body).group(1)
    smtp_sink.clear()
    app = create_app(services.config, services)
    client = client_as(app)

    page = client.get(path)  # what a mail scanner does
    assert page.status_code == 200 and "<form" in page.text
    drain(services, redis_server.url)
    assert kinds(smtp_sink) == {}
    assert client.post(path).status_code == 400  # no CSRF token: refused
    assert client.get("/svar/" + "A" * 22).status_code == 404

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = client.post(path, data={"csrf_token": csrf})
    assert done.status_code == 200
    drain(services, redis_server.url)
    members = services.config.workplace("hemtjanst-norr").members
    assert len(kinds(smtp_sink).get("distribution", [])) == len(members)
    again = client.get(path)
    assert "redan använd" in again.text and f'action="{path}"' not in again.text


def test_one_confirm_request_per_address_an_hour(services, redis_server, smtp_sink):
    raw = corpus_draft("d01-plain-numbered")
    services.pipeline.accept(raw, source="test")
    services.pipeline.accept(raw.replace(b"Message-ID: <", b"Message-ID: <second-"), source="test")
    drain(services, redis_server.url)
    assert len(kinds(smtp_sink)["confirm-request"]) == 1
    with services.db.session() as s:
        assert sorted(r.mailed_at is None for r in s.scalars(select(GateRequest))) == [False, True]
        for r in s.scalars(select(GateRequest)):  # an hour later …
            if r.mailed_at is not None:
                r.mailed_at -= dt.timedelta(hours=1, minutes=1)
    services.pipeline.sweep()
    drain(services, redis_server.url)
    assert len(kinds(smtp_sink)["confirm-request"]) == 2


def test_an_unconfirmed_draft_expires(services, redis_server, smtp_sink):
    services.pipeline.accept(corpus_draft("d01-plain-numbered"), source="test")
    drain(services, redis_server.url)
    with services.db.session() as s:
        for r in s.scalars(select(GateRequest)):
            r.expires_at = dt.datetime(2000, 1, 1)
    services.pipeline.sweep()
    with services.db.session() as s:
        assert s.scalars(select(MinutesRow.state)).all() == ["expired"]
        assert s.scalars(select(GateRequest.answer)).all() == ["expired"]
    assert "gick ut obekräftat" in services.reports.status_text()


def test_an_authenticated_draft_goes_straight_out(services, redis_server, smtp_sink):
    services.pipeline.accept(authenticated(corpus_draft("d01-plain-numbered")), source="test")
    drain(services, redis_server.url)
    assert "confirm-request" not in kinds(smtp_sink)
    assert kinds(smtp_sink)["receipt"][0].rcpt_tos == (ANNA,)


@pytest.mark.parametrize("order", ["below", "above"])
def test_a_forged_header_below_the_mx_own_does_not_authenticate(services, redis_server, smtp_sink, order):
    raw = corpus_draft("d01-plain-numbered")
    headers = (NONE_AR, FORGED_AR) if order == "below" else (FORGED_AR, NONE_AR)
    services.pipeline.accept("\r\n".join(headers).encode() + b"\r\n" + raw, source="test")
    drain(services, redis_server.url)
    sent = set(kinds(smtp_sink))
    # The MX adds its own on top: a forged copy below it is never believed.
    assert sent == ({"confirm-request"} if order == "below" else {"receipt", "distribution"})


def test_reject_policy_and_the_old_key(tmp_path, redis_server, smtp_sink, database_url):
    config = config_for(tmp_path, redis_server, smtp_sink, database_url)
    text = (config.directory / "minnes.toml").read_text()
    (config.directory / "minnes.toml").write_text(
        text.replace("[intake]\n", "[intake]\nrequire_authenticated_sender = true\n"))
    from service.config import load_config
    from service.setup_check import check_config

    config = load_config(config.directory)
    assert config.settings.intake.unauthenticated_sender == "reject"
    assert any("föråldrad" in p for p in check_config(config))
    with Services(config) as services:
        services.pipeline.accept(corpus_draft("d01-plain-numbered"), source="test")
        drain(services, redis_server.url)
        with services.db.session() as s:
            assert s.scalars(select(Inbound.error_code)).all() == ["sender_not_authenticated"]
    # Rejections go only to authenticated senders: the roster address hears nothing.
    assert kinds(smtp_sink) == {}


def test_forged_bounces_change_nothing(services, redis_server, smtp_sink):
    services.pipeline.accept(authenticated(corpus_draft("d01-plain-numbered")), source="test")
    drain(services, redis_server.url)
    with services.db.session() as s:
        karin = s.scalar(select(Delivery).where(Delivery.email == "karin.berg@exempelby.se"))
        johan = s.scalar(select(Delivery).where(Delivery.email == "johan.ek@exempelby.se"))
    smtp_sink.clear()
    # Karin quotes her own copy's Message-ID but names Johan; or guesses Johan's id without the secret.
    services.pipeline.accept(dsn(karin.message_id, johan.email), source="test")
    guessed = f"<minnes.{johan.minutes_id}.1.0000@exempelby.se>"
    services.pipeline.accept(dsn(guessed, johan.email), source="test")
    drain(services, redis_server.url)
    with services.db.session() as s:
        assert s.get(Delivery, johan.id).state == "sent"
        assert s.get(Delivery, karin.id).state == "sent"
    assert kinds(smtp_sink) == {}


def test_a_bounce_report_quotes_no_link(services, redis_server, smtp_sink):
    services.pipeline.accept(authenticated(corpus_draft("d01-plain-numbered")), source="test")
    drain(services, redis_server.url)
    with services.db.session() as s:
        johan = s.scalar(select(Delivery).where(Delivery.email == "johan.ek@exempelby.se"))
    smtp_sink.clear()
    raw = dsn(johan.message_id, johan.email).replace(b"User unknown", b"User unknown, see http://evil.example/x")
    services.pipeline.accept(raw, source="test")
    drain(services, redis_server.url)
    with services.db.session() as s:
        row = s.get(Delivery, johan.id)
        assert row.state == "failed" and "5.1.1" in row.last_answer and "evil.example" not in row.last_answer
        reports = s.scalars(select(OutgoingMail).where(OutgoingMail.kind == "delivery-report")).all()
    assert reports and all(b"evil.example" not in r.raw for r in reports)
