"""core ledger: units, remittances, payments, projects, loans and schedules, interest settlements

Revision ID: 5e6d528263f9
Revises: 0001
Create Date: 2026-11-25 19:48:06.753258
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "5e6d528263f9"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("developer", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("contact_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("contact_phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("project", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_code"), ["code"], unique=True)

    op.create_table(
        "unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("credit_code", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("contact_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("contact_phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("bank_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("bank_account_no", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("unit_rate", sa.String(length=20), nullable=False),
        sa.Column("employee_rate", sa.String(length=20), nullable=False),
        sa.Column("first_month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_unit_credit_code"), ["credit_code"], unique=True)

    op.create_table(
        "unit_administrator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id"),
    )
    with op.batch_alter_table("unit_administrator", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_unit_administrator_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "account_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("from_unit_id", sa.Integer(), nullable=True),
        sa.Column("to_unit_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_unit_id"],
            ["unit.id"],
        ),
        sa.ForeignKeyConstraint(
            ["fund_account_id"],
            ["fund_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("account_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_change_fund_account_id"), ["fund_account_id"], unique=False
        )

    op.create_table(
        "interest_settlement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_end_on", sa.Date(), nullable=False),
        sa.Column("annual_rate", sa.String(length=20), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["posting.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period_end_on"),
        sa.UniqueConstraint("posting_id"),
    )
    op.create_table(
        "remittance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("unit_fen", sa.BigInteger(), nullable=False),
        sa.Column("employee_fen", sa.BigInteger(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("submitted_by_user_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("bank_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outlet_id", sa.Integer(), nullable=True),
        sa.Column("teller_id", sa.Integer(), nullable=True),
        sa.Column("posting_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["outlet_id"],
            ["outlet.id"],
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["posting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_user_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_user_id"],
            ["app_user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["teller_id"],
            ["staff.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("posting_id"),
    )
    with op.batch_alter_table("remittance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_remittance_month"), ["month"], unique=False)
        batch_op.create_index(batch_op.f("ix_remittance_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_remittance_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(
            "uq_remittance_live_regular",
            ["unit_id", "month"],
            unique=True,
            postgresql_where=sa.text(
                "status IN ('submitted', 'approved', 'posted') AND kind = 'regular'"
            ),
            sqlite_where=sa.text(
                "status IN ('submitted', 'approved', 'posted') AND kind = 'regular'"
            ),
        )

    _refuse_if_rows("loan")
    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_teller_id"))
        batch_op.drop_index(batch_op.f("ix_loan_outlet_id"))
        batch_op.drop_index(batch_op.f("ix_loan_fund_account_id"))
    op.drop_table("loan")
    op.create_table(
        "loan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_account_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("first_home", sa.Boolean(), nullable=False),
        sa.Column("annual_rate", sa.String(length=20), nullable=False),
        sa.Column("offset_repayment", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("teller_id", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_user_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_reason", sa.String(length=200), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=True),
        sa.Column("disbursed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_due_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["fund_account_id"], ["fund_account.id"]),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"]),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"]),
        sa.ForeignKeyConstraint(["teller_id"], ["staff.id"]),
        sa.ForeignKeyConstraint(["reviewed_by_user_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["posting_id"], ["posting.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("posting_id"),
    )
    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_fund_account_id"), ["fund_account_id"])
        batch_op.create_index(batch_op.f("ix_loan_project_id"), ["project_id"])
        batch_op.create_index(batch_op.f("ix_loan_outlet_id"), ["outlet_id"])
        batch_op.create_index(batch_op.f("ix_loan_teller_id"), ["teller_id"])
        batch_op.create_index(batch_op.f("ix_loan_status"), ["status"])

    op.create_table(
        "loan_installment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("payment_fen", sa.BigInteger(), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("offset_fen", sa.BigInteger(), nullable=False),
        sa.Column("bank_fen", sa.BigInteger(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["loan.id"],
        ),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["posting.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("loan_id", "no"),
        sa.UniqueConstraint("posting_id"),
    )
    with op.batch_alter_table("loan_installment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_installment_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_loan_installment_loan_id"), ["loan_id"], unique=False)

    op.create_table(
        "payment_instruction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("withdrawal_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("payee_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("payee_account_no", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("bank_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("failure_reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settle_posting_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["settle_posting_id"],
            ["posting.id"],
        ),
        sa.ForeignKeyConstraint(
            ["withdrawal_id"],
            ["withdrawal.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("settle_posting_id"),
        sa.UniqueConstraint("withdrawal_id"),
    )
    with op.batch_alter_table("payment_instruction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_instruction_status"), ["status"], unique=False)

    op.create_table(
        "remittance_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remittance_id", sa.Integer(), nullable=False),
        sa.Column("fund_account_id", sa.Integer(), nullable=False),
        sa.Column("wage_base_fen", sa.BigInteger(), nullable=False),
        sa.Column("unit_fen", sa.BigInteger(), nullable=False),
        sa.Column("employee_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_account_id"],
            ["fund_account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["remittance_id"],
            ["remittance.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("remittance_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_remittance_line_fund_account_id"), ["fund_account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_remittance_line_remittance_id"), ["remittance_id"], unique=False
        )

    with op.batch_alter_table("fund_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("wage_base_fen", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("interest_paid_through_on", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_fund_account_unit_id"), ["unit_id"], unique=False)
        batch_op.create_foreign_key("fk_fund_account_unit_id", "unit", ["unit_id"], ["id"])

    with op.batch_alter_table("posting", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("memo", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.create_unique_constraint("uq_posting_reverses_id", ["reverses_id"])

    with op.batch_alter_table("withdrawal", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("closes_account", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "status_before", sa.String(length=10), nullable=False, server_default="normal"
            )
        )

    with op.batch_alter_table("journal_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("loan_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_journal_line_loan_id"), ["loan_id"], unique=False)
        batch_op.create_foreign_key("fk_journal_line_loan_id", "loan", ["loan_id"], ["id"])

    _append_only_journal()


def _refuse_if_rows(table: str) -> None:
    """The skeleton's loans had no project; stop rather than guess one for real data."""
    count = op.get_bind().execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
    if count:
        raise RuntimeError(
            f"表 {table} 中有 {count} 笔旧格式贷款（无签约楼盘），请先人工迁移后再升级"
        )


