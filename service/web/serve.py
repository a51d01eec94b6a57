"""Serve the archive page: gunicorn for production (``minnes web``), a threaded server for tests.

gunicorn forks its workers and each worker builds its own app (its own database engine and
connections); nothing is opened in the master before the fork.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger
from werkzeug.serving import WSGIRequestHandler, make_server

from service.config import Config

log = logging.getLogger(__name__)

THREADS = 4
"""Threads per gunicorn worker (gthread): a page waits mostly on the database and the file store."""

MOST_WORKERS = 8
"""No more worker processes than this unless asked for: each holds an app and its connections."""

TIMEOUT = 120
"""Seconds a request may take before gunicorn replaces the worker (a PDF check is bounded well below)."""

ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
"""One line per request: client, method, path (no query string: it may hold search words), status."""

_TOKEN = re.compile(r"[A-Za-z0-9_\-]{20,}")
"""A path segment that looks like a link token (answer and login links); never written to the log."""


def redacted(path: str) -> str:
    """Return a request path with anything token-like replaced, for the access log."""
    return _TOKEN.sub("…", path)


class AccessLogger(Logger):
    """gunicorn's logger, without the tokens that links carry in their path."""

    def atoms(self, resp, req, environ, request_time):  # noqa: ANN001, ANN201 - gunicorn's signature
        """Return the log line's fields with the path redacted."""
        found = super().atoms(resp, req, environ, request_time)
        found["U"] = redacted(found.get("U", ""))
        return found


def listen_address(config: Config, host: str | None = None, port: int | None = None) -> tuple[str, int]:
    """Return where to listen: the arguments, else ``[web] listen``, else 127.0.0.1:8080."""
    listen_host, _, listen_port = config.settings.web.listen.rpartition(":")
    return host or listen_host.strip("[]") or "127.0.0.1", port or int(listen_port or 8080)


def default_workers() -> int:
    """Return how many worker processes to start: WEB_CONCURRENCY, else 2 per CPU plus one (at most 8)."""
    asked = os.environ.get("WEB_CONCURRENCY", "")
    if asked.isdigit() and int(asked) > 0:
        return int(asked)
    return min(2 * (os.cpu_count() or 1) + 1, MOST_WORKERS)


def gunicorn_options(config: Config, host: str, port: int, workers: int | None = None) -> dict[str, object]:
    """Return gunicorn's settings for serving this configuration."""
    proxies = ",".join(config.settings.web.trusted_proxies) or "127.0.0.1"
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return {
        "bind": [bind],
        "workers": workers or default_workers(),
        "worker_class": "gthread",
        "threads": THREADS,
        "timeout": TIMEOUT,
        "graceful_timeout": 20,
        "keepalive": 5,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "access_log_format": ACCESS_LOG_FORMAT,
        "logger_class": AccessLogger,
        # X-Forwarded-Proto and friends count only from the proxies the config trusts.
        "forwarded_allow_ips": proxies,
        "proxy_allow_ips": proxies,
        "control_socket_disable": True,
        "proc_name": "minnes-web",
    }


class _Gunicorn(BaseApplication):
    """gunicorn running one app factory, configured in code rather than from its command line."""

    def __init__(self, factory: Callable[[], Flask], options: dict[str, object]) -> None:
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply the options."""
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """Build the app (in each worker, after the fork)."""
        return self._factory()


def serve(
    config: Config, host: str | None = None, port: int | None = None, workers: int | None = None
) -> int:
    """Serve the archive page under gunicorn until stopped (SIGTERM or Ctrl-C); return the exit status."""
    from service.web import create_app

    host, port = listen_address(config, host, port)
    options = gunicorn_options(config, host, port, workers)
    log.info("arkivsidan: http://%s:%s (gunicorn, %s processer)", host, port, options["workers"])
    try:
        _Gunicorn(lambda: create_app(config), options).run()
    except SystemExit as stopped:
        return stopped.code if isinstance(stopped.code, int) else (0 if stopped.code is None else 1)
    return 0


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler, calling itself Minnes rather than naming the development server."""

    def version_string(self) -> str:
        """Return the Server header."""
        return "Minnes"


@contextmanager
def serve_threaded(app: Flask, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` in a thread of this process (tests, the one-machine demo); yield its base URL."""
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
