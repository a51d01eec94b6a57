"""Whoever reaches Redis cannot run code as the worker; the Redis `minnes run` starts wants a password."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
from pathlib import Path

import pytest
from redis import Redis
from redis.exceptions import AuthenticationError
from rq import Callback, Queue
from sqlalchemy import select

from service.archive.db import Inbound, MinutesRow
from service.bootstrap import Services
from service.config import ConfigError, load_config
from tests.support.configs import make_config, write_config
from tests.support.drafts import authenticated, corpus_draft
from tests.support.redis import free_port
from workers import jobs
from workers.queue import SERIALIZER, MinnesWorker, worker_name
from workers.runner import REDIS_PASSWORD_FILE, start_local_redis

pytestmark = pytest.mark.integration


@pytest.fixture
def services(tmp_path, redis_server):  # noqa: ANN001, ANN201
    config = make_config(tmp_path / "config", redis_url=redis_server.url)
    with Services(config) as s:
        jobs.configure(s)
        yield s


def work(services: Services, connection: Redis) -> None:
    """Run the worker `minnes worker` runs, in this process, until the queue is empty."""
    name = services.config.settings.worker.queue
    MinnesWorker([name], connection=connection, name=worker_name()).work(burst=True, with_scheduler=False)


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    return [m for m in warnings if "vägrades" in m]


def test_a_pickled_job_never_runs_and_the_worker_goes_on(services, redis_server, tmp_path, caplog) -> None:  # noqa: ANN001
    proof = tmp_path / "pwned"
    connection = redis_server.client()
    foreign = Queue(services.config.settings.worker.queue, connection=connection)  # rq's default: pickle
    job = foreign.enqueue(os.system, f"touch {proof}")
    inbound = services.pipeline.accept(authenticated(corpus_draft("d01-plain-numbered")), source="test")

    with caplog.at_level(logging.WARNING):
        work(services, connection)

    assert not proof.exists()
    assert any(job.id in m and "JSON" in m for m in refusals(caplog)), caplog.text
    assert not connection.exists(f"rq:job:{job.id}")
    with services.db.session() as s:
        assert s.get(Inbound, inbound.id).state == "accepted"
        assert s.scalars(select(MinutesRow)).one().state == "distributed"


def test_a_json_job_naming_another_function_is_refused(services, redis_server, tmp_path, caplog) -> None:  # noqa: ANN001
    proof = tmp_path / "pwned"
    connection = redis_server.client()
    queue = Queue(services.config.settings.worker.queue, connection=connection, serializer=SERIALIZER)
    other = queue.enqueue("os.system", f"touch {proof}")
    not_an_id = queue.enqueue("workers.jobs.process", f"1; touch {proof}")
    callback = queue.enqueue("workers.jobs.process", 1, on_success=Callback("os.system"))

    with caplog.at_level(logging.WARNING):
        work(services, connection)

    assert not proof.exists()
    messages = refusals(caplog)
    assert any(other.id in m and "'os.system' är inte ett av Minnes jobb" in m for m in messages), messages
    assert any(not_an_id.id in m and "tar ett id" in m for m in messages), messages
    assert any(callback.id in m and "success-callback 'os.system'" in m for m in messages), messages


def test_a_record_rq_cannot_read_does_not_stop_the_worker(services, redis_server, caplog) -> None:  # noqa: ANN001
    connection = redis_server.client()
    name = services.config.settings.worker.queue
    connection.hset("rq:job:broken", mapping={"data": b"{}", "status": "nonsense", "origin": name})
    connection.rpush(f"rq:queue:{name}", "broken")
    inbound = services.pipeline.accept(authenticated(corpus_draft("d01-plain-numbered")), source="test")

    with caplog.at_level(logging.WARNING):
        work(services, connection)

    assert any("broken" in m for m in refusals(caplog)), caplog.text
    assert not connection.exists("rq:job:broken")
    with services.db.session() as s:
        assert s.get(Inbound, inbound.id).state == "accepted"


# --------------------------------------------------------------------------- the embedded redis-server


def embedded_config(folder: Path, port: int):  # noqa: ANN201 - Config
    """Write a configuration with no redis.url, as `minnes run` starts its own redis-server for."""
    write_config(folder)
    toml = folder / "minnes.toml"
    toml.write_text(toml.read_text().replace('url = ""\n', f'url = ""\nport = {port}\n', 1))
    return load_config(folder)


def stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_embedded_redis_wants_its_generated_password(tmp_path) -> None:  # noqa: ANN001
    port = free_port()
    config = embedded_config(tmp_path / "config", port)
    state = Path(config.settings.storage.state_path)
    url, proc = start_local_redis(config)
    try:
        assert proc is not None
        with pytest.raises(AuthenticationError):
            Redis(host="127.0.0.1", port=port).ping()
        cli = subprocess.run(["redis-cli", "-p", str(port), "PING"], capture_output=True, text=True)
        assert "NOAUTH" in cli.stdout + cli.stderr
        assert Redis.from_url(url).ping()

        password = (state / REDIS_PASSWORD_FILE).read_text().strip()
        assert len(password) >= 22 and password in url
        assert stat.S_IMODE((state / REDIS_PASSWORD_FILE).stat().st_mode) == 0o600
        assert stat.S_IMODE(state.stat().st_mode) == 0o700
        assert password.encode() not in Path(f"/proc/{proc.pid}/cmdline").read_bytes()
        binds = Redis.from_url(url).config_get("bind")["bind"]
        assert binds.split() == ["127.0.0.1"]
    finally:
        stop(proc)

    again_url, again = start_local_redis(config)  # the next `minnes run`
    try:
        assert again_url == url
        assert (state / REDIS_PASSWORD_FILE).read_text().strip() == password
        assert Redis.from_url(again_url).ping()
    finally:
        stop(again)


def test_an_open_redis_on_the_port_is_not_used(tmp_path, redis_server) -> None:  # noqa: ANN001
    config = embedded_config(tmp_path / "config", redis_server.port)
    with pytest.raises(ConfigError, match="utan lösenord"):
        start_local_redis(config)
