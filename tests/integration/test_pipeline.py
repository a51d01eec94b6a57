"""A draft becomes signed minutes delivered once to every roster address, on real Redis, rq and SMTP."""

from __future__ import annotations

import subprocess

import pytest
from redis import Redis
from sqlalchemy import select

from service.archive.db import Delivery, Inbound, MinutesRow
from service.bootstrap import Services
from tests.support.configs import make_config
from tests.support.drafts import authenticated, corpus_draft
from workers import jobs
from workers.queue import MinnesWorker


def drain(services: Services, redis_url: str) -> None:
    """Run an rq worker in this process until the queue is empty."""
    jobs.configure(services)
    connection = Redis.from_url(redis_url)
    worker = MinnesWorker([services.config.settings.worker.queue], connection=connection)
    worker.work(burst=True, with_scheduler=False)


def kinds(sink) -> dict[str, list]:  # noqa: ANN001
    out: dict[str, list] = {}
    for r in sink.received:
        out.setdefault(r.message()["X-Minnes-Kind"], []).append(r)
    return out


@pytest.fixture
def services(tmp_path, redis_server, smtp_sink, database_url):  # noqa: ANN001, ANN201
    config = make_config(
        tmp_path / "config", redis_url=redis_server.url, smtp_port=smtp_sink.port, database_url=database_url
    )
    with Services(config) as s:
        yield s


def test_draft_is_delivered_once_to_every_roster_address(services, redis_server, smtp_sink, tmp_path):
    raw = authenticated(corpus_draft("d01-plain-numbered"))
    first = services.pipeline.accept(raw, source="test")
    again = services.pipeline.accept(raw, source="test")
    assert first.created and not again.created and again.id == first.id

    drain(services, redis_server.url)

    workplace = services.config.workplace("hemtjanst-norr")
    by_kind = kinds(smtp_sink)
    dist = by_kind.get("distribution", [])
    assert sorted(r.rcpt_tos[0] for r in dist) == sorted(m.email for m in workplace.members)
    assert all(len(r.rcpt_tos) == 1 for r in dist)
    receipts = by_kind.get("receipt", [])
    assert [r.rcpt_tos for r in receipts] == [("anna.svensson@exempelby.se",)]

    msg = dist[0].message()
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Subject"] == "Minnesanteckningar Hemtjänst Norr 2026-11-20"
    pdfs = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdfs) == 1
    pdf_path = tmp_path / "minutes.pdf"
    pdf_path.write_bytes(pdfs[0].get_content())
    pdfsig = subprocess.run(["pdfsig", str(pdf_path)], capture_output=True, text=True)
    assert "Signature is Valid" in pdfsig.stdout, pdfsig.stdout + pdfsig.stderr
    assert "Total document signed" in pdfsig.stdout, pdfsig.stdout

    with services.db.session() as s:
        states = {d.email: d.state for d in s.scalars(select(Delivery))}
        minutes = s.scalars(select(MinutesRow)).one()
    assert set(states.values()) == {"sent"}
    assert minutes.state == "distributed"

    # Everything again: sweeper plus worker must not send anything twice.
    before = len(smtp_sink.received)
    services.pipeline.sweep()
    for step, ident in (("process", first.id), ("sign", minutes.id), ("distribute", minutes.id)):
        services.queue.enqueue(step, ident)
    drain(services, redis_server.url)
    assert len(smtp_sink.received) == before


def test_unknown_sender_is_stored_rejected_and_answered_by_nobody(services, redis_server, smtp_sink):
    raw = corpus_draft("d10-unknown-sender")  # unauthenticated and on no roster
    accepted = services.pipeline.accept(raw, source="test")
    drain(services, redis_server.url)
    with services.db.session() as s:
        row = s.get(Inbound, accepted.id)
        assert row.state == "rejected"
        assert row.error_code == "sender_not_allowed"
        assert services.files.get(row.sha256) == raw
    assert smtp_sink.received == []


def test_work_lost_by_redis_is_found_by_the_sweeper(services, redis_server, smtp_sink):
    raw = authenticated(corpus_draft("d01-plain-numbered"))
    services.pipeline.accept(raw, source="test")
    redis_server.client().flushall()
    drain(services, redis_server.url)
    assert smtp_sink.received == []
    for _ in range(4):  # process → sign → distribute → receipt, each found again in the database
        services.pipeline.sweep()
        drain(services, redis_server.url)
    assert len(kinds(smtp_sink).get("distribution", [])) == 10


def test_a_correction_pdf_says_it_is_version_2_and_replaces_version_1(services, redis_server, smtp_sink):
    raw = authenticated(corpus_draft("d01-plain-numbered"))
    services.pipeline.accept(raw, source="test")
    drain(services, redis_server.url)
    corrected = raw.replace(b"Message-ID: <", b"Message-ID: <rattad-", 1)
    assert corrected != raw
    services.pipeline.accept(corrected.replace(b"Maria", b"Maria L.", 1), source="test")
    drain(services, redis_server.url)
    with services.db.session() as s:
        rows = s.scalars(select(MinutesRow).order_by(MinutesRow.version)).all()
        versions = [(r.version, r.pdf_sha256) for r in rows]
    assert [v for v, _ in versions] == [1, 2]
    pdf = services.files.get(versions[1][1])
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "2, ersätter version 1 av den" in " ".join(text.split())
    first = subprocess.run(["pdftotext", "-", "-"], input=services.files.get(versions[0][1]),
                           capture_output=True, check=True).stdout.decode()
    assert "ersätter" not in first
