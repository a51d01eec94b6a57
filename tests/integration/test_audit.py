"""The audit log: append-only in the database, written for logins and answers, read by admins only."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import re

import pytest
from sqlalchemy import select, text

from service.archive.audit import AuditAction, AuditEvent, record
from service.archive.db import ArchiveError, Inbound, MinutesRow, OutgoingMail
from service.bootstrap import Services
from service.steps import answer
from service.web import create_app
from tests.support.configs import make_config
from tests.support.drafts import corpus_draft
from tests.support.site import publish
from tests.support.web import ADMIN, client_as

ANNA = "anna.svensson@exempelby.se"
"""The note-taker of d01, an employee of Hemtjänst Norr."""


@pytest.fixture
def services(tmp_path, database_url):  # noqa: ANN001, ANN201
    with Services(make_config(tmp_path / "config", database_url=database_url), queue=False) as s:
        yield s


def audit_rows(services: Services) -> list[AuditEvent]:
    with services.db.session() as s:
        found = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        for e in found:
            s.expunge(e)
        return found


def test_the_database_refuses_to_change_or_remove_an_audit_row(services):
    with services.db.session() as s:
        record(s, ADMIN, AuditAction.LOGIN, target="login", client="127.0.0.1")
    for statement in ("UPDATE audit SET actor = 'someone.else@exempelby.se'", "DELETE FROM audit"):
        with pytest.raises(ArchiveError, match="append-only"), services.db.session() as s:
            s.execute(text(statement))
    if services.db.engine.dialect.name == "postgresql":
        with pytest.raises(ArchiveError, match="append-only"), services.db.session() as s:
            s.execute(text("TRUNCATE audit"))
    assert [(e.actor, e.action) for e in audit_rows(services)] == [(ADMIN, "login")]


def _held_draft(services: Services) -> tuple[int, email.message.EmailMessage]:
    """Take an unauthenticated d01 in (it waits at the confirm gate); return its minutes id and request."""
    accepted = services.pipeline.accept(corpus_draft("d01-plain-numbered"), source="test")
    services.pipeline.process(accepted.id)
    with services.db.session() as s:
        minutes_id = s.get(Inbound, accepted.id).minutes_id
        raw = s.scalar(select(OutgoingMail.raw).where(OutgoingMail.kind == "confirm-request"))
    return minutes_id, email.message_from_bytes(raw, policy=email.policy.default)


def test_a_confirmation_by_link_is_audited_without_its_token(services):
    minutes_id, request = _held_draft(services)
    body = request.get_body(("plain",)).get_content()
    token = re.search(r"/svar/([A-Za-z0-9_-]{22})", body).group(1)
    assert answer.answer_link(services.pipeline.context, token, client="192.0.2.7")
    (event,) = [e for e in audit_rows(services) if e.action == "confirmation"]
    assert (event.actor, event.target) == (ANNA, f"minutes/{minutes_id}")
    assert event.workplace_id == "hemtjanst-norr"
    assert event.client == "192.0.2.7" and "länken" in event.detail
    assert answer.answer_link(services.pipeline.context, token) is not None  # already answered: not again
    assert len([e for e in audit_rows(services) if e.action == "confirmation"]) == 1
    assert all(token not in f"{e.target} {e.detail}" for e in audit_rows(services))


def test_a_confirmation_by_reply_is_audited_with_the_answering_address(services):
    minutes_id, request = _held_draft(services)
    token = re.search(r"minnes-req\.([A-Za-z0-9_-]{22})@", request["Message-ID"]).group(1)
    reply = (
        f"From: Anna Svensson <{ANNA}>\r\nTo: apt@exempelby.se\r\nSubject: SV: {request['Subject']}\r\n"
        f"Message-ID: <svar-1@exempelby.se>\r\nIn-Reply-To: {request['Message-ID']}\r\n"
        f"References: {request['Message-ID']}\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nJa\r\n"
    ).encode()
    accepted = services.pipeline.accept(reply, source="test")
    services.pipeline.process(accepted.id)
    (event,) = [e for e in audit_rows(services) if e.action == "confirmation"]
    assert (event.actor, event.target) == (ANNA, f"minutes/{minutes_id}")
    assert "mejl" in event.detail and token not in event.detail


@pytest.fixture
def published(tmp_path):  # noqa: ANN201
    with Services(make_config(tmp_path / "config"), queue=False) as services:
        minutes_id = publish(services, "d01-plain-numbered")
        yield services, minutes_id


def test_admin_pages_are_404_for_staff_and_show_no_minutes_text(published):
    services, minutes_id = published
    app = create_app(services.config, services)
    with services.db.session() as s:
        data = s.get(MinutesRow, minutes_id).minutes
    sentence = next(item["text"] for item in data["items"] if len(item.get("text") or "") > 40)[:40]
    staff = client_as(app, ANNA)
    admin = client_as(app)
    folder = services.config.settings.delivery.outbox
    eml = sorted(p.name for p in folder.glob("*.eml"))[0]
    paths = ["/outbox/", f"/outbox/{eml}", "/audit", "/audit.csv", f"/outbox/deliveries/{minutes_id}"]
    for path in paths:
        assert staff.get(path).status_code == 404, path
        assert client_as(app, None).get(path).status_code == 302, path
        assert admin.get(path).status_code == 200, path
    outbox = admin.get("/outbox/").get_data(as_text=True)
    assert ANNA in outbox and "Minnesanteckningar Hemtjänst Norr 2026-11-20" in outbox
    deliveries = admin.get(f"/outbox/deliveries/{minutes_id}").get_data(as_text=True)
    assert "maria.lind@exempelby.se" in deliveries
    for path in ("/outbox/", f"/outbox/deliveries/{minutes_id}", "/audit"):
        assert sentence not in admin.get(path).get_data(as_text=True), path
    done = {(e.actor, e.action, e.target) for e in audit_rows(services)}
    assert (ADMIN, "download", f"outbox/{eml}") in done
    assert (ADMIN, "export", "audit.csv") in done
    assert (ADMIN, "view", f"outbox/deliveries/{minutes_id}") in done


def test_audit_page_filters_pages_and_exports(published):
    services, _minutes_id = published
    with services.db.session() as s:
        for i in range(130):
            record(s, f"person{i % 3}@exempelby.se", AuditAction.VIEW, target=f"minutes/{i}",
                   workplace_id="hemtjanst-norr" if i % 2 else "ekbackens-skola")
        record(s, "=cmd|'/c calc'!A1@evil.example", AuditAction.LOGIN_REQUESTED, target="login")
    app = create_app(services.config, services)
    admin = client_as(app)
    first = admin.get("/audit").get_data(as_text=True)
    assert 'rel="next"' in first and "cmd|" in first
    second = admin.get("/audit?page=2").get_data(as_text=True)
    assert 'rel="prev"' in second and 'rel="next"' not in second
    only = admin.get("/audit?actor=person1@exempelby.se&workplace=hemtjanst-norr&action=view")
    shown = re.findall(r"minutes/(\d+)<", only.get_data(as_text=True))
    assert shown and all(int(n) % 3 == 1 and int(n) % 2 == 1 for n in shown)
    wrong = admin.get("/audit?from=igår").get_data(as_text=True)
    assert "kunde inte läsas" in wrong
    english = admin.get("/audit?lang=en").get_data(as_text=True)
    assert "Audit log" in english and "Export as CSV" in english
    exported = admin.get("/audit.csv?action=login_requested")
    assert exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["tid_utc", "vem", "handling"]
    assert [r[1] for r in rows[1:]] == ["'=cmd|'/c calc'!A1@evil.example"], "no formula reaches a spreadsheet"
    assert admin.get("/audit?page=x").status_code == 200
