"""callback task person gender, unconfirmed grave answers

The gender (male | female, from the resident ID) lets a call say 王先生/王女士; an answer's
`unconfirmed` holds a grave 有 until the person confirms it.

Revision ID: fe059767179a
Revises: d0e1f2a3b4c5
Create Date: 2026-12-02 15:39:59.350488
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "fe059767179a"
down_revision: str | Sequence[str] | None = "d0e1f2a3b4c5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("callback_task", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("person_gender", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )

    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unconfirmed", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_answer", schema=None) as batch_op:
        batch_op.drop_column("unconfirmed")

    with op.batch_alter_table("callback_task", schema=None) as batch_op:
        batch_op.drop_column("person_gender")
