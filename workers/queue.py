"""The rq queue that carries pipeline work; Redis may lose it, the database keeps the truth.

The sweeper asks for unfinished work again and again, so each piece of work (step, id) has at most
two jobs: one under its own id, and while that one runs, one follow-up that runs after it. A job left
"started" by a worker that was killed is replaced, so it never blocks its work.

Whoever can write to Redis must not be able to run code as the worker: jobs are written and read as
JSON (rq's default, pickle, runs code while it reads), and the worker runs only Minnes's own job
functions on one id. Anything else it logs, removes and leaves unrun.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker
from rq.exceptions import DeserializationError, NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from service.archive.claims import claimer_gone, worker_identity
from service.steps.context import STEPS

SERIALIZER = JSONSerializer
"""How jobs are written to and read from Redis: JSON, which never runs code while it reads."""

JOB_FUNCTIONS: frozenset[str] = frozenset(f"workers.jobs.{step}" for step in STEPS)
"""The only functions a Minnes worker runs: the jobs in workers/jobs.py, one per pipeline step."""

FAILED_BACKOFF_SECONDS = 60.0
"""How long a failed job blocks asking for the same work again (no retry storm every sweep)."""

COMMAND_WAIT_SECONDS = 1.0
"""How long the worker's command listener (rq's pubsub thread) waits for a message before it looks
again. rq's 60 s made every stopping worker wait up to a minute: redis-py 8.2 joins that thread."""


class QueueError(Exception):
    """Redis could not be reached."""


def worker_name() -> str:
    """Return the rq worker name of this process: host:pid, so others can tell whether it still runs."""
    return worker_identity()


def owns(connection: Redis, jid: str, name: str) -> bool:
    """Tell whether Redis still records job `jid` as started by worker `name`."""
    status, worker = connection.hmget(f"rq:job:{jid}", ["status", "worker_name"])
    return status == b"started" and worker == name.encode()


class MinnesJob(Job):
    """An rq job that never calls back: callbacks and webhooks named in its record are noted, not kept.

    Minnes enqueues none, so a record that names one was written by someone else; the worker refuses it.
    """

    foreign: tuple[str, ...] = ()
    """What the record asked for besides its function: callbacks and webhooks, which are dropped."""

    def restore(self, raw_data: Any) -> None:
        """Read the record from Redis, dropping any callback or webhook it names."""
        super().restore(raw_data)
        foreign = [
            f"{kind}-callback {name!r}"
            for kind, name in (
                ("success", self._success_callback_name),
                ("failure", self._failure_callback_name),
                ("stopped", self._stopped_callback_name),
            )
            if name
        ]
        if self.webhooks:
            foreign.append("webhooks")
        self.foreign = tuple(foreign)
        self._success_callback_name = self._failure_callback_name = self._stopped_callback_name = None
        self.webhooks = []


def refusal(job: Job, allowed: Iterable[str] = JOB_FUNCTIONS) -> str | None:
    """Return why the worker must not run ``job`` (in Swedish), or None when it is one of Minnes's jobs."""
    try:
        name, instance, args, kwargs = job.func_name, job.instance, job.args, job.kwargs
    except DeserializationError:
        return "innehållet är inte JSON (kanske rq:s pickle) och läses inte"
    if not isinstance(name, str) or name not in frozenset(allowed):
        return f"funktionen {name!r} är inte ett av Minnes jobb"
    if instance is not None:
        return f"{name} ska inte köras på ett objekt"
    if kwargs or not isinstance(args, list | tuple) or len(args) != 1 or type(args[0]) is not int:
        return f"{name} tar ett id, inte {args!r} {kwargs!r}"
    if getattr(job, "foreign", ()):
        return f"{name} begär också {', '.join(job.foreign)}"
    return None


class MinnesWorker(SimpleWorker):
    """An rq SimpleWorker that runs only Minnes's jobs, and finishes only job records still its own.

    Jobs are read as JSON; one that is not, that names another function, or takes anything but one id,
    is logged and removed without running, and the worker goes on with the next.

    When Redis is flushed, or the sweeper has put a fresh copy under the same id while a job runs, rq's
    bookkeeping afterwards would mark that copy failed or delete it. The database already holds what
    the job did, so the worker logs it, leaves the record alone, and lets the sweeper ask again.
    """

    def __init__(
        self,
        queues: str | Queue | Sequence[str | Queue],
        *,
        connection: Redis,
        allowed: Iterable[str] = JOB_FUNCTIONS,
        **kwargs: Any,
    ) -> None:
        items: Sequence[str | Queue] = [queues] if isinstance(queues, str | Queue) else queues
        names = [q.name if isinstance(q, Queue) else q for q in items]
        kwargs.update(serializer=SERIALIZER, job_class=MinnesJob)
        super().__init__(names, connection=connection, **kwargs)
        self.allowed = frozenset(allowed)

    def subscribe(self) -> None:
        """Listen on this worker's command channel with a thread that stops within a second."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=COMMAND_WAIT_SECONDS, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    def _discard(self, jid: str, queue: Queue | None) -> None:
        """Remove a refused job's record, and its id from the queue's list of jobs being taken."""
        with self.connection.pipeline() as pipe:
            if queue is not None:
                pipe.lrem(queue.intermediate_queue_key, 0, jid)
            pipe.delete(Job.key_for(jid), Job.dependents_key_for(jid), f"{Job.key_for(jid)}:dependencies")
            pipe.execute()

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Run the job if it is one of Minnes's; otherwise log what was refused and remove it unrun."""
        reason = refusal(job, self.allowed)
        if reason is None:
            super().execute_job(job, queue)
            return
        self.log.warning("jobbet %s vägrades och körs inte: %s", job.id, reason)
        self._discard(job.id, queue)

    def dequeue_job_and_maintain_ttl(
        self, timeout: int | None, max_idle_time: int | None = None
    ) -> tuple[Job, Queue] | None:
        """Take the next job; a record rq cannot even read is logged and removed, not the worker's end."""
        while True:
            try:
                return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
            except Exception as exc:
                jid = getattr(exc, "job_id", None)
                if not isinstance(jid, str) or isinstance(exc, RedisError):
                    raise
                self.log.warning("jobbet %s vägrades och körs inte: posten går inte att läsa (%s)", jid, exc)
                self._discard(jid, getattr(exc, "queue", None))

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
        self.queue = Queue(name, connection=self.connection, serializer=SERIALIZER, job_class=MinnesJob)
        self.job_timeout = job_timeout
        self.stale_seconds = stale_seconds

    def _fetch(self, jid: str) -> Job | None:
        """Return job ``jid`` read as JSON, or None when it is absent or its record cannot be read."""
        try:
            return MinnesJob.fetch(jid, connection=self.connection, serializer=SERIALIZER)
        except NoSuchJobError:
            return None
        except RedisError:
            raise
        except Exception:  # noqa: BLE001 - a record someone else wrote; _put replaces it
            return None

    def _state(self, jid: str) -> str:
        """Return 'waiting', 'running' or 'free' (absent, unreadable, finished, failed, or worker gone)."""
        job = self._fetch(jid)
        if job is None:
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
        from rq.exceptions import DuplicateJobError

        old = self._fetch(jid)
        if old is not None:
            old.delete()
        else:
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
