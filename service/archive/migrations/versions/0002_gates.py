"""Gates: requests answered by reply or link, the gate a version waits at, reused Message-IDs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the request table, minutes.gate and inbound.message_id_reused."""
    op.create_table(
        "request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("reply_hash", sa.String(length=64), nullable=False),
        sa.Column("link_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("mailed_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answer", sa.String(length=16), nullable=False),
        sa.Column("answer_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["minutes_id"], ["minutes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reply_hash"),
        sa.UniqueConstraint("link_hash"),
    )
    op.create_index("ix_request_minutes_id", "request", ["minutes_id"])
    op.create_index("ix_request_email", "request", ["email"])
    with op.batch_alter_table("minutes") as batch:
        batch.add_column(sa.Column("gate", sa.String(length=16), nullable=False, server_default=""))
    with op.batch_alter_table("inbound") as batch:
        batch.add_column(
            sa.Column("message_id_reused", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # The defaults only fill the rows already there; new rows get theirs from the models, as in 0001.
    with op.batch_alter_table("minutes") as batch:
        batch.alter_column("gate", server_default=None)
    with op.batch_alter_table("inbound") as batch:
        batch.alter_column("message_id_reused", server_default=None)


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("inbound") as batch:
        batch.drop_column("message_id_reused")
    with op.batch_alter_table("minutes") as batch:
        batch.drop_column("gate")
    op.drop_index("ix_request_email", "request")
    op.drop_index("ix_request_minutes_id", "request")
    op.drop_table("request")
