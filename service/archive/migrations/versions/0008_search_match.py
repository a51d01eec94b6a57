"""Search on PostgreSQL: a (workplace_id, key) index, so a reader's hits are walked newest first.

A common word searched by someone who reads a few workplaces walks each workplace's index entries newest
first and stops after a page's worth, instead of intersecting the word's and the workplaces' GIN posting
lists (tens of thousands of entries) and sorting every hit. SQLite's FTS5 table keeps the workplace as
a column of its own and needs nothing.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Index minutes_search by workplace and key on PostgreSQL."""
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_minutes_search_workplace", "minutes_search", ["workplace_id", "key"])


def downgrade() -> None:
    """Drop what upgrade added."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_minutes_search_workplace", "minutes_search")
