"""blind indexes of heirs', agents' and fed records' ID numbers and phones

So that a person's data request (huifang person) finds them by index instead of opening every
sealed row. Rows already there get theirs computed with the process's key ring.

Revision ID: 38bd1e732dc3
Revises: 5b1d7e3a9c20
Create Date: 2026-12-03 07:11:46.657990
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from kernel.crypto import ID_NUMBER, PHONE, blind_index, decrypt_text

revision: str = "38bd1e732dc3"
down_revision: str | Sequence[str] | None = "5b1d7e3a9c20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("feed_record", "withdrawal_party")


def _fill(table: str) -> None:
    """Each existing row's blind indexes, from its sealed ID number and phone."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id, id_number, phone FROM {table}")).all()
    for row_id, sealed_id, sealed_phone in rows:
        bind.execute(
            sa.text(f"UPDATE {table} SET id_number_index = :i, phone_index = :p WHERE id = :id"),
            {
                "i": blind_index(ID_NUMBER, decrypt_text(sealed_id, context=f"{table}.id_number")),
                "p": blind_index(PHONE, decrypt_text(sealed_phone, context=f"{table}.phone")),
                "id": row_id,
            },
        )


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ("id_number_index", "phone_index"):
                batch_op.add_column(
                    sa.Column(column, sa.String(length=32), nullable=False, server_default="")
                )
                batch_op.create_index(f"ix_{table}_{column}", [column], unique=False)
        _fill(table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ("id_number_index", "phone_index"):
                batch_op.alter_column(column, server_default=None)


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ("phone_index", "id_number_index"):
                batch_op.drop_index(f"ix_{table}_{column}")
                batch_op.drop_column(column)
