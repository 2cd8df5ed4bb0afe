"""voice recordings: when the provider's copy was deleted

Revision ID: c3d4e5f6a7b8
Revises: b3be8f2da07e
Create Date: 2026-12-03 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3d4e5f6a7b8"
down_revision: str | Sequence[str] | None = "b3be8f2da07e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("voice_recording", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("provider_deleted_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("voice_recording", schema=None) as batch_op:
        batch_op.drop_column("provider_deleted_at")
