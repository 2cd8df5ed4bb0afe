"""manager may be a leadership member (班子成员 who also holds a manager's seat)

Revision ID: b82848617502
Revises: d0e1f2a3b4c5
Create Date: 2026-12-02 15:42:43.270429
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b82848617502"
down_revision: str | Sequence[str] | None = "d0e1f2a3b4c5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Named as PostgreSQL would name them, so that SQLite's batch mode can find them again.
    with op.batch_alter_table("manager", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leader_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("manager_leader_id_key", ["leader_id"])
        batch_op.create_foreign_key(
            "manager_leader_id_fkey", "leadership_member", ["leader_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("manager", schema=None) as batch_op:
        batch_op.drop_constraint("manager_leader_id_fkey", type_="foreignkey")
        batch_op.drop_constraint("manager_leader_id_key", type_="unique")
        batch_op.drop_column("leader_id")
