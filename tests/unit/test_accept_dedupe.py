"""Accept keys a message by its bytes: a reused Message-ID with new content is a new message."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from service.archive.db import Inbound
from service.bootstrap import Services
from service.steps import accept as accept_step
from tests.support.configs import make_config


class RecordingQueue:
    """A job queue that only records what it was asked to run."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def enqueue(self, step: str, ident: int) -> None:
        with self._lock:
            self.jobs.append((step, ident))


@pytest.fixture
def rig(tmp_path, database_url, storage_backend) -> Iterator[tuple[Services, RecordingQueue]]:  # noqa: ANN001
    queue = RecordingQueue()
    config = make_config(tmp_path / "config", database_url=database_url, **storage_backend)
    with Services(config, queue=queue) as services:
        yield services, queue


def draft(body: str, *, message_id: str | None = "<utkast-1@exempelby.se>") -> bytes:
    """Return a small raw draft; ``message_id=None`` leaves the header out."""
    head = "From: Anna Svensson <anna.svensson@exempelby.se>\r\nTo: apt@exempelby.se\r\nSubject: APT\r\n"
    if message_id is not None:
        head += f"Message-ID: {message_id}\r\n"
    return f"{head}\r\n{body}\r\n".encode()


def rows(services: Services) -> list[Inbound]:
    with services.db.session() as s:
        return list(s.scalars(select(Inbound).order_by(Inbound.id)))


def test_the_same_bytes_again_are_the_same_message(rig) -> None:  # noqa: ANN001
    services, queue = rig
    first = services.pipeline.accept(draft("1. Ekonomi"), source="test")
    again = services.pipeline.accept(draft("1. Ekonomi"), source="test")
    assert first.created and not again.created and again.id == first.id
    assert [(r.id, r.message_id_reused) for r in rows(services)] == [(first.id, False)]
    assert queue.jobs == [("process", first.id)]


def test_a_known_message_id_with_new_content_is_a_new_message(rig, caplog) -> None:  # noqa: ANN001
    services, queue = rig
    first = services.pipeline.accept(draft("1. Ekonomi"), source="test")
    caplog.set_level(logging.WARNING, logger="service.steps.accept")
    second = services.pipeline.accept(draft("1. Ekonomi\r\nBeslut: rättat."), source="test")
    third = services.pipeline.accept(draft("1. Ekonomi\r\nBeslut: rättat igen."), source="test")
    assert second.created and third.created and len({first.id, second.id, third.id}) == 3
    kept = rows(services)
    assert [r.message_id for r in kept] == ["<utkast-1@exempelby.se>"] * 3
    assert [r.message_id_reused for r in kept] == [False, True, True]
    assert len({r.sha256 for r in kept}) == 3
    assert queue.jobs == [("process", first.id), ("process", second.id), ("process", third.id)]
    logged = [r.getMessage() for r in caplog.records if r.name == "service.steps.accept"]
    assert len(logged) == 2
    assert all("<utkast-1@exempelby.se>" in line and f"som #{first.id} " in line for line in logged)
    assert [line.split()[1] for line in logged] == [f"#{second.id}", f"#{third.id}"]
    # The reused one sent again, byte for byte, is still that one message.
    assert services.pipeline.context.files.get(kept[1].sha256) == draft("1. Ekonomi\r\nBeslut: rättat.")
    assert accept_step.accept(
        services.pipeline.context, draft("1. Ekonomi\r\nBeslut: rättat."), source="test"
    ) == accept_step.Accepted(second.id, False)


def test_messages_without_a_message_id_are_never_reused(rig) -> None:  # noqa: ANN001
    services, _ = rig
    a = services.pipeline.accept(draft("A", message_id=None), source="test")
    b = services.pipeline.accept(draft("B", message_id=None), source="test")
    assert a.created and b.created and a.id != b.id
    assert [(r.message_id, r.message_id_reused) for r in rows(services)] == [("", False), ("", False)]


def test_the_size_is_the_real_one_when_only_the_header_is_stored(rig) -> None:  # noqa: ANN001
    services, _ = rig
    ctx = services.pipeline.context
    header = b"From: anna.svensson@exempelby.se\r\nMessage-ID: <stor@exempelby.se>\r\n\r\n"
    big = accept_step.accept(ctx, header, source="test", source_ref={"file": "x"}, size=32 * 1024 * 1024)
    small = accept_step.accept(ctx, draft("liten"), source="test")
    odd = accept_step.accept(ctx, draft("udda"), source="test", size=3)  # never smaller than what is kept
    by_id = {r.id: r for r in rows(services)}
    assert by_id[big.id].size == 32 * 1024 * 1024
    assert ctx.files.get(by_id[big.id].sha256) == header
    assert by_id[small.id].size == len(draft("liten"))
    assert by_id[odd.id].size == len(draft("udda"))


def test_the_same_bytes_stored_by_another_intake_meanwhile_are_the_same_message(rig) -> None:  # noqa: ANN001
    """The unique sha256 decides a race: the loser answers with the winner's row, created=False."""
    services, queue = rig
    raw = draft("samtidigt")
    key = services.files.put(raw)
    won: list[int] = []

    def another_intake_wins(session: Session, _context: object, _instances: object) -> None:
        if won or not any(isinstance(o, Inbound) for o in session.new):
            return
        with services.db.engine.begin() as conn:
            result = conn.execute(
                insert(Inbound).values(sha256=key, message_id="<utkast-1@exempelby.se>", size=len(raw),
                                       source="test", source_ref='""')
            )
            won.append(result.inserted_primary_key[0])

    event.listen(Session, "before_flush", another_intake_wins)
    try:
        got = services.pipeline.accept(raw, source="test")
    finally:
        event.remove(Session, "before_flush", another_intake_wins)
    assert won and got == accept_step.Accepted(won[0], False)
    assert [r.id for r in rows(services)] == won
    assert queue.jobs == []


def test_concurrent_accepts_of_the_same_bytes_keep_one_row(rig) -> None:  # noqa: ANN001
    services, queue = rig
    raw = draft("åtta på en gång")
    start = threading.Barrier(8)
    results: list[accept_step.Accepted] = []
    errors: list[BaseException] = []

    def take() -> None:
        start.wait()
        try:
            results.append(services.pipeline.accept(raw, source="test"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert len(results) == 8 and len({r.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert len(rows(services)) == 1 and len(queue.jobs) == 1
