"""inspection methods and area scores; findings tagged by area and method, with their rectification

Revision ID: 3c9d5e71a2b4
Revises: c17e5a0b9d21
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c9d5e71a2b4"
down_revision: str | Sequence[str] | None = "c17e5a0b9d21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("methods", sa.String(length=120), server_default="", nullable=False)
        )
    op.create_table(
        "inspection_area_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inspection_id", "area"),
    )
    op.create_index(
        "ix_inspection_area_score_inspection_id",
        "inspection_area_score",
        ["inspection_id"],
        unique=False,
    )
    with op.batch_alter_table("inspection_finding", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("method", sa.String(length=24), nullable=True))
        batch_op.add_column(
            sa.Column("state", sa.String(length=12), server_default="open", nullable=False)
        )
        batch_op.add_column(sa.Column("rectified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rectified_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("rectification_note", sa.String(length=500), nullable=True))
        batch_op.create_index("ix_inspection_finding_area", ["area"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inspection_finding", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_finding_area")
        for column in ("rectification_note", "rectified_by", "rectified_at", "state"):
            batch_op.drop_column(column)
        batch_op.drop_column("method")
        batch_op.drop_column("area")
    op.drop_index("ix_inspection_area_score_inspection_id", table_name="inspection_area_score")
    op.drop_table("inspection_area_score")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_column("methods")
