"""`minnes web` serves the page under gunicorn, not Werkzeug's development server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.web.serve import redacted
from tests.support.configs import write_config

MINNES = Path(sys.executable).with_name("minnes")
"""The console script the package installs next to this interpreter."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, user: str = "") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"X-Remote-User": user} if user else {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def started(command: list[str], port: int, log: Path) -> subprocess.Popen:
    """Start a server process, wait until it accepts connections; fail with its log when it does not."""
    env = dict(os.environ, MINNES_SECRET_KEY="serve-test-secret", MINNES_SIGNING_PASSPHRASE="serve-test",
               WEB_CONCURRENCY="2")
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{command[0]} ended ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.2)
    stop(proc)
    pytest.fail(f"nothing listens on {port}:\n{log.read_text(errors='replace')[-3000:]}")


def stop(proc: subprocess.Popen) -> int:
    """Stop a server as a supervisor does (SIGTERM to its group); return its exit status."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    return proc.returncode


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config")


SERVE = (
    "import sys; from service.config import load_config; from service.web.serve import serve; "
    "sys.exit(serve(load_config(sys.argv[1]), '127.0.0.1', int(sys.argv[2])))"
)
"""service.web.serve.serve on its own, as ``minnes web`` calls it."""


@pytest.fixture(params=["minnes web", "serve()"])
def web(
    request: pytest.FixtureRequest, config_dir: Path, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    port = free_port()
    log = tmp_path / "web.log"
    if request.param == "minnes web":
        command = [str(MINNES), "web", "--config", str(config_dir), "--host", "127.0.0.1",
                   "--port", str(port)]
    else:
        command = [sys.executable, "-c", SERVE, str(config_dir), str(port)]
    proc = started(command, port, log)
    try:
        yield f"http://127.0.0.1:{port}", proc, log
    finally:
        stop(proc)


def test_minnes_web_runs_under_gunicorn(web: tuple[str, subprocess.Popen, Path]) -> None:
    url, proc, log = web
    status, headers, body = get(url + "/login/")
    assert status == 200 and b"<html" in body
    server = headers.get("Server", "")
    assert "werkzeug" not in server.lower() and "gunicorn" in server.lower(), server
    assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", "")
    # Two workers answer, each with its own app; the trusted header logs the admin in.
    for _ in range(6):
        status, _, _ = get(url + "/", user="it.admin@exempelby.se")
        assert status == 200
    status, _, _ = get(url + "/svar/GxOGryP6PZviPyhZ2TXj-A")
    assert status == 404
    assert stop(proc) == 0
    text = log.read_text(errors="replace")
    assert "Booting worker" in text and '"GET /login/"' in text, text[-2000:]
    assert "GxOGryP6PZviPyhZ2TXj-A" not in text and '"GET /svar/…"' in text


def test_the_access_log_keeps_no_token() -> None:
    assert redacted("/svar/GxOGryP6PZviPyhZ2TXj-A") == "/svar/…"
    assert redacted("/minutes/12.pdf") == "/minutes/12.pdf"
    assert redacted("/workplace/hemtjanst-norr/actions") == "/workplace/hemtjanst-norr/actions"