APPEND_ONLY = """
CREATE OR REPLACE FUNCTION huifang_journal_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: corrections are reversing postings', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def _append_only_journal() -> None:
    """On PostgreSQL the database itself refuses to change or delete a posting or a line."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(APPEND_ONLY)
    # Balances change every month for every depositor; free room on each page lets those
    # updates stay on the page (HOT) instead of touching every index of fund_account.
    op.execute("ALTER TABLE fund_account SET (fillfactor = 50)")
    for table in ("posting", "journal_line"):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION huifang_journal_is_append_only()"
        )


def _drop_append_only_journal() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("posting", "journal_line"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute("DROP FUNCTION IF EXISTS huifang_journal_is_append_only()")


def downgrade() -> None:
    _drop_append_only_journal()
    with op.batch_alter_table("withdrawal", schema=None) as batch_op:
        batch_op.drop_column("status_before")
        batch_op.drop_column("closes_account")
    with op.batch_alter_table("posting", schema=None) as batch_op:
        batch_op.drop_constraint("uq_posting_reverses_id", type_="unique")
        batch_op.drop_column("memo")
    with op.batch_alter_table("journal_line", schema=None) as batch_op:
        batch_op.drop_constraint("fk_journal_line_loan_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_journal_line_loan_id"))
        batch_op.drop_column("loan_id")
    with op.batch_alter_table("fund_account", schema=None) as batch_op:
        batch_op.drop_constraint("fk_fund_account_unit_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_fund_account_unit_id"))
        batch_op.drop_column("interest_paid_through_on")
        batch_op.drop_column("wage_base_fen")
        batch_op.drop_column("unit_id")
    for table in (
        "remittance_line",
        "payment_instruction",
        "loan_installment",
        "remittance",
        "interest_settlement",
        "account_change",
        "unit_administrator",
    ):
        op.drop_table(table)
    _refuse_if_rows("loan")
    op.drop_table("loan")
    op.create_table(
        "loan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("fund_account_id", sa.Integer(), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("outlet_id", sa.Integer(), nullable=False),
        sa.Column("teller_id", sa.Integer(), nullable=False),
        sa.Column("project_contact_name", sa.String(length=100), nullable=True),
        sa.Column("project_contact_phone", sa.String(length=20), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["fund_account_id"], ["fund_account.id"]),
        sa.ForeignKeyConstraint(["outlet_id"], ["outlet.id"]),
        sa.ForeignKeyConstraint(["posting_id"], ["posting.id"]),
        sa.ForeignKeyConstraint(["teller_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("posting_id"),
    )
    with op.batch_alter_table("loan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_fund_account_id"), ["fund_account_id"])
        batch_op.create_index(batch_op.f("ix_loan_outlet_id"), ["outlet_id"])
        batch_op.create_index(batch_op.f("ix_loan_teller_id"), ["teller_id"])
    op.drop_table("unit")
    op.drop_table("project")
