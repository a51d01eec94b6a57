"""Raw messages and PDFs in S3-compatible object storage (boto3): ``s3://BUCKET/PREFIX``.

The same contract as the folder (:class:`service.archive.files.FileStore`): a key is the hex SHA-256 of
the bytes, kept as ``PREFIX/ab/cd/<sha256>``; a PUT is acknowledged only once the store holds the
object, and what is read back is checked against its key. Every boto3 and botocore error becomes a
:class:`StorageError`, never showing the credentials.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from dataclasses import dataclass
from typing import Any

from service.archive.files import MissingObject, StorageError, check_key, checked

_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


@dataclass(frozen=True)
class Location:
    """A bucket and the prefix inside it, parsed from ``s3://BUCKET/PREFIX``."""

    bucket: str
    """The bucket's name."""

    prefix: str
    """Folder-like prefix inside the bucket, without slashes at either end; may be empty."""

    @classmethod
    def parse(cls, url: str) -> Location:
        """Return the location an ``s3://BUCKET/PREFIX`` URL names, else raise StorageError."""
        text = url.strip()
        if not text.startswith("s3://"):
            raise StorageError(f'storage.url ska vara "s3://HINK/PREFIX", fick {url!r}')
        bucket, _, prefix = text[len("s3://"):].partition("/")
        if not bucket:
            raise StorageError(f'storage.url ska vara "s3://HINK/PREFIX", fick {url!r}')
        return cls(bucket, prefix.strip("/"))

    def key(self, sha: str) -> str:
        """Return the object key of a SHA-256."""
        name = f"{sha[:2]}/{sha[2:4]}/{sha}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


class ObjectStore:
    """Keep blobs in an S3 bucket under their SHA-256; writing the same bytes twice is harmless."""

    def __init__(
        self,
        url: str,
        *,
        endpoint_url: str = "",
        access_key: str = "",
        secret_key: str = "",
        region: str = "",
        timeout: float = 30.0,
    ) -> None:
        self.location = Location.parse(url)
        self._endpoint = endpoint_url.strip()
        self._access_key, self._secret_key = access_key, secret_key
        self._region = region
        self._timeout = timeout
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        """Return the bucket and prefix as ``s3://BUCKET/PREFIX``."""
        return str(self.location)

    def client(self) -> Any:  # noqa: ANN401 - a botocore S3 client
        """Return the S3 client, made on first use (boto3 clients are thread-safe)."""
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> Any:  # noqa: ANN401
        try:
            import boto3
            from botocore.config import Config as BotoConfig
        except ImportError as exc:  # pragma: no cover - boto3 is a dependency
            raise StorageError("storage.url kräver paketet boto3 (pip install boto3)") from exc
        options: dict[str, Any] = {
            "connect_timeout": self._timeout,
            "read_timeout": self._timeout,
            "retries": {"max_attempts": 5, "mode": "standard"},
            # Checksums only where S3 requires them: MinIO, Ceph and older stores refuse the newer ones.
            "request_checksum_calculation": "when_required",
            "response_checksum_validation": "when_required",
        }
        if self._endpoint:
            options["s3"] = {"addressing_style": "path"}  # MinIO and most others: no bucket subdomains
        session = boto3.session.Session()
        try:
            return session.client(
                "s3",
                endpoint_url=self._endpoint or None,
                aws_access_key_id=self._access_key or None,
                aws_secret_access_key=self._secret_key or None,
                region_name=self._region or session.region_name or "us-east-1",
                config=BotoConfig(**options),
            )
        except Exception as exc:  # noqa: BLE001 - botocore raises many kinds for a bad endpoint
            raise StorageError(f"objektlagringen {self.where} kan inte användas: {_reason(exc)}") from exc

    def put(self, data: bytes) -> str:
        """Store bytes and return their key; the PUT carries their MD5, so S3 refuses a damaged upload."""
        sha = hashlib.sha256(data).hexdigest()
        try:
            if self.exists(sha):
                return sha
        except StorageError:
            pass  # e.g. 403 on HEAD without s3:ListBucket: the PUT itself says whether it may write
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode("ascii")
        client = self.client()
        try:
            client.put_object(
                Bucket=self.location.bucket, Key=self.location.key(sha), Body=data, ContentMD5=md5,
                ContentType="application/octet-stream",
            )
        except Exception as exc:  # noqa: BLE001 - ClientError, BotoCoreError (connection, credentials)
            raise StorageError(f"kunde inte spara fil i {self.where}: {_reason(exc)}") from exc
        return sha

    def get(self, key: str) -> bytes:
        """Return the bytes stored under a key, checked against it."""
        check_key(key)
        client = self.client()
        try:
            answer = client.get_object(Bucket=self.location.bucket, Key=self.location.key(key))
            data = answer["Body"].read()
        except Exception as exc:  # noqa: BLE001
            if _code(exc) in _NOT_FOUND:
                raise MissingObject(f"filen {key} saknas i objektlagringen {self.where}") from exc
            raise StorageError(f"filen {key} kan inte läsas i {self.where}: {_reason(exc)}") from exc
        return checked(key, data, self.where)

    def exists(self, key: str) -> bool:
        """Tell whether a key is stored (one HEAD request)."""
        check_key(key)
        client = self.client()
        try:
            client.head_object(Bucket=self.location.bucket, Key=self.location.key(key))
        except Exception as exc:  # noqa: BLE001
            if _code(exc) in _NOT_FOUND:
                return False
            raise StorageError(f"objektlagringen {self.where} svarar inte om {key}: {_reason(exc)}") from exc
        return True

    def delete(self, key: str) -> None:
        """Remove the object of a key; one already gone is no error (S3 answers 204 either way)."""
        check_key(key)
        client = self.client()
        try:
            client.delete_object(Bucket=self.location.bucket, Key=self.location.key(key))
        except Exception as exc:  # noqa: BLE001
            if _code(exc) in _NOT_FOUND:
                return
            raise StorageError(f"kunde inte ta bort filen {key} i {self.where}: {_reason(exc)}") from exc

    def check(self) -> None:
        """Raise StorageError unless the bucket exists and these credentials reach it."""
        client = self.client()
        try:
            client.head_bucket(Bucket=self.location.bucket)
        except Exception as exc:  # noqa: BLE001
            raise StorageError(f"hinken {self.location.bucket} kan inte nås: {_reason(exc)}") from exc


def _code(exc: BaseException) -> str:
    """Return the S3 error code of a botocore ClientError, else ''."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str((response.get("Error") or {}).get("Code", ""))
    return ""


def _reason(exc: BaseException) -> str:
    """Say what went wrong in a few words: the S3 error code and message, or botocore's sentence."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode", "")
        text = " ".join(str(x) for x in (status, error.get("Code", ""), error.get("Message", "")) if x)
        return text or type(exc).__name__
    return str(exc) or type(exc).__name__
