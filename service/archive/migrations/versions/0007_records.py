"""Records of what left the archive: exported packages, retention removals, daily retention runs.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create export, removal and retention_run."""
    op.create_table(
        "export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workplace_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("with_drafts", sa.Boolean(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("package_id", sa.String(length=200), nullable=False),
        sa.Column("minutes_ids", sa.Text(), nullable=False),
        sa.Column("inbound_ids", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_export_workplace_id", "export", ["workplace_id"])
    op.create_table(
        "removal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("workplace_id", sa.String(length=64), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=True),
        sa.Column("minutes_id", sa.Integer(), nullable=True),
        sa.Column("meeting_date", sa.String(length=10), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("removed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("kind", "inbound_id", "minutes_id"):
        op.create_index(f"ix_removal_{column}", "removal", [column])
    op.create_table(
        "retention_run",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("runner", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("retention_run")
    for column in ("minutes_id", "inbound_id", "kind"):
        op.drop_index(f"ix_removal_{column}", table_name="removal")
    op.drop_table("removal")
    op.drop_index("ix_export_workplace_id", table_name="export")
    op.drop_table("export")
