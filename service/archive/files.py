"""Content-addressed file storage for raw messages and PDFs."""

from __future__ import annotations

import hashlib
from pathlib import Path

from service.fileio import fsync_dir, write_atomically


class StorageError(Exception):
    """A file could not be stored or read."""


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

    def _path(self, key: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise StorageError(f"ogiltig filnyckel: {key!r}")
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
        """Return the bytes stored under a key."""
        try:
            return self._path(key).read_bytes()
        except OSError as exc:
            raise StorageError(f"filen {key} saknas i arkivet: {exc.strerror}") from exc

    def exists(self, key: str) -> bool:
        """Tell whether a key is stored."""
        return self._path(key).exists()
