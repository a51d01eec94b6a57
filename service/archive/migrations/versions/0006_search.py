"""Full-text search in the database, and indexes for lists that stay fast at 100,000 minutes.

SQLite: ``minutes_search`` (what is indexed) and the contentless FTS5 table ``minutes_fts``.
PostgreSQL: ``minutes_search`` with a ``tsvector`` column under a GIN index. Both: indexes on
``minutes`` for a workplace's list and the latest minutes. Minutes already stored are indexed here.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the index tables and the list indexes; index the minutes already stored."""
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    op.create_table(
        "minutes_search",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("workplace_id", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        sa.UniqueConstraint("minutes_id"),
    )
    if pg:
        from sqlalchemy.dialects.postgresql import TSVECTOR

        op.add_column("minutes_search", sa.Column("vector", TSVECTOR(), nullable=True))
        op.create_index("ix_minutes_search_vector", "minutes_search", ["vector"], postgresql_using="gin")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE minutes_fts USING fts5(body, wp, content='', detail=column,"
            " tokenize='unicode61 remove_diacritics 0')"
        )
    op.create_index("ix_minutes_listing", "minutes", ["workplace_id", "meeting_date", "version"])
    op.create_index("ix_minutes_latest", "minutes", ["meeting_date", "workplace_id", "version"])
    from sqlalchemy.orm import Session

    from service.archive import search

    session = Session(bind=bind)
    while search.catch_up(session, None, search.BATCH):
        pass
    session.flush()


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_index("ix_minutes_latest", "minutes")
    op.drop_index("ix_minutes_listing", "minutes")
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE minutes_fts")
    op.drop_table("minutes_search")
