"""The rq queue that carries pipeline work; Redis may lose it, the database keeps the truth.

The sweeper asks for unfinished work again and again, so each piece of work (step, id) has at most
two jobs: one under its own id, and while that one runs, one follow-up that runs after it. A job left
"started" by a worker that was killed is replaced, so it never blocks its work.
"""

from __future__ import annotations

import datetime as dt

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.job import Job

from service.archive.claims import claimer_gone, worker_identity
from service.steps.context import STEPS

FAILED_BACKOFF_SECONDS = 60.0
"""How long a failed job blocks asking for the same work again (no retry storm every sweep)."""


class QueueError(Exception):
    """Redis could not be reached."""


def worker_name() -> str:
    """Return the rq worker name of this process: host:pid, so others can tell whether it still runs."""
    return worker_identity()


def owns(connection: Redis, jid: str, name: str) -> bool:
    """Tell whether Redis still records job `jid` as started by worker `name`."""
    status, worker = connection.hmget(f"rq:job:{jid}", ["status", "worker_name"])
    return status == b"started" and worker == name.encode()


class MinnesWorker(SimpleWorker):
    """An rq SimpleWorker that finishes only job records that are still its own.

    When Redis is flushed, or the sweeper has put a fresh copy under the same id while a job runs, rq's
    bookkeeping afterwards would mark that copy failed or delete it. The database already holds what
    the job did, so the worker logs it, leaves the record alone, and lets the sweeper ask again.
    """

    def _still_owned(self, job: Job) -> bool:
        if owns(self.connection, job.id, self.name):
            return True
        self.log.warning(
            "jobbet %s står inte längre som startat av %s i Redis (tömd eller ersatt); "
            "databasen avgör vad som återstår",
            job.id,
            self.name,
        )
        return False

    def handle_job_success(self, job: Job, queue: Queue, started_job_registry, execution) -> None:
        """Record a finished job, unless its record is no longer this worker's."""
        if self._still_owned(job):
            super().handle_job_success(job, queue, started_job_registry, execution)

    def handle_job_failure(
        self,
        job: Job,
        queue: Queue,
        started_job_registry=None,
        exc_string: str = "",
        execution=None,
    ) -> None:
        """Record a failed job, unless its record is no longer this worker's."""
        if self._still_owned(job):
            super().handle_job_failure(
                job, queue, started_job_registry, exc_string=exc_string, execution=execution
            )


def job_id(step: str, ident: int) -> str:
    """Return the rq job id of one step on one id: the same work always has the same id."""
    return f"minnes-{step}-{int(ident)}"


class RqQueue:
    """Enqueue pipeline steps as rq jobs that take one id, without piling up copies."""

    def __init__(
        self, url: str, name: str = "minnes", *, job_timeout: int = 600, stale_seconds: float = 180.0
    ) -> None:
        self.connection = Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        self.queue = Queue(name, connection=self.connection)
        self.job_timeout = job_timeout
        self.stale_seconds = stale_seconds

    def _state(self, jid: str) -> str:
        """Return 'waiting', 'running' or 'free' (absent, finished, failed, or its worker is gone)."""
        from rq.exceptions import NoSuchJobError

        try:
            job = Job.fetch(jid, connection=self.connection)
        except NoSuchJobError:
            return "free"
        status = job.get_status(refresh=False)
        status = str(getattr(status, "value", status))
        if status in ("queued", "scheduled", "deferred"):
            return "waiting"
        if status == "failed" and job.ended_at is not None:
            # A job that just failed waits a while before the sweeper tries it again.
            ended = job.ended_at if job.ended_at.tzinfo else job.ended_at.replace(tzinfo=dt.UTC)
            if (dt.datetime.now(dt.UTC) - ended).total_seconds() < FAILED_BACKOFF_SECONDS:
                return "waiting"
        if status != "started":
            return "free"
        gone = claimer_gone(getattr(job, "worker_name", "") or "")
        if gone is not None:
            return "free" if gone else "running"
        started = job.started_at
        if started is not None:
            if started.tzinfo is None:
                started = started.replace(tzinfo=dt.UTC)
            age = (dt.datetime.now(dt.UTC) - started).total_seconds()
            if age > max(self.stale_seconds, self.job_timeout):
                return "free"
        return "running"

    def _put(self, step: str, ident: int, jid: str) -> None:
        from rq.exceptions import DuplicateJobError, NoSuchJobError

        try:
            Job.fetch(jid, connection=self.connection).delete()
        except NoSuchJobError:
            # A remnant rq cannot read (a heartbeat written after a flush) would block the id for good.
            self.connection.delete(Job.key_for(jid))
        try:
            self.queue.enqueue(
                f"workers.jobs.{step}",
                int(ident),
                job_id=jid,
                unique=True,
                job_timeout=self.job_timeout,
                result_ttl=0,
                failure_ttl=86400,
            )
        except DuplicateJobError:
            pass  # another process enqueued the same job a moment ago

    def enqueue(self, step: str, ident: int) -> None:
        """Enqueue ``workers.jobs.<step>(ident)`` unless a copy of it is already waiting."""
        if step not in STEPS:
            raise ValueError(f"okänt steg {step}")
        jid = job_id(step, ident)
        follow = f"{jid}-next"
        try:
            first, second = self._state(jid), self._state(follow)
            if "waiting" in (first, second):
                return
            if first == "free":
                self._put(step, ident, jid)
            elif second == "free":
                self._put(step, ident, follow)  # running now: run once more after it
        except RedisError as exc:
            raise QueueError(f"Redis svarar inte: {exc}") from exc
