"""集中考勤: each staff member's attendance per month, imported from Excel

Revision ID: 8f4b2d6e1c37
Revises: 05b32c07a3d2
Create Date: 2026-12-03 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8f4b2d6e1c37"
down_revision: str | Sequence[str] | None = "05b32c07a3d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attendance_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("required_days", sa.Float(), nullable=False),
        sa.Column("present_days", sa.Float(), nullable=False),
        sa.Column("leave_days", sa.Float(), nullable=False),
        sa.Column("absent_days", sa.Float(), nullable=False),
        sa.Column("late_times", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "required_days > 0 AND present_days >= 0 AND leave_days >= 0 AND absent_days >= 0"
            " AND late_times >= 0 AND present_days + leave_days + absent_days <= required_days",
            name="ck_attendance_record_days",
        ),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("staff_id", "period"),
    )
    for column in ("staff_id", "outlet_id", "period"):
        op.create_index(
            f"ix_attendance_record_{column}", "attendance_record", [column], unique=False
        )


def downgrade() -> None:
    for column in ("staff_id", "outlet_id", "period"):
        op.drop_index(f"ix_attendance_record_{column}", table_name="attendance_record")
    op.drop_table("attendance_record")
