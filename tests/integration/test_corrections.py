"""Corrections on real Redis, rq and SMTP: a new draft for a distributed meeting reaches everyone once.

The corrected mail's subject and PDF say it is version 2, and its body opens with what changed; the
archive page lists both versions, marks the current one and shows the changes; a version that waits
at a gate is on no page.
"""

from __future__ import annotations

import re
import subprocess

import pytest
from sqlalchemy import select

from service.archive.db import MinutesRow
from service.bootstrap import Services
from service.config import load_config
from service.web import create_app
from tests.integration.test_pipeline import kinds
from tests.support.configs import make_config, write_config
from tests.support.drafts import authenticated, corpus_draft
from tests.support.web import client_as
from tests.support.worker import drain

ANNA = "anna.svensson@exempelby.se"


@pytest.fixture
def services(tmp_path, redis_server, smtp_sink, database_url):  # noqa: ANN001, ANN201
    config = make_config(
        tmp_path / "config", redis_url=redis_server.url, smtp_port=smtp_sink.port, database_url=database_url
    )
    with Services(config) as s:
        yield s


FIXES = (
    (b"Johan Ek, Fatima Ali, Erik Nord", b"Johan Ek, Fatima Ali, Erik Nord, Sara Holm"),
    (b"Fr=C3=A5nvarande: Sara Holm, Mehmet Yilmaz", b"Fr=C3=A5nvarande: Mehmet Yilmaz"),
    (b"Inga =C3=B6vriga fr=C3=A5gor.", b"Inga =C3=B6vriga fr=C3=A5gor. Julbordet flyttas=\r\n till fredag."),
)
"""What the correction of d01 changes (quoted-printable, as the draft is written)."""


def corrected(raw: bytes, message_id: str = "rattad") -> bytes:
    """Return d01 corrected: Sara Holm was there after all, and Övriga frågor gained a sentence."""
    fixed = raw.replace(b"Message-ID: <", f"Message-ID: <{message_id}-".encode(), 1)
    for before, after in FIXES:
        assert before in fixed
        fixed = fixed.replace(before, after, 1)
    return fixed


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return " ".join(out.split())


def body_of(received) -> str:  # noqa: ANN001 - a received SMTP message
    return received.message().get_body(("plain",)).get_content().replace("\r\n", "\n")


