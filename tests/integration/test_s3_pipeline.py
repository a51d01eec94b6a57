"""The pipeline with ``storage.url`` on moto's S3 server: everyone reached, PDFs valid, no local files."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from service.archive.db import Delivery, Inbound, MinutesRow
from service.archive.files import MissingObject
from service.archive.objects import ObjectStore
from service.bootstrap import Services
from service.web import create_app
from tests.support.configs import make_config
from tests.support.drafts import authenticated, corpus_draft
from tests.support.s3 import Bucket, files_under, s3_environment
from tests.support.web import client_as
from tests.support.worker import drain

PASSPHRASE = "test-lösen"


@pytest.fixture
def services(tmp_path, redis_server, smtp_sink, database_url, s3_bucket, monkeypatch) -> Iterator[Services]:  # noqa: ANN001
    monkeypatch.setenv("MINNES_SIGNING_PASSPHRASE", PASSPHRASE)
    config = make_config(tmp_path / "config", redis_url=redis_server.url, smtp_port=smtp_sink.port,
                         database_url=database_url, storage_url=s3_bucket.url,
                         storage_endpoint=s3_bucket.server.endpoint)
    with Services(config) as s:
        yield s


def _pdfsig_valid(pdf: bytes, tmp_path) -> str:  # noqa: ANN001
    path = tmp_path / "check.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
    return out.stdout + out.stderr


def test_the_pipeline_on_object_storage_reaches_everyone_and_writes_nothing_locally(
    services: Services, redis_server, smtp_sink, s3_bucket: Bucket, tmp_path  # noqa: ANN001
) -> None:
    assert isinstance(services.files, ObjectStore)
    raw = authenticated(corpus_draft("d01-plain-numbered"))
    services.pipeline.accept(raw, source="test")
    drain(services, redis_server.url)

    workplace = services.config.workplace("hemtjanst-norr")
    dist = [r for r in smtp_sink.received if r.message()["X-Minnes-Kind"] == "distribution"]
    assert sorted(r.rcpt_tos[0] for r in dist) == sorted(m.email for m in workplace.members)
    for received in dist:
        pdfs = [p for p in received.message().iter_attachments() if p.get_content_type() == "application/pdf"]
        assert len(pdfs) == 1
        report = _pdfsig_valid(pdfs[0].get_content(), tmp_path)
        assert "Signature is Valid" in report and "Total document signed" in report, report
    with services.db.session() as s:
        assert {d.state for d in s.scalars(select(Delivery))} == {"sent"}
        minutes = s.scalars(select(MinutesRow)).one()
        inbound = s.scalars(select(Inbound)).one()
    assert minutes.state == "distributed"

    keys = s3_bucket.keys()
    for sha in (inbound.sha256, minutes.pdf_sha256):
        assert f"arkiv/{sha[:2]}/{sha[2:4]}/{sha}" in keys
    assert services.files.get(inbound.sha256) == raw
    assert files_under(services.config.settings.storage.path) == []


def test_status_names_a_pdf_missing_from_the_bucket(
    services: Services, redis_server, s3_bucket: Bucket  # noqa: ANN001
) -> None:
    services.pipeline.accept(authenticated(corpus_draft("d01-plain-numbered")), source="test")
    drain(services, redis_server.url)
    assert "saknas" not in services.reports.status_text()
    with services.db.session() as s:
        minutes = s.scalars(select(MinutesRow)).one()
    sha = minutes.pdf_sha256
    s3_bucket.server.client().delete_object(Bucket=s3_bucket.name, Key=f"arkiv/{sha[:2]}/{sha[2:4]}/{sha}")

    with pytest.raises(MissingObject, match=sha):
        services.files.get(sha)
    page = client_as(create_app(services.config, services)).get(f"/minutes/{minutes.id}.pdf")
    assert page.status_code == 503 and "Filen kan inte hämtas just nu" in page.get_data(as_text=True)
    text = services.reports.status_text()
    assert f"FEL: 1 filer som arkivet hänvisar till saknas i {s3_bucket.url}" in text, text
    assert f"saknas: PDF för minnesanteckningar #{minutes.id} (hemtjanst-norr" in text and sha in text, text

    shown = subprocess.run(
        [sys.executable, "-m", "service.cli", "status", "--config", str(services.config.directory)],
        capture_output=True, text=True, timeout=120,
        env={**s3_environment(s3_bucket), "MINNES_SIGNING_PASSPHRASE": PASSPHRASE},
    )
    assert shown.returncode == 0, shown.stderr
    assert "FEL: 1 filer" in shown.stdout and sha in shown.stdout, shown.stdout + shown.stderr


def test_status_says_when_the_bucket_cannot_be_reached(
    services: Services, redis_server, s3_bucket: Bucket  # noqa: ANN001
) -> None:
    services.pipeline.accept(authenticated(corpus_draft("d01-plain-numbered")), source="test")
    drain(services, redis_server.url)
    services.reports.files = ObjectStore("s3://finns-inte/arkiv", endpoint_url=s3_bucket.server.endpoint,
                                         access_key="k", secret_key="hemlig")
    text = services.reports.status_text()
    assert "FEL: filerna i s3://finns-inte/arkiv kunde inte kontrolleras" in text, text
    assert "hemlig" not in text
