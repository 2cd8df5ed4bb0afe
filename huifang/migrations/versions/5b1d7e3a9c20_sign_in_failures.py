"""sign-in failures, counted to throttle repeated guesses

Revision ID: 5b1d7e3a9c20
Revises: be48abd4df0c
Create Date: 2026-12-03 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b1d7e3a9c20"
down_revision: str | Sequence[str] | None = "be48abd4df0c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("username", "client", "at"):
        op.create_index(f"ix_sign_in_failure_{column}", "sign_in_failure", [column], unique=False)


def downgrade() -> None:
    for column in ("username", "client", "at"):
        op.drop_index(f"ix_sign_in_failure_{column}", table_name="sign_in_failure")
    op.drop_table("sign_in_failure")
