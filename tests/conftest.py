"""Fixtures shared by every test: real servers from tests/support, and paths to the shared corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.dovecot import dovecot  # noqa: F401 - fixture
from tests.support.postgres import database_url, postgres_server  # noqa: F401 - fixtures
from tests.support.redis import redis_server  # noqa: F401 - fixture
from tests.support.s3 import s3_bucket, s3_server, storage_backend, store  # noqa: F401 - fixtures
from tests.support.smtp import smtp_sink  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[1]
"""The repository."""

SHARED = ROOT.parent / "shared"
"""The shared folder beside the repository: DESIGN, contracts, corpus, foreign mail."""


@pytest.fixture
def corpus() -> Path:
    """Return the corpus folder (config/ and cases/)."""
    path = SHARED / "corpus"
    assert path.is_dir(), f"{path} saknas: testerna behöver shared/ bredvid repot"
    return path
