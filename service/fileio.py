"""Writing files so that a crash leaves the old file or the new one, never half of either.

Below every adapter that keeps files (the archive's file store, the signing key, the state folder),
above the pure domain: it touches the disk and nothing else.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (a new file or folder in it) to disk."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes, *, prefix: str = ".tmp-", suffix: str = "") -> None:
    """Write bytes to a 0600 file beside ``path``, fsync it, rename it over ``path``, fsync the folder."""
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)  # mkstemp makes it 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
