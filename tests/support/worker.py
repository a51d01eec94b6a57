"""Run the pipeline's jobs in the test's own process, with the worker Minnes runs (JSON, allow-listed)."""

from __future__ import annotations

from redis import Redis

from workers import jobs
from workers.queue import MinnesWorker


def drain(services, redis_url: str) -> None:  # noqa: ANN001 - service.bootstrap.Services
    """Run a Minnes worker in this process until the queue is empty."""
    jobs.configure(services)
    connection = Redis.from_url(redis_url)
    worker = MinnesWorker([services.config.settings.worker.queue], connection=connection)
    worker.work(burst=True, with_scheduler=False)
