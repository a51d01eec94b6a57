"""States and claims: the stored strings never change, and due/claim/renew/record/release mean one thing."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from service.archive import claims
from service.archive.claims import DeliveryState, InboundState, MailState, MinutesState, RetryPolicy
from service.archive.db import Database, Delivery, Inbound, MinutesRow, OutgoingMail, utcnow

ME = f"{socket.gethostname()}:{os.getpid()}"


def test_the_stored_strings_are_those_the_archive_has_always_held() -> None:
    assert [s.value for s in InboundState] == [
        "received", "processing", "accepted", "rejected", "bounce", "failed", "reply"
    ]
    assert [s.value for s in MinutesState] == [
        "held", "stopped", "expired", "replaced", "structured", "signed", "distributing", "distributed"
    ]
    assert [s.value for s in DeliveryState] == ["pending", "sending", "sent", "deferred", "failed"]
    assert MailState is DeliveryState
    assert all(isinstance(s, str) and str(s) == s.value for s in InboundState)


def test_every_state_has_a_docstring() -> None:
    tree = ast.parse(inspect.getsource(claims))
    enums = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name.endswith("State")]
    assert {e.name for e in enums} == {"InboundState", "MinutesState", "SendState"}
    for enum in enums:
        body = enum.body
        for i, node in enumerate(body):
            if isinstance(node, ast.Assign):
                after = body[i + 1] if i + 1 < len(body) else None
                assert isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant), (
                    f"{enum.name}.{node.targets[0].id} has no docstring"
                )


def test_the_model_defaults_are_the_first_states() -> None:
    assert Inbound.__table__.c.state.default.arg == "received"
    assert MinutesRow.__table__.c.state.default.arg == "structured"
    assert Delivery.__table__.c.state.default.arg == "pending"
    assert OutgoingMail.__table__.c.state.default.arg == "pending"


def test_claimer_gone_tells_a_running_process_from_an_ended_one() -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    host = socket.gethostname()
    assert claims.worker_identity() == ME
    assert claims.claimer_gone(ME) is False
    assert claims.claimer_gone(f"{host}:{ended.pid}") is True
    assert claims.claimer_gone("another-host.example:1") is None
    assert claims.claimer_gone("") is None
    assert claims.dead_claimers([ME, f"{host}:{ended.pid}", f"{host}:{ended.pid}", ""]) == [
        f"{host}:{ended.pid}"
    ]


@pytest.fixture
def db(tmp_path) -> Iterator[Database]:  # noqa: ANN001
    database = Database(f"sqlite:///{tmp_path}/claims.db")
    database.create_schema()
    with database.session() as s:
        s.add(Inbound(id=1, sha256="a" * 64, size=1, source="test"))
        s.flush()
        s.add(MinutesRow(id=1, inbound_id=1, workplace_id="w", data="{}"))
        s.flush()
        s.add(Delivery(id=1, minutes_id=1, email="a@exempelby.se"))
        s.add(Delivery(id=2, minutes_id=1, email="b@exempelby.se", state="deferred",
                       next_attempt_at=utcnow() + dt.timedelta(hours=1)))
        s.add(OutgoingMail(id=1, key="receipt:1", kind="receipt", recipient="a@exempelby.se", raw=b"x"))
    yield database
    database.dispose()


def _delivery(db: Database, ident: int) -> Delivery:
    with db.session() as s:
        return s.get(Delivery, ident)


def test_a_due_row_is_claimed_once_and_a_deferred_one_only_when_its_time_has_come(db: Database) -> None:
    now = utcnow()
    with db.session() as s:
        assert sorted(s.scalars(select(Delivery.id).where(claims.due(Delivery, now)))) == [1]
        assert claims.claim(s, Delivery, 1, now, ME)
        assert not claims.claim(s, Delivery, 1, now, "other:1")
        assert not claims.claim(s, Delivery, 2, now, ME)
        assert claims.claim(s, Delivery, 2, now + dt.timedelta(hours=2), ME)
        assert claims.claim(s, OutgoingMail, 1, now, ME)
    d = _delivery(db, 1)
    assert (d.state, d.claimed_by, d.attempts) == ("sending", ME, 1)


def test_the_fanout_statements_claim_renew_and_record_on_one_connection(db: Database) -> None:
    later = utcnow() + dt.timedelta(minutes=5)
    with db.engine.connect() as conn, conn.begin():
        row = conn.execute(
            claims.claim_statement(Delivery, returning=True), {"d_id": 1, "d_now": utcnow(), "d_me": ME}
        ).first()
        assert row is not None and row[0] == 1
        conn.execute(claims.renew_statement(Delivery), {"d_id": 1, "d_now": later, "d_me": "other:1"})
    assert _delivery(db, 1).claimed_at < later  # someone else's renewal changes nothing
    with db.engine.connect() as conn, conn.begin():
        conn.execute(claims.renew_statement(Delivery), {"d_id": 1, "d_now": later, "d_me": ME})
    assert _delivery(db, 1).claimed_at == later
    values = claims.attempt_values(RetryPolicy(60, 48), 1, utcnow(), "sent", "250 ok", utcnow())
    with db.engine.connect() as conn, conn.begin():
        claims.record(conn, Delivery, 1, values)
    d = _delivery(db, 1)
    assert (d.state, d.last_answer, d.claimed_at) == ("sent", "250 ok", None)
    built = claims.claim_statement(Delivery, returning=True)
    assert claims.claim_statement(Delivery, returning=True) is built  # built once


def test_abandoned_sending_claims_are_handed_back_due(db: Database) -> None:
    now = utcnow()
    with db.session() as s:
        assert claims.claim(s, Delivery, 1, now, "gone-host:1")
        assert claims.claim(s, OutgoingMail, 1, now, ME)
    with db.session() as s:
        claims.release_sending(s, Delivery, now - dt.timedelta(minutes=1), [])
        claims.release_sending(s, OutgoingMail, now - dt.timedelta(minutes=1), [])
    assert _delivery(db, 1).state == "sending"  # fresh and not known dead: left alone
    with db.session() as s:
        assert claims.claimers_of(s, Delivery, DeliveryState.SENDING) == {"gone-host:1"}
        claims.release_sending(s, Delivery, now - dt.timedelta(minutes=1), ["gone-host:1"])
        claims.release_sending(s, OutgoingMail, now + dt.timedelta(minutes=1), [])
    d = _delivery(db, 1)
    assert (d.state, d.claimed_by, d.next_attempt_at) == ("deferred", "", None)
    with db.session() as s:
        assert s.get(OutgoingMail, 1).state == "deferred"


def test_a_received_message_is_claimed_for_processing_once(db: Database) -> None:
    with db.session() as s:
        assert claims.claim_received(s, Inbound, 1, utcnow(), ME)
        assert not claims.claim_received(s, Inbound, 1, utcnow(), ME)
    with db.session() as s:
        row = s.get(Inbound, 1)
        assert (row.state, row.attempts, row.claimed_by) == ("processing", 1, ME)


def test_one_attempt_ends_sent_deferred_with_backoff_or_failed() -> None:
    policy = RetryPolicy(base_seconds=60, give_up_hours=48)
    now = utcnow()
    sent = claims.attempt_values(policy, 1, now, "sent", "250 ok", now)
    assert (sent["state"], sent["sent_at"], sent["next_attempt_at"]) == ("sent", now, None)
    third = claims.attempt_values(policy, 3, now, "deferred", "451 later", now)
    assert (third["state"], third["next_attempt_at"]) == ("deferred", now + dt.timedelta(seconds=240))
    assert policy.delay(30) == dt.timedelta(hours=1)
    old = now - dt.timedelta(hours=49)
    gave_up = claims.attempt_values(policy, 9, old, "deferred", "451 later", now)
    assert gave_up["state"] == "failed" and gave_up["last_answer"] == "gav upp efter 9 försök: 451 later"
    failed = claims.attempt_values(policy, 1, now, "failed", "550 " + "x" * 3000, now)
    assert failed["state"] == "failed" and len(failed["last_answer"]) == 2000
