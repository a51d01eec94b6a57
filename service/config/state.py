"""What Minnes generates for itself and keeps in ``storage.state_path``: one secret per file.

The folder is made 0700 and each file 0600, so only the account that runs Minnes reads them. A
secret is generated once (128 bits or more from :mod:`secrets`) and read back on every start after.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from service.config.errors import ConfigError

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


def ensure_state_folder(folder: Path) -> Path:
    """Create the state folder (0700) when missing, tighten it when it is looser; return it."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if folder.stat().st_mode & 0o077:
            folder.chmod(0o700)
    except OSError as exc:
        raise ConfigError(
            f"{folder}: mappen för genererade hemligheter kan inte skapas ({exc.strerror})"
        ) from None
    return folder


def state_secret(folder: Path, name: str, *, nbytes: int = 32) -> str:
    """Return the secret kept in ``folder/name``, generating it (mode 0600) on first use."""
    if not _NAME.match(name):
        raise ValueError(f"not a state file name: {name!r}")
    path = ensure_state_folder(folder) / name
    try:
        value = path.read_text(encoding="ascii").strip()
        if value:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
            return value
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: kan inte läsas ({exc}) — ta bort filen så skapas en ny") from None
    value = secrets.token_urlsafe(nbytes)
    tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(value + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # first writer wins when several processes start at once
        except FileExistsError:
            return path.read_text(encoding="ascii").strip()
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise ConfigError(f"{path}: kan inte skrivas ({exc.strerror})") from None
    return value
