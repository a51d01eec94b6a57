"""A real S3 API on a loopback port: moto's server (``moto[server]``) in its own process, started by tests.

``s3_server`` runs one server for the whole run; ``s3_bucket`` makes a fresh bucket per test; ``store``
yields the folder and the bucket in turn, so that a storage test runs on both backends; and
``storage_backend`` does the same for a whole configuration (the keys to hand ``make_config``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from service.archive.files import FileStore, Store
from service.archive.objects import ObjectStore
from tests.support.redis import free_port, wait_for_port

ACCESS_KEY = "minnes-test"
"""The access key the tests give moto (it takes any)."""

SECRET_KEY = "minnes-test-secret"
"""The secret key the tests give moto."""


class MotoMissing(RuntimeError):
    """moto_server is not installed; `pip install 'moto[server]'` (the test extra) installs it."""


class MotoServer:
    """One moto_server process on a free loopback port, its buckets in memory."""

    def __init__(self) -> None:
        beside = str(Path(sys.executable).parent)
        exe = shutil.which("moto_server", path=beside) or shutil.which("moto_server")
        if not exe:
            raise MotoMissing("moto_server saknas — installera testberoendena: pip install -e '.[test]'")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [exe, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(self.proc, self.port, 30, "moto_server")
        except RuntimeError:
            self.stop()
            raise

    @property
    def endpoint(self) -> str:
        """Return the server's endpoint URL."""
        return f"http://127.0.0.1:{self.port}"

    def client(self):  # noqa: ANN201 - a botocore S3 client
        """Return a plain boto3 client of this server, for a test to look behind the store."""
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name="us-east-1")

    def stop(self) -> None:
        """Stop the server."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@dataclass(frozen=True)
class Bucket:
    """One bucket of the test server and the prefix Minnes is given inside it."""

    server: MotoServer
    """The server that holds it."""

    name: str
    """The bucket's name."""

    prefix: str = "arkiv"
    """The prefix of ``storage.url``."""

    @property
    def url(self) -> str:
        """Return ``s3://BUCKET/PREFIX``, as ``storage.url`` takes it."""
        return f"s3://{self.name}/{self.prefix}"

    def keys(self) -> list[str]:
        """Return every object key in the bucket, sorted."""
        client = self.server.client()
        out: list[str] = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.name):
            out += [item["Key"] for item in page.get("Contents", [])]
        return sorted(out)

    def store(self) -> ObjectStore:
        """Return Minnes's store of this bucket."""
        return ObjectStore(self.url, endpoint_url=self.server.endpoint, access_key=ACCESS_KEY,
                           secret_key=SECRET_KEY)


def files_under(folder: Path) -> list[Path]:
    """Return every file below a folder (none when it does not exist)."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture(scope="session")
def s3_server() -> Iterator[MotoServer]:
    """Yield one moto S3 server for the whole test run."""
    server = MotoServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Bucket:
    """Make a fresh bucket and put its credentials where the configuration's *_env keys look."""
    name = "minnes-" + uuid.uuid4().hex[:12]
    s3_server.client().create_bucket(Bucket=name)
    monkeypatch.setenv("MINNES_S3_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("MINNES_S3_SECRET_KEY", SECRET_KEY)
    return Bucket(s3_server, name)


@pytest.fixture(params=["folder", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """Yield an empty store, once the folder and once an S3 bucket on moto."""
    if request.param == "folder":
        return FileStore(tmp_path / "files")
    return request.getfixturevalue("s3_bucket").store()


@pytest.fixture(params=["folder", "s3"])
def storage_backend(request: pytest.FixtureRequest) -> dict[str, str]:
    """Yield the ``make_config`` keys of the folder (none) and of a fresh bucket on moto."""
    if request.param == "folder":
        return {}
    bucket: Bucket = request.getfixturevalue("s3_bucket")
    return {"storage_url": bucket.url, "storage_endpoint": bucket.server.endpoint}


def s3_environment(bucket: Bucket) -> dict[str, str]:
    """Return the environment a Minnes process needs to reach a bucket (credentials and no proxy)."""
    return dict(os.environ, MINNES_S3_ACCESS_KEY=ACCESS_KEY, MINNES_S3_SECRET_KEY=SECRET_KEY,
                NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
