"""The books: fund accounts, postings and their lines, and the yearly interest settlement.

`FundAccount` is here, not in `accounts`, because the journal keeps its balance: every posting
locks and moves it, and every domain (remittance, withdrawals, loans, interest) posts to it.
`InterestSettlement` is here because the journal refuses a posting dated into a settled year.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, String, Table
from sqlmodel import Field, SQLModel

from core_ledger.columns import DecimalText
from kernel.clock import local, utcnow
from kernel.columns import calendar_day, table_of, utc_timestamp


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


class LateEntry(SQLModel, table=True):
    """补录 — business entered after the moment it happened: only a supervisor, with a reason.

    A teller's business happens when the server says; a posting with an earlier `occurred_at`
    has exactly one of these naming who entered it late and why.
    """

    __tablename__ = "late_entry"
    id: int | None = Field(default=None, primary_key=True)
    posting_id: int = Field(foreign_key="posting.id", unique=True)
    entered_by_user_id: int = Field(foreign_key="app_user.id", index=True)
    reason: str = Field(max_length=200)
    occurred_at: datetime = utc_timestamp()
    entered_at: datetime = utc_timestamp(default_factory=utcnow)


class InterestSettlement(SQLModel, table=True):
    """结息 — one year's deposit interest credited to every open account."""

    __tablename__ = "interest_settlement"
    id: int | None = Field(default=None, primary_key=True)
    period_end_on: date = calendar_day(unique=True)
    annual_rate: Decimal = Field(sa_type=DecimalText)
    accounts: int
    total_fen: int = Field(sa_type=BigInteger)
    posting_id: int | None = Field(default=None, foreign_key="posting.id", unique=True)
    settled_at: datetime = utc_timestamp(default_factory=utcnow)
