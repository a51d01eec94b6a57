"""An archive of real signed minutes behind the web app, served on loopback for a browser."""

from __future__ import annotations

import email
import email.policy
import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from flask import Flask
from sqlalchemy import select

from service.archive.db import Inbound, OutgoingMail
from service.bootstrap import Services
from service.config import Config
from service.web.serve import serve_threaded
from tests.support.configs import make_config
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
    with serve_threaded(app) as base:
        yield base


ADMIN = "it.admin@exempelby.se"
"""The admin of every test configuration."""

EMPLOYEE = "anna.svensson@exempelby.se"
"""An employee of hemtjanst-norr (reads its minutes only)."""

MANAGER = "maria.lind@exempelby.se"
"""Hemtjanst-norr's manager (also sees its delivery status)."""

SAFETY_REP = "karin.berg@exempelby.se"
"""Hemtjanst-norr's skyddsombud (also sees its delivery status)."""

SKIP = re.compile(r"logout|logga-ut|lang=|/static/|^mailto:|^https?://")
"""Links a crawl does not follow: logging out, the language switch, files, other sites."""


@dataclass
class Archive:
    """Signed minutes of two workplaces, and a held version with a release link."""

    config: Config
    services: Services
    own: int
    """Minutes id of d01 (hemtjanst-norr, 20 november 2026)."""
    other: int
    """Minutes id of d02 (ekbackens-skola)."""
    answer_path: str
    """The release link of a held d01 (/svar/<token>), "" when the pipeline made none."""


def two_workplaces(folder: Path) -> Archive:
    """Fill an archive with hemtjanst-norr's and ekbackens-skola's minutes, and a held version."""
    config = make_config(folder)
    services = Services(config, queue=False)
    own = publish(services, "d01-plain-numbered")
    other = publish(services, "d02-outlook-html")
    raw = corpus_draft("d01-plain-numbered").replace(
        b"Message-ID: <", b"Message-ID: <stoppad-", 1).replace(
        b"Inget nytt denna g", b"Erik Nord (850615-2384) =C3=A4r sjukskriven. Inget nytt denna g", 1)
    accepted = services.pipeline.accept(authenticated(raw), source="test")
    services.pipeline.process(accepted.id)
    answer_path = ""
    with services.db.session() as s:
        for mail in s.scalars(select(OutgoingMail).where(OutgoingMail.kind == "hold-notice")):
            text = email.message_from_bytes(mail.raw, policy=email.policy.default).get_body(("plain",))
            found = re.search(r"/svar/[A-Za-z0-9_-]{20,}", text.get_content() if text else "")
            answer_path = answer_path or (found.group() if found else "")
    return Archive(config, services, own, other, answer_path)


def crawl(app: Flask, user: str | None, seeds: list[str], *, per_endpoint: int = 3,
          most: int = 60) -> dict[str, int]:
    """Follow the links of the HTML pages ``user`` reaches from ``seeds``; return path → status.

    Only HTML pages are kept (200s, and the seeds' 404s); at most ``per_endpoint`` pages of one
    endpoint (three mails of the outbox, not all of them).
    """
    from tests.support.web import client_as

    client = client_as(app, user)
    adapter = app.url_map.bind("localhost")
    found: dict[str, int] = {}
    counted: dict[str, int] = {}
    todo = list(seeds)
    seen: set[str] = set()
    while todo and len(found) < most:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        try:
            endpoint = adapter.match(urlsplit(path).path)[0]
        except Exception:  # noqa: BLE001 - an unknown path is the 404 page
            endpoint = "404"
        if counted.get(endpoint, 0) >= per_endpoint:
            continue
        response = client.get(path)
        wanted = (200, 404) if path in seeds else (200,)
        if response.mimetype != "text/html" or response.status_code not in wanted:
            continue
        counted[endpoint] = counted.get(endpoint, 0) + 1
        found[path] = response.status_code
        for href in re.findall(r'href="([^"#]+)"', response.get_data(as_text=True)):
            href = html.unescape(href)
            if SKIP.search(href):
                continue
            target = urlsplit(urljoin(path, href))
            todo.append(target.path + (f"?{target.query}" if target.query else ""))
    return found
