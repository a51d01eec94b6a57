"""The privacy hold and the review window on real Redis, rq and SMTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from service.archive.db import GateRequest, MinutesRow
from service.bootstrap import Services
from service.web import create_app
from tests.integration.test_pipeline import kinds
from tests.support.configs import make_config
from tests.support.drafts import authenticated, corpus_draft
from tests.support.web import client_as
from tests.support.worker import drain

ANNA = "anna.svensson@exempelby.se"
MARIA = "maria.lind@exempelby.se"
PERSONNUMMER = "850615-2384"


def d01(extra_sentence: str = "", subject: str = "Minnesanteckningar APT 2026-11-20") -> bytes:
    """Return d01 as the MX passed it on, with one sentence added to its notes."""
    original = email.message_from_bytes(corpus_draft("d01-plain-numbered"), policy=email.policy.default)
    body = original.get_body(("plain",)).get_content()
    if extra_sentence:
        body = body.replace("Inget nytt denna gång.", "Inget nytt denna gång. " + extra_sentence)
    msg = EmailMessage()
    msg["From"] = "Anna Svensson <anna.svensson@exempelby.se>"
    msg["To"] = "apt@exempelby.se"
    msg["Subject"] = subject
    msg["Date"] = original["Date"]
    msg["Message-ID"] = email.utils.make_msgid(domain="exempelby.se")
    msg.set_content(body)
    return authenticated(msg.as_bytes())


def services_for(tmp_path, redis_server, smtp_sink, database_url, workplace_extra: str = ""):  # noqa: ANN001, ANN201
    config = make_config(
        tmp_path / "config", redis_url=redis_server.url, smtp_port=smtp_sink.port, database_url=database_url
    )
    if workplace_extra:
        path = config.directory / "workplaces" / "hemtjanst-norr.toml"
        path.write_text(workplace_extra + path.read_text(encoding="utf-8"), encoding="utf-8")
        from service.config import load_config

        config = load_config(config.directory)
    return Services(config)


@pytest.fixture
def services(tmp_path, redis_server, smtp_sink, database_url):  # noqa: ANN001, ANN201
    with services_for(tmp_path, redis_server, smtp_sink, database_url) as s:
        yield s


def everyone(services: Services) -> list[str]:
    return sorted(m.email for m in services.config.workplace("hemtjanst-norr").members)


def test_a_personnummer_holds_the_minutes_until_a_corrected_draft(services, redis_server, smtp_sink):
    assert "08" not in PERSONNUMMER[:2]  # a real-looking number, Luhn-valid
    services.pipeline.accept(d01(f"Erik Nord ({PERSONNUMMER}) är sjukskriven till jul."), source="test")
    drain(services, redis_server.url)
    by_kind = kinds(smtp_sink)
    assert set(by_kind) == {"hold-notice"}
    assert sorted(r.rcpt_tos[0] for r in by_kind["hold-notice"]) == [ANNA, MARIA]
    bodies = {r.rcpt_tos[0]: r.message().get_body(("plain",)).get_content() for r in by_kind["hold-notice"]}
    assert "sjukskriven" in bodies[ANNA] and "/svar/" not in bodies[ANNA]  # only the manager may release
    assert "/svar/" in bodies[MARIA]
    with services.db.session() as s:
        [m] = s.scalars(select(MinutesRow)).all()
        assert (m.state, m.gate, m.version) == ("held", "privacy", -m.inbound_id)

    smtp_sink.clear()
    services.pipeline.accept(d01(), source="test")
    drain(services, redis_server.url)
    dist = kinds(smtp_sink).get("distribution", [])
    assert sorted(r.rcpt_tos[0] for r in dist) == everyone(services)
    assert all(PERSONNUMMER not in r.message().as_string() for r in smtp_sink.received)
    with services.db.session() as s:
        rows = s.scalars(select(MinutesRow).order_by(MinutesRow.id)).all()
        # The held version was replaced and takes no number: the corrected one is version 1.
        assert [(r.state, r.version) for r in rows] == [("replaced", -rows[0].inbound_id), ("distributed", 1)]


def test_a_manager_releases_held_minutes_through_the_link(services, redis_server, smtp_sink):
    services.pipeline.accept(d01("Sara är sjukskriven efter operationen."), source="test")
    drain(services, redis_server.url)
    [notice] = [r for r in kinds(smtp_sink)["hold-notice"] if r.rcpt_tos == (MARIA,)]
    path = re.search(r"http://127\.0\.0\.1:8080(/svar/[A-Za-z0-9_-]{22})",
                     notice.message().get_body(("plain",)).get_content()).group(1)
    smtp_sink.clear()
    client = client_as(create_app(services.config, services))
    page = client.get(path)
    drain(services, redis_server.url)
    assert kinds(smtp_sink) == {}
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post(path, data={"csrf_token": csrf}).status_code == 200
    drain(services, redis_server.url)
    assert sorted(r.rcpt_tos[0] for r in kinds(smtp_sink)["distribution"]) == everyone(services)
    with services.db.session() as s:
        [release] = s.scalars(select(GateRequest).where(GateRequest.kind == "release")).all()
        assert (release.email, release.answer) == (MARIA, "confirmed") and release.answered_at


def test_warn_sends_as_usual_and_warns_the_note_taker(tmp_path, redis_server, smtp_sink, database_url):
    config = make_config(
        tmp_path / "config", redis_url=redis_server.url, smtp_port=smtp_sink.port, database_url=database_url,
        extra='[privacy]\ncheck = "warn"\n',
    )
    with Services(config) as services:
        services.pipeline.accept(d01("Sara är sjukskriven efter operationen."), source="test")
        drain(services, redis_server.url)
        by_kind = kinds(smtp_sink)
        assert len(by_kind["distribution"]) == len(everyone(services))
        assert "hälsouppgift" in by_kind["receipt"][0].message().get_body(("plain",)).get_content()


def test_the_review_window_holds_until_it_closes(tmp_path, redis_server, smtp_sink, database_url):
    with services_for(tmp_path, redis_server, smtp_sink, database_url, "review_minutes = 30\n") as services:
        services.pipeline.accept(d01(), source="test")
        drain(services, redis_server.url)
        [receipt] = kinds(smtp_sink)["receipt"]
        body = receipt.message().get_body(("plain",)).get_content()
        assert "STOPP" in body and "kl." in body and "distribution" not in kinds(smtp_sink)
        services.pipeline.sweep()
        drain(services, redis_server.url)
        assert "distribution" not in kinds(smtp_sink)
        with services.db.session() as s:
            for m in s.scalars(select(MinutesRow)):
                m.gate_until = dt.datetime(2000, 1, 1)
        services.pipeline.sweep()
        drain(services, redis_server.url)
        assert len(kinds(smtp_sink)["distribution"]) == len(everyone(services))


def test_stopp_to_the_receipt_stops_the_minutes(tmp_path, redis_server, smtp_sink, database_url):
    with services_for(tmp_path, redis_server, smtp_sink, database_url, "review_minutes = 30\n") as services:
        services.pipeline.accept(d01(), source="test")
        drain(services, redis_server.url)
        [receipt] = kinds(smtp_sink)["receipt"]
        msg = receipt.message()
        assert msg["Message-ID"].startswith("<minnes-req.")
        stop = (
            "From: Anna Svensson <anna.svensson@exempelby.se>\r\nTo: apt@exempelby.se\r\n"
            f"Subject: SV: {msg['Subject']}\r\nMessage-ID: <stopp-1@exempelby.se>\r\n"
            f"In-Reply-To: {msg['Message-ID']}\r\nReferences: {msg['Message-ID']}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nSTOPP\r\n\r\n> Kvitto\r\n"
        ).encode()
        services.pipeline.accept(stop, source="test")
        drain(services, redis_server.url)
        with services.db.session() as s:
            for m in s.scalars(select(MinutesRow)):
                m.gate_until = dt.datetime(2000, 1, 1)
        services.pipeline.sweep()
        drain(services, redis_server.url)
        assert "distribution" not in kinds(smtp_sink)
        with services.db.session() as s:
            assert s.scalars(select(MinutesRow.state)).all() == ["stopped"]
        assert "stopp" in services.reports.status_text().lower()


def test_a_corrected_draft_in_the_window_goes_out_instead(tmp_path, redis_server, smtp_sink, database_url):
    with services_for(tmp_path, redis_server, smtp_sink, database_url, "review_minutes = 30\n") as services:
        services.pipeline.accept(d01(), source="test")
        services.pipeline.accept(d01("Julbordet flyttas till fredag."), source="test")
        drain(services, redis_server.url)
        with services.db.session() as s:
            for m in s.scalars(select(MinutesRow)):
                m.gate_until = dt.datetime(2000, 1, 1)
        services.pipeline.sweep()
        drain(services, redis_server.url)
        dist = kinds(smtp_sink)["distribution"]
        assert sorted(r.rcpt_tos[0] for r in dist) == everyone(services)  # once each: only the correction
        with services.db.session() as s:
            rows = s.scalars(select(MinutesRow).order_by(MinutesRow.id)).all()
            assert [(r.state, r.version) for r in rows][1] == ("distributed", 1)
            assert rows[0].state == "replaced" and "fredag" in rows[1].data


def test_status_shows_each_gate_and_who_it_waits_for(services, redis_server, smtp_sink):
    services.pipeline.accept(d01("Sara är sjukskriven efter operationen."), source="test")
    services.pipeline.accept(corpus_draft("d02-outlook-html"), source="test")
    drain(services, redis_server.url)
    text = services.reports.status_text()
    assert "integritet" in text and MARIA in text
