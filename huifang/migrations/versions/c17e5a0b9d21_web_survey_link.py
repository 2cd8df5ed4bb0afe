"""the web survey link (网页问卷): one per SMS survey attempt, kept by its token's hash

Revision ID: c17e5a0b9d21
Revises: a4bf4c1cac07
Create Date: 2026-12-03 06:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c17e5a0b9d21"
down_revision: str | Sequence[str] | None = "a4bf4c1cac07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_survey_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("open_count", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["attempt_id"], ["call_attempt.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["callback_task.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("attempt_id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_web_survey_link_task_id", "web_survey_link", ["task_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_web_survey_link_task_id", table_name="web_survey_link")
    op.drop_table("web_survey_link")
