"""The worker runs only Minnes's own jobs, on one id, read as JSON; the allow-list names exactly them."""

from __future__ import annotations

import inspect
import pickle

import pytest
from redis import Redis
from rq.job import Job
from rq.serializers import JSONSerializer

from workers import jobs
from workers.queue import JOB_FUNCTIONS, SERIALIZER, MinnesJob, refusal

HELPERS = {"configure", "services"}
"""Functions in workers/jobs.py that set a process up and are not jobs."""


def job(func: str, *args: object, **kwargs: object) -> Job:
    """Return an rq job as the worker would read it, without any Redis (the client connects lazily)."""
    return MinnesJob.create(func, args=args, kwargs=kwargs, connection=Redis(), serializer=SERIALIZER)


def test_the_allow_list_is_exactly_the_jobs_in_workers_jobs() -> None:
    functions = {
        f"workers.jobs.{name}"
        for name, f in inspect.getmembers(jobs, inspect.isfunction)
        if f.__module__ == jobs.__name__ and name not in HELPERS and not name.startswith("_")
    }
    assert functions == JOB_FUNCTIONS


def test_jobs_are_json() -> None:
    assert SERIALIZER is JSONSerializer


@pytest.mark.parametrize("name", sorted(JOB_FUNCTIONS))
def test_a_minnes_job_on_one_id_runs(name: str) -> None:
    assert refusal(job(name, 7)) is None


@pytest.mark.parametrize(
    ("func", "args", "kwargs", "why"),
    [
        ("os.system", ("touch /tmp/x",), {}, "'os.system' är inte ett av Minnes jobb"),
        ("workers.jobs.configure", (1,), {}, "inte ett av Minnes jobb"),
        ("workers.jobs.process", ("1",), {}, "tar ett id"),
        ("workers.jobs.process", (True,), {}, "tar ett id"),
        ("workers.jobs.process", (1, 2), {}, "tar ett id"),
        ("workers.jobs.process", (), {"inbound_id": 1}, "tar ett id"),
    ],
)
def test_anything_else_is_refused(func: str, args: tuple, kwargs: dict, why: str) -> None:
    reason = refusal(job(func, *args, **kwargs))
    assert reason is not None and why in reason


def test_a_pickled_payload_is_refused_unread() -> None:
    pickled = MinnesJob(connection=Redis(), serializer=SERIALIZER)
    pickled.data = pickle.dumps(("os.system", None, ("touch /tmp/x",), {}))
    assert "inte JSON" in (refusal(pickled) or "")


def test_another_allow_list_can_be_given() -> None:
    assert refusal(job("tests.jobs.one", 1), allowed={"tests.jobs.one"}) is None
    assert refusal(job("workers.jobs.process", 1), allowed={"tests.jobs.one"}) is not None
