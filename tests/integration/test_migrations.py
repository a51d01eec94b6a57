"""Schema migrations: an empty database migrated to head has exactly the models' tables, on both databases."""

from __future__ import annotations

import multiprocessing

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from service.archive.db import Base, Database, Delivery
from service.archive.migrations import FIRST_REVISION, head_revision
from service.archive.search import OWN_INDEXES, OWN_TABLES, include_object


def _diff(db: Database) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={"compare_type": True, "compare_server_default": True, "include_object": include_object},
        )
        return compare_metadata(context, Base.metadata)


def _shape(db: Database) -> dict[str, object]:
    """Return tables → (columns with type and nullability, indexes, unique constraints)."""
    insp = inspect(db.engine)
    shape: dict[str, object] = {}
    for table in sorted(insp.get_table_names()):
        if table == "alembic_version" or table.startswith(OWN_TABLES):
            continue
        columns = sorted((c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(table))
        indexes = sorted(
            (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(table)
            if i["name"] not in OWN_INDEXES
        )
        uniques = sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table))
        foreign = sorted(
            (tuple(f["constrained_columns"]), f["referred_table"]) for f in insp.get_foreign_keys(table)
        )
        shape[table] = (
            columns,
            indexes,
            uniques,
            foreign,
            insp.get_pk_constraint(table)["constrained_columns"],
        )
    return shape


def _fresh(database_url: str, postgres_server, suffix: str) -> Database:  # noqa: ANN001
    if database_url.startswith("sqlite"):
        return Database(database_url.replace("minnes.db", f"{suffix}.db"))
    return Database(postgres_server.create_database())


def test_migrating_an_empty_database_gives_the_models_tables(database_url, request):  # noqa: ANN001
    db = Database(database_url)
    try:
        db.create_schema()
        assert db.schema_revision() == head_revision()
        assert _diff(db) == []
        tables = {t for t in inspect(db.engine).get_table_names() if not t.startswith(OWN_TABLES)}
        assert tables == set(Base.metadata.tables) | {"alembic_version"}

        postgres = request.getfixturevalue("postgres_server") if "postgresql" in database_url else None
        reference = _fresh(database_url, postgres, "reference")
        try:
            Base.metadata.create_all(reference.engine)
            assert _shape(db) == _shape(reference)
        finally:
            reference.dispose()

        db.create_schema()  # a second time is a no-op
        assert db.schema_revision() == head_revision()
    finally:
        db.dispose()


def test_a_database_made_before_migrations_is_stamped_and_keeps_its_rows(database_url):  # noqa: ANN001
    db = Database(database_url)
    try:
        from service.archive.migrations import upgrade

        # The tables create_all made before alembic (revision 0001's), without alembic's own table.
        upgrade(db.engine, FIRST_REVISION)
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO inbound (sha256, message_id, size, source, source_ref, received_at, state,"
                    " attempts, claimed_by, workplace_id, sender_email, subject, error_code, error_message)"
                    " VALUES ('abc', '<x@y>', 1, 'test', '', CURRENT_TIMESTAMP, 'received', 0, '', '', '',"
                    " '', '', '')"
                )
            )
        db.create_schema()
        assert db.schema_revision() == head_revision()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT sha256 FROM inbound")).scalars().all() == ["abc"]
        assert _diff(db) == []
    finally:
        db.dispose()


def _migrate(url: str, start: multiprocessing.synchronize.Event, results) -> None:  # noqa: ANN001
    start.wait(10)
    try:
        db = Database(url)
        db.create_schema()
        with db.session() as s:
            s.query(Delivery).count()
        db.dispose()
        results.put("ok")
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.put(f"{type(exc).__name__}: {exc}")


def test_several_processes_starting_at_once_all_get_the_schema(database_url):  # noqa: ANN001
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    results = ctx.Queue()
    procs = [ctx.Process(target=_migrate, args=(database_url, start, results)) for _ in range(4)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(60)
    outcomes = [results.get(timeout=5) for _ in procs]
    assert outcomes == ["ok"] * 4
    db = Database(database_url)
    try:
        assert db.schema_revision() == head_revision()
        assert _diff(db) == []
    finally:
        db.dispose()


def test_downgrade_to_nothing_and_up_again(database_url):  # noqa: ANN001
    from service.archive.migrations import upgrade

    db = Database(database_url)
    try:
        db.create_schema()
        _downgrade(db)
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(db.engine, FIRST_REVISION)
        assert db.schema_revision() == FIRST_REVISION
        db.create_schema()
        assert _diff(db) == []
    finally:
        db.dispose()


def _downgrade(db: Database) -> None:
    from alembic import command

    from service.archive.migrations import alembic_config

    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
