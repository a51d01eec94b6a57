"""`minnes status` on the folder and on S3: files the archive needs and the store lacks, and stuck minutes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from service.archive.db import Inbound, MinutesRow
from service.bootstrap import Services
from service.reports import signing_key_state
from tests.support.configs import make_config
from tests.support.drafts import authenticated, corpus_draft


@pytest.fixture
def services(tmp_path, database_url, storage_backend) -> Iterator[Services]:  # noqa: ANN001
    config = make_config(tmp_path / "config", database_url=database_url, **storage_backend)
    with Services(config, queue=False) as s:
        yield s


def test_a_raw_message_missing_before_it_was_processed_is_an_error(services: Services) -> None:
    raw = authenticated(corpus_draft("d01-plain-numbered"))
    accepted = services.pipeline.accept(raw, source="test")
    assert "FEL" not in services.reports.status_text()
    with services.db.session() as s:
        sha = s.get(Inbound, accepted.id).sha256
    services.files.delete(sha)

    text = services.reports.status_text()
    assert f"FEL: 1 filer som arkivet hänvisar till saknas i {services.files.where}" in text, text
    assert f"saknas: inkommande #{accepted.id} (<" in text and sha in text, text

    services.files.put(raw)
    assert "FEL" not in services.reports.status_text()


def test_minutes_structured_but_never_signed_point_at_the_signing_key(services: Services) -> None:
    accepted = services.pipeline.accept(authenticated(corpus_draft("d01-plain-numbered")), source="test")
    services.pipeline.process(accepted.id)  # no queue: sign never runs
    an_hour_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=1)
    with services.db.session() as s:
        s.execute(update(MinutesRow).values(created_at=an_hour_ago))
        minutes = s.scalars(select(MinutesRow)).one()
    assert minutes.state == "structured"
    key = services.config.settings.signing.pkcs12

    text = services.reports.status_text()
    line = next(x for x in text.splitlines() if f"minnesanteckningar #{minutes.id}" in x)
    assert "strukturerat sedan" in line and "aldrig signerade eller utskickade" in line, text
    assert f"kontrollera signeringsnyckeln {key} (finns inte;" in line, line
    assert "minnes check-config" in line

    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_bytes(b"inte en riktig nyckel")
    assert f"signeringsnyckeln {key} (finns och kan läsas)" in services.reports.status_text()


def test_signing_key_state_says_what_is_wrong(tmp_path) -> None:  # noqa: ANN001
    assert signing_key_state(tmp_path) == "är ingen fil"
    assert signing_key_state(tmp_path / "saknas.p12").startswith("finns inte")
