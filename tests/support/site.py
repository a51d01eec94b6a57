"""An archive of real signed minutes behind the web app, served on loopback for a browser."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server

from service.archive.db import Inbound
from service.bootstrap import Services
from tests.support.drafts import authenticated, corpus_draft


def publish(services: Services, case: str, changes: tuple[tuple[bytes, bytes], ...] = ()) -> int:
    """Take a corpus draft (changed, for a correction) through the whole pipeline; return its minutes id."""
    pipeline = services.pipeline
    raw = corpus_draft(case)
    for before, after in changes:
        assert before in raw
        raw = raw.replace(before, after, 1)
    if changes:
        raw = raw.replace(b"Message-ID: <", b"Message-ID: <rattad-", 1)
    accepted = pipeline.accept(authenticated(raw), source="test")
    pipeline.process(accepted.id)
    with services.db.session() as s:
        minutes_id = s.get(Inbound, accepted.id).minutes_id
    assert minutes_id, f"{case} was not accepted"
    pipeline.sign(minutes_id)
    pipeline.distribute(minutes_id)
    return minutes_id


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
