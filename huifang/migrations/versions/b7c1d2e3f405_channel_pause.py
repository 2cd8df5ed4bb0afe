"""channel pauses: a provider account or configuration error stops a channel (operator alert)

Revision ID: b7c1d2e3f405
Revises: 8f4b2d6e1c37
Create Date: 2026-12-03 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "b7c1d2e3f405"
down_revision: str | Sequence[str] | None = "8f4b2d6e1c37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_pause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("setting", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resume_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resumed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("stopped", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_channel_pause_channel", "channel_pause", ["channel"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_channel_pause_channel", table_name="channel_pause")
    op.drop_table("channel_pause")
