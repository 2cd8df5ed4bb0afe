"""maker-checker, late entries, spouse links, loan repricing and arrears

Revision ID: b3be8f2da07e
Revises: 38bd1e732dc3
Create Date: 2026-12-03 06:31:58.867390
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core_ledger.columns

revision: str = "b3be8f2da07e"
down_revision: str | Sequence[str] | None = "38bd1e732dc3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "late_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("entered_by_user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entered_by_user_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["posting.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("posting_id"),
    )
    with op.batch_alter_table("late_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_late_entry_entered_by_user_id"), ["entered_by_user_id"], unique=False
        )

    op.create_table(
        "loan_repricing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("old_rate", core_ledger.columns.DecimalText(length=20), nullable=False),
        sa.Column("new_rate", core_ledger.columns.DecimalText(length=20), nullable=False),
        sa.Column("installments", sa.Integer(), nullable=False),
        sa.Column("repriced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["loan.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("loan_id", "year"),
    )
    with op.batch_alter_table("loan_repricing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_repricing_loan_id"), ["loan_id"], unique=False)

    op.create_table(
        "reversal_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remittance_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("requested_by_user_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by_user_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("posting_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by_user_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["posting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["remittance_id"],
            ["remittance.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("posting_id"),
        sa.UniqueConstraint("remittance_id"),
    )
    with op.batch_alter_table("depositor", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spouse_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("uq_depositor_spouse_id", ["spouse_id"])
        batch_op.create_foreign_key("fk_depositor_spouse_id", "depositor", ["spouse_id"], ["id"])

    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applied_by_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_loan_applied_by_user_id", "app_user", ["applied_by_user_id"], ["id"]
        )

    with op.batch_alter_table("loan_installment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("collection_failed_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loan_installment", schema=None) as batch_op:
        batch_op.drop_column("collection_failed_on")

    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.drop_constraint("fk_loan_applied_by_user_id", type_="foreignkey")
        batch_op.drop_column("applied_by_user_id")

    with op.batch_alter_table("depositor", schema=None) as batch_op:
        batch_op.drop_constraint("fk_depositor_spouse_id", type_="foreignkey")
        batch_op.drop_constraint("uq_depositor_spouse_id", type_="unique")
        batch_op.drop_column("spouse_id")

    op.drop_table("reversal_request")
    with op.batch_alter_table("loan_repricing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_repricing_loan_id"))

    op.drop_table("loan_repricing")
    with op.batch_alter_table("late_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_late_entry_entered_by_user_id"))

    op.drop_table("late_entry")
