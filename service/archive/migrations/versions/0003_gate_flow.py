"""The gates after confirm: review deadline, when minutes were finished, what a correction changed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add minutes.gate_until, finished_at, replaces_id, changes and request.name, reminders."""
    with op.batch_alter_table("minutes") as batch:
        batch.add_column(sa.Column("gate_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("finished_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("changes", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("request") as batch:
        batch.add_column(sa.Column("name", sa.String(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("reminders", sa.Integer(), nullable=False, server_default="0"))
    # The defaults only fill the rows already there; new rows get theirs from the models, as in 0001.
    with op.batch_alter_table("minutes") as batch:
        batch.alter_column("changes", server_default=None)
    with op.batch_alter_table("request") as batch:
        batch.alter_column("name", server_default=None)
        batch.alter_column("reminders", server_default=None)


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("request") as batch:
        batch.drop_column("reminders")
        batch.drop_column("name")
    with op.batch_alter_table("minutes") as batch:
        for column in ("changes", "replaces_id", "finished_at", "gate_until"):
            batch.drop_column(column)
