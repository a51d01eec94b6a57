"""Content-addressed storage for raw messages and PDFs: the interface, and the folder that keeps them.

Every store keeps bytes under their hex SHA-256 and hands them back only when they still hash to it.
A caller stores the bytes before it writes the database row that names their key. The folder is
:class:`FileStore`; S3-compatible object storage is :class:`service.archive.objects.ObjectStore`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol, runtime_checkable

from service.fileio import fsync_dir, write_atomically

_HEX = frozenset("0123456789abcdef")


class StorageError(Exception):
    """A file could not be stored or read."""


class MissingObject(StorageError):
    """No file is stored under a key."""


class CorruptObject(StorageError):
    """What a key returned does not hash to the key."""


@runtime_checkable
class Store(Protocol):
    """Keep blobs under their SHA-256; writing the same bytes twice is harmless."""

    @property
    def where(self) -> str:
        """Return where the blobs are kept, for messages (a folder, or s3://bucket/prefix)."""

    def put(self, data: bytes) -> str:
        """Store bytes durably and return their key (the hex SHA-256)."""

    def get(self, key: str) -> bytes:
        """Return the bytes stored under a key, checked against it."""

    def exists(self, key: str) -> bool:
        """Tell whether a key is stored."""

    def delete(self, key: str) -> None:
        """Remove what a key names; a key already gone is no error."""

    def check(self) -> None:
        """Raise StorageError unless the store can be reached (the folder read, the bucket found)."""


def check_key(key: str) -> str:
    """Return a key when it is a lower-case hex SHA-256, else raise StorageError."""
    if not isinstance(key, str) or len(key) != 64 or not _HEX.issuperset(key):
        raise StorageError(f"ogiltig filnyckel: {key!r}")
    return key


def checked(key: str, data: bytes, where: str) -> bytes:
    """Return data read for a key when it hashes to the key, else raise CorruptObject."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != key:
        raise CorruptObject(
            f"filen {key} i {where} är skadad: innehållet har kontrollsumman {actual}, inte sin nyckel"
        )
    return data


def _make_dirs(path: Path) -> None:
    """Make a folder and its missing parents, fsyncing each new folder and the folder it is in."""
    missing: list[Path] = []
    while not path.is_dir():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)  # raw drafts may hold what the minutes left out
        except FileExistsError:  # made meanwhile by another writer: fsynced here all the same
            if not folder.is_dir():
                raise
        fsync_dir(folder)
        fsync_dir(folder.parent)


class FileStore:
    """Keep blobs on disk under their SHA-256; writing the same bytes twice is harmless."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def where(self) -> str:
        """Return the folder."""
        return str(self.root)

    def _path(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, data: bytes) -> str:
        """Store bytes durably and return their key (the hex SHA-256).

        The file is written beside its final name, fsynced, renamed into place, and its folder
        fsynced; every folder made for it is fsynced with its parent, so that nothing stored is lost
        when the machine stops right after.
        """
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if path.exists():
            return key
        try:
            _make_dirs(path.parent)
            write_atomically(path, data)
        except OSError as exc:
            raise StorageError(f"kunde inte spara fil i {self.root}: {exc.strerror}") from exc
        return key

    def get(self, key: str) -> bytes:
        """Return the bytes stored under a key, checked against it."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise MissingObject(f"filen {key} saknas i arkivet ({self.root})") from exc
        except OSError as exc:
            raise StorageError(f"filen {key} kan inte läsas i {self.root}: {exc.strerror}") from exc
        return checked(key, data, self.where)

    def exists(self, key: str) -> bool:
        """Tell whether a key is stored."""
        return self._path(key).exists()

    def check(self) -> None:
        """Raise StorageError when the folder is there but is no folder this process can read."""
        if self.root.exists() and not (self.root.is_dir() and os.access(self.root, os.R_OK | os.X_OK)):
            raise StorageError(f"{self.root} är ingen mapp som kan läsas")

    def delete(self, key: str) -> None:
        """Remove the file of a key and fsync its folder; a file already gone is no error."""
        path = self._path(key)
        try:
            path.unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StorageError(f"kunde inte ta bort filen {key} i {self.root}: {exc.strerror}") from exc
        fsync_dir(path.parent)
