"""The system of record: parties (units, depositors, accounts), the journal, outbox.

Business documents (remittances, withdrawals, loans, interest settlements) live in `documents`.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Dialect,
    String,
    Table,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from kernel.clock import local, utcnow
from kernel.columns import calendar_day, table_of, utc_timestamp


class DecimalText(TypeDecorator[Decimal]):
    """A rate stored exactly as text ('0.12', '0.02525'): no float on any database."""

    impl = String(20)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else format(Decimal(value), "f")

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class Unit(SQLModel, table=True):
    """单位 — an employer that remits contributions for its employees."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True, index=True)  # 单位账号
    credit_code: str = Field(max_length=18, unique=True, index=True)  # 统一社会信用代码
    name: str = Field(max_length=200)
    contact_name: str = Field(max_length=100)
    contact_phone: str = Field(max_length=20)
    bank_name: str = Field(max_length=100)
    bank_account_no: str = Field(max_length=40)
    unit_rate: Decimal = Field(sa_type=DecimalText)
    employee_rate: Decimal = Field(sa_type=DecimalText)
    first_month: str = Field(max_length=7)  # YYYY-MM: the first month the unit owes
    created_at: datetime = utc_timestamp(default_factory=utcnow)


class UnitAdministrator(SQLModel, table=True):
    """单位专管员 — a signed-in user who submits remittances for one unit."""

    __tablename__ = "unit_administrator"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", unique=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    created_at: datetime = utc_timestamp(default_factory=utcnow)


class Depositor(SQLModel, table=True):
    """缴存职工 — a person with a provident fund account."""

    id: int | None = Field(default=None, primary_key=True)
    id_number: str = Field(max_length=18, unique=True, index=True)
    name: str = Field(max_length=100)
    phone: str = Field(max_length=20, index=True)
    created_at: datetime = utc_timestamp(default_factory=utcnow)


class AccountStatus(StrEnum):
    normal = "normal"  # 正常
    sealed = "sealed"  # 封存
    frozen = "frozen"  # 冻结
    closed = "closed"  # 销户


STATUS_ZH = {
    AccountStatus.normal: "正常",
    AccountStatus.sealed: "封存",
    AccountStatus.frozen: "冻结",
    AccountStatus.closed: "销户",
}


class FundAccount(SQLModel, table=True):
    """A depositor's fund account; balance_fen is the running sum of its journal lines."""

    __tablename__ = "fund_account"
    id: int | None = Field(default=None, primary_key=True)
    account_no: str = Field(max_length=20, unique=True, index=True)
    depositor_id: int = Field(foreign_key="depositor.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    wage_base_fen: int = Field(default=0, sa_type=BigInteger)  # 缴存基数 before the cap
    status: AccountStatus = Field(default=AccountStatus.normal, sa_type=String(10))
    balance_fen: int = Field(default=0, sa_type=BigInteger)
    interest_paid_through_on: date | None = calendar_day(default=None)
    opened_at: datetime = utc_timestamp(default_factory=utcnow)


FUND_ACCOUNT_TABLE: Table = table_of(FundAccount)


class AccountChange(SQLModel, table=True):
    """A change of an account's status or unit (封存, 冻结, 转移, 销户...), kept for audit."""

    __tablename__ = "account_change"
    id: int | None = Field(default=None, primary_key=True)
    fund_account_id: int = Field(foreign_key="fund_account.id", index=True)
    kind: str = Field(max_length=20)
    from_status: str = Field(max_length=10)
    to_status: str = Field(max_length=10)
    from_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    to_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    reason: str = Field(default="", max_length=200)
    occurred_at: datetime = utc_timestamp(default_factory=utcnow)


class GlAccount(StrEnum):
    """Fund-level accounts the journal balances against (debits positive)."""

    bank = "bank"  # asset: the fund's bank deposits
    deposits = "deposits"  # liability: what the fund owes depositors (per fund account)
    loans = "loans"  # asset: housing loans receivable (per loan)
    payments_pending = "payments_pending"  # liability: withdrawals awaiting online banking
    interest_expense = "interest_expense"  # expense: interest credited to depositors
    loan_interest = "loan_interest"  # income: interest borrowers pay


class Posting(SQLModel, table=True):
    """One business event in the journal. Never updated or deleted; corrected by reversal."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32, index=True)
    idempotency_key: str | None = Field(default=None, max_length=100, unique=True)
    request_hash: str | None = Field(default=None, max_length=64)
    fund_account_id: int | None = Field(default=None, foreign_key="fund_account.id", index=True)
    outlet_id: int | None = Field(default=None, foreign_key="outlet.id", index=True)
    teller_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    amount_fen: int = Field(sa_type=BigInteger)
    memo: str = Field(default="", max_length=200)
    occurred_at: datetime = utc_timestamp(default_factory=utcnow, index=True)
    reverses_id: int | None = Field(default=None, foreign_key="posting.id", unique=True)

    @property
    def receipt_no(self) -> str:
        """票据号 — printed on the receipt; derived so it can never disagree with the journal."""
        return f"PJ{local(self.occurred_at):%Y%m%d}{self.id:010d}"


class JournalLine(SQLModel, table=True):
    """A signed line of a posting: debits positive, credits negative; a posting sums to zero."""

    __tablename__ = "journal_line"
    id: int | None = Field(default=None, primary_key=True)
    posting_id: int = Field(foreign_key="posting.id", index=True)
    gl_account: GlAccount = Field(sa_type=String(16))
    fund_account_id: int | None = Field(default=None, foreign_key="fund_account.id", index=True)
    loan_id: int | None = Field(default=None, foreign_key="loan.id", index=True)
    amount_fen: int = Field(sa_type=BigInteger)


class OutboxEvent(SQLModel, table=True):
    """An event written in the same transaction as the business it reports."""

    __tablename__ = "outbox_event"
    __table_args__ = (UniqueConstraint("kind", "aggregate_id"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    aggregate_id: int
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = utc_timestamp(default_factory=utcnow)
    published_at: datetime | None = utc_timestamp(default=None, index=True)
