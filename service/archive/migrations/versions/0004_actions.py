"""Actions that come back: every action agreed at a meeting, tracked until it is reported done.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the action_item table and its indexes."""
    op.create_table(
        "action_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workplace_id", sa.String(length=64), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("meeting_date", sa.String(length=10), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("owner_email", sa.String(length=320), nullable=False),
        sa.Column("due", sa.String(length=10), nullable=False),
        sa.Column("remind_on", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_in_minutes_id", sa.Integer(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("overdue_noticed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["minutes_id"], ["minutes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("minutes_id", "position"),
    )
    op.create_index("ix_action_item_workplace_id", "action_item", ["workplace_id"])
    op.create_index("ix_action_item_minutes_id", "action_item", ["minutes_id"])
    op.create_index("ix_action_item_state", "action_item", ["state"])


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_index("ix_action_item_state", "action_item")
    op.drop_index("ix_action_item_minutes_id", "action_item")
    op.drop_index("ix_action_item_workplace_id", "action_item")
    op.drop_table("action_item")
