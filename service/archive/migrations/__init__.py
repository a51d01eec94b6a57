"""Schema migrations of the archive database (alembic), run by ``Database.create_schema``.

Several processes may start at once (``minnes run`` starts four): on PostgreSQL an advisory lock
serialises the upgrade, on SQLite a lock file beside the database does; a table that another
process created meanwhile ("already exists") makes the upgrade look again rather than fail. A
database made before migrations existed (tables but no ``alembic_version``) is stamped with the
first revision, whose schema it has, and upgraded from there.

A new revision, after changing the models in ``service/archive/db.py``::

    python -m service.archive.migrations -x url=sqlite:///var/minnes.db revision --autogenerate -m "..."
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

HERE = Path(__file__).resolve().parent
"""The alembic environment: env.py, script.py.mako and versions/."""

FIRST_REVISION = "0001"
"""The revision whose schema equals what ``create_all`` made before migrations existed."""

ADVISORY_LOCK = 0x4D494E4E4553
"""PostgreSQL advisory lock key held while migrating ("MINNES")."""

_local_lock = threading.Lock()


class MigrationError(Exception):
    """The schema could not be brought up to date."""


def alembic_config(url: str = ""):  # noqa: ANN201 - alembic.config.Config
    """Return an alembic configuration for this environment, optionally bound to a database URL."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str:
    """Return the newest revision in versions/."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise MigrationError(f"migreringarna har {len(heads)} huvuden ({heads}) — slå ihop dem")
    return heads[0]


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at, None when it has none."""
    with engine.connect() as conn:
        return _version(conn)


def _version(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision``, serialised against other processes doing the same."""
    from service.archive.db import ArchiveError

    try:
        if revision == "head":
            with engine.connect() as conn:
                if _version(conn) == head_revision():
                    return  # the common case: nothing to do, no lock taken
        for attempt in (1, 2, 3):
            try:
                _upgrade_locked(engine, revision)
                return
            except SQLAlchemyError as exc:
                if "already exists" not in str(exc).lower() or attempt == 3:
                    raise
                # another process (one without the lock: an older version) created it meanwhile
    except (SQLAlchemyError, MigrationError, OSError) as exc:
        raise ArchiveError(f"databasen kan inte förberedas: {exc}") from exc


def _upgrade_locked(engine: Engine, revision: str) -> None:
    from alembic import command

    cfg = alembic_config()
    with _local_lock, _file_lock(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
        cfg.attributes["connection"] = conn
        if _version(conn) is None and inspect(conn).has_table("inbound"):
            command.stamp(cfg, FIRST_REVISION)  # made by create_all before migrations existed
        command.upgrade(cfg, revision)


@contextlib.contextmanager
def _file_lock(engine: Engine) -> Iterator[None]:
    """Hold an exclusive lock on ``<database>.migrate-lock`` for an SQLite file database."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    path = Path(database).with_name(Path(database).name + ".migrate-lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # beside the database, as private as it
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
