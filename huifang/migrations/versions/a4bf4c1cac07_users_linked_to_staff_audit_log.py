"""users linked to staff, disabled accounts, the audit log

Revision ID: a4bf4c1cac07
Revises: f603c4dbac5e
Create Date: 2026-12-02 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a4bf4c1cac07"
down_revision: str | Sequence[str] | None = "f603c4dbac5e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.create_index("ix_app_user_staff_id", ["staff_id"], unique=False)
        batch_op.create_foreign_key("fk_app_user_staff_id", "staff", ["staff_id"], ["id"])
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("at", "actor", "action", "subject"):
        op.create_index(f"ix_audit_event_{column}", "audit_event", [column], unique=False)


def downgrade() -> None:
    for column in ("at", "actor", "action", "subject"):
        op.drop_index(f"ix_audit_event_{column}", table_name="audit_event")
    op.drop_table("audit_event")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_constraint("fk_app_user_staff_id", type_="foreignkey")
        batch_op.drop_index("ix_app_user_staff_id")
        batch_op.drop_column("is_active")
        batch_op.drop_column("staff_id")
