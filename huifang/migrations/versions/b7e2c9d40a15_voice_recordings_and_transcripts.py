"""voice recordings and transcripts

Revision ID: b7e2c9d40a15
Revises: 0001
Create Date: 2026-11-25 19:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "b7e2c9d40a15"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voice_recording",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("question", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("recording_sid", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("recording_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("transcript", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transcribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["attempt_id"], ["call_attempt.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["callback_task.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recording_sid"),
    )
    with op.batch_alter_table("voice_recording", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voice_recording_attempt_id"), ["attempt_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_voice_recording_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("voice_recording", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voice_recording_task_id"))
        batch_op.drop_index(batch_op.f("ix_voice_recording_attempt_id"))
    op.drop_table("voice_recording")
