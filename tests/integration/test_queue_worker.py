"""The rq worker leaves alone a job record that Redis lost or replaced while the job ran."""

from __future__ import annotations

import pytest
from rq import Queue, get_current_job
from rq.registry import FailedJobRegistry

from workers.queue import COMMAND_WAIT_SECONDS, SERIALIZER, MinnesWorker, RqQueue, worker_name

pytestmark = pytest.mark.integration

QUEUE = "minnes-test"

HERE = __name__
"""The test jobs below run only because the workers here allow them by name."""


def flush_redis_then_return(_ident: int) -> int:
    """Do the work, while somebody flushes Redis."""
    get_current_job().connection.flushall()
    return 1


def mark_that_the_copy_ran(_ident: int) -> None:
    """Stand for the sweeper's fresh copy of the same work."""
    get_current_job().connection.set("the-copy-ran", 1)


def replace_own_record_then_fail(ident: int) -> None:
    """Lose this job's record to a fresh copy under the same id, then fail."""
    job = get_current_job()
    job.connection.delete(job.key)
    Queue(QUEUE, connection=job.connection, serializer=SERIALIZER).enqueue(
        mark_that_the_copy_ran, ident, job_id=job.id, result_ttl=0
    )
    raise RuntimeError("the work failed")


def fail_plainly(_ident: int) -> None:
    """Fail while Redis keeps the record."""
    raise RuntimeError("the work failed")


ALLOWED = frozenset(
    f"{HERE}.{name}"
    for name in (
        "flush_redis_then_return",
        "mark_that_the_copy_ran",
        "replace_own_record_then_fail",
        "fail_plainly",
    )
)


def run(connection, func) -> None:  # noqa: ANN001
    queue = Queue(QUEUE, connection=connection, serializer=SERIALIZER)
    queue.enqueue(func, 1, job_id="minnes-distribute-1", result_ttl=0, failure_ttl=600)
    worker = MinnesWorker([QUEUE], connection=connection, name=worker_name(), allowed=ALLOWED)
    worker.work(burst=True, with_scheduler=False)


def test_a_job_whose_redis_was_flushed_is_not_recorded_as_failed(redis_server) -> None:  # noqa: ANN001
    connection = redis_server.client()
    run(connection, flush_redis_then_return)
    assert FailedJobRegistry(QUEUE, connection=connection).get_job_ids() == []
    RqQueue(redis_server.url, QUEUE).enqueue("distribute", 1)  # the sweeper asks again: not held back
    assert Queue(QUEUE, connection=connection).get_job_ids() == ["minnes-distribute-1"]


def test_a_fresh_copy_under_the_same_id_survives_and_runs(redis_server) -> None:  # noqa: ANN001
    connection = redis_server.client()
    run(connection, replace_own_record_then_fail)
    assert connection.get("the-copy-ran") == b"1"
    assert FailedJobRegistry(QUEUE, connection=connection).get_job_ids() == []


def test_a_job_that_keeps_its_record_is_still_recorded_as_failed(redis_server) -> None:  # noqa: ANN001
    connection = redis_server.client()
    run(connection, fail_plainly)
    assert FailedJobRegistry(QUEUE, connection=connection).get_job_ids() == ["minnes-distribute-1"]


def test_the_command_listener_looks_again_every_second_so_a_stopping_worker_never_waits_a_minute(
    redis_server,  # noqa: ANN001
) -> None:
    worker = MinnesWorker([QUEUE], connection=redis_server.client(), name=worker_name())
    worker.subscribe()
    try:
        assert worker.pubsub_thread.is_alive()
        assert worker.pubsub_thread.sleep_time == COMMAND_WAIT_SECONDS <= 1.0
    finally:
        worker.unsubscribe()
    assert not worker.pubsub_thread.is_alive()