def test_a_correction_reaches_everyone_once_says_so_and_the_page_shows_both_versions(
    services, redis_server, smtp_sink
):
    original = corpus_draft("d01-plain-numbered")
    services.pipeline.accept(authenticated(original), source="test")
    drain(services, redis_server.url)
    members = services.config.workplace("hemtjanst-norr").members
    everyone = sorted(m.email for m in members)
    assert sorted(r.rcpt_tos[0] for r in kinds(smtp_sink)["distribution"]) == everyone

    smtp_sink.clear()
    services.pipeline.accept(authenticated(corrected(original)), source="test")
    drain(services, redis_server.url)
    mails = kinds(smtp_sink)["distribution"]
    assert sorted(r.rcpt_tos[0] for r in mails) == everyone, "everyone exactly one corrected mail"
    with services.db.session() as s:
        rows = s.scalars(select(MinutesRow).order_by(MinutesRow.id)).all()
        assert [(r.version, r.state) for r in rows] == [(1, "distributed"), (2, "distributed")]
        first, second = rows[0].id, rows[1].id
        assert rows[1].replaces_id == first
        pdf_key = rows[1].pdf_sha256

    for mail in mails:
        message = mail.message()
        assert str(message["Subject"]).endswith("(rättad version 2)")
        [attachment] = list(message.iter_attachments())
        assert attachment.get_filename().endswith("-v2.pdf")
    body = body_of(mails[0])
    opening = body.split("\n\n")[1].splitlines()
    assert opening[0] == "Rättad version 2 – det här har ändrats:"
    assert "- Närvaro: Sara Holm var närvarande (stod som frånvarande)" in opening
    assert "- § 8 Övriga frågor: tillagt i texten: ”Julbordet flyttas till fredag.”" in opening
    assert len(opening) == 3, opening
    text = pdf_text(services.files.get(pdf_key))
    assert re.search(r"2, ersätter version 1 av den", text) and "Julbordet flyttas till fredag." in text

    client = client_as(create_app(services.config, services))
    index = client.get("/").get_data(as_text=True)
    assert f'href="/minutes/{second}"' in index and f'href="/minutes/{first}"' not in index
    page = client.get(f"/minutes/{second}").get_data(as_text=True)
    assert "Ändringar mot version 1" in page
    assert "tillagt i texten: ”Julbordet flyttas till fredag.”" in page
    assert "Sara Holm var närvarande (stod som frånvarande)" in page
    assert '<strong aria-current="page">Version 2</strong>' in page
    assert f'<a href="/minutes/{first}">Version 1</a>' in page
    old = client.get(f"/minutes/{first}").get_data(as_text=True)
    assert f'<a href="/minutes/{second}">Gällande version är version 2</a>' in old

    # A third draft the MX did not vouch for waits at the confirm gate: only Anna hears of it, and it is
    # on no page.
    smtp_sink.clear()
    services.pipeline.accept(corrected(original, "obekraftad"), source="test")
    drain(services, redis_server.url)
    assert {k: [r.rcpt_tos for r in v] for k, v in kinds(smtp_sink).items()} == {"confirm-request": [(ANNA,)]}
    with services.db.session() as s:
        held = s.scalars(select(MinutesRow).where(MinutesRow.state == "held")).one()
        assert (held.gate, held.version <= 0) == ("confirm", True)
        held_id = held.id
    assert client.get(f"/minutes/{held_id}").status_code == 404
    assert client.get(f"/minutes/{held_id}.pdf").status_code == 404
    pages = ("/", "/?q=julbordet", "/workplace/hemtjanst-norr", f"/minutes/{second}", f"/minutes/{first}")
    for path in pages:
        page = client.get(path).get_data(as_text=True)
        assert f"/minutes/{held_id}" not in page, path
    versions = client.get(f"/minutes/{second}").get_data(as_text=True)
    assert versions.count("aria-current=\"page\">Version") == 1 and "Version 3" not in versions


def test_a_correction_held_at_the_review_gate_leaves_the_distributed_version_current(
    tmp_path, redis_server, smtp_sink, database_url
):
    folder = write_config(
        tmp_path / "config", redis_url=redis_server.url, smtp_port=smtp_sink.port, database_url=database_url
    )
    original = corpus_draft("d01-plain-numbered")
    with Services(load_config(folder)) as services:
        services.pipeline.accept(authenticated(original), source="test")
        drain(services, redis_server.url)
        with services.db.session() as s:
            [first] = s.scalars(select(MinutesRow.id)).all()
    # The workplace now gives the note-taker an hour to look the minutes over before they go out.
    toml = folder / "workplaces" / "hemtjanst-norr.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'roster = "hemtjanst-norr.csv"\n', 'roster = "hemtjanst-norr.csv"\nreview_minutes = 60\n', 1
    ), encoding="utf-8")
    with Services(load_config(folder)) as services:
        assert services.config.workplace("hemtjanst-norr").review_minutes == 60
        smtp_sink.clear()
        services.pipeline.accept(authenticated(corrected(original)), source="test")
        drain(services, redis_server.url)
        assert "distribution" not in kinds(smtp_sink)
        with services.db.session() as s:
            held = s.scalars(select(MinutesRow).where(MinutesRow.id != first)).one()
            assert (held.state, held.gate, held.version <= 0) == ("held", "review", True)
        client = client_as(create_app(services.config, services))
        assert client.get(f"/minutes/{held.id}").status_code == 404
        page = client.get(f"/minutes/{first}").get_data(as_text=True)
        assert "Versioner" not in page and "äldre version" not in page
        assert f"/minutes/{held.id}" not in client.get("/?q=julbordet").get_data(as_text=True)
        assert f'href="/minutes/{first}"' in client.get("/").get_data(as_text=True)
