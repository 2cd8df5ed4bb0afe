"""The system of record: outlets, staff, depositors, fund accounts, the journal and the outbox."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from kernel.clock import local, utcnow


def _ts(**kwargs: Any) -> Any:
    return Field(sa_type=DateTime(timezone=True), **kwargs)


class Outlet(SQLModel, table=True):
    """营业网点 — a service outlet."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=100)
    created_at: datetime = _ts(default_factory=utcnow)


class Staff(SQLModel, table=True):
    """A member of staff; at an outlet, a comprehensive teller (综合柜员)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=100)
    outlet_id: int | None = Field(default=None, foreign_key="outlet.id", index=True)
    phone: str = Field(max_length=20, index=True)


class Depositor(SQLModel, table=True):
    """缴存职工 — a person with a provident fund account."""

    id: int | None = Field(default=None, primary_key=True)
    id_number: str = Field(max_length=18, unique=True, index=True)
    name: str = Field(max_length=100)
    phone: str = Field(max_length=20, index=True)
    created_at: datetime = _ts(default_factory=utcnow)


class AccountStatus(StrEnum):
    normal = "normal"  # 正常
    sealed = "sealed"  # 封存
    frozen = "frozen"  # 冻结
    closed = "closed"  # 销户


class FundAccount(SQLModel, table=True):
    """A depositor's fund account; balance_fen is the running sum of its journal lines."""

    __tablename__ = "fund_account"
    id: int | None = Field(default=None, primary_key=True)
    account_no: str = Field(max_length=20, unique=True, index=True)
    depositor_id: int = Field(foreign_key="depositor.id", index=True)
    status: AccountStatus = Field(default=AccountStatus.normal, sa_type=String(10))
    balance_fen: int = Field(default=0, sa_type=BigInteger)
    opened_at: datetime = _ts(default_factory=utcnow)


class GlAccount(StrEnum):
    """Fund-level accounts the journal balances against."""

    bank = "bank"  # asset: the fund's bank deposits
    deposits = "deposits"  # liability: what the fund owes depositors
    loans = "loans"  # asset: housing loans receivable


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
    occurred_at: datetime = _ts(default_factory=utcnow, index=True)
    reverses_id: int | None = Field(default=None, foreign_key="posting.id")

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
    amount_fen: int = Field(sa_type=BigInteger)


class Withdrawal(SQLModel, table=True):
    """提取 — money taken out of a fund account at an outlet."""

    id: int | None = Field(default=None, primary_key=True)
    posting_id: int = Field(foreign_key="posting.id", unique=True)
    fund_account_id: int = Field(foreign_key="fund_account.id", index=True)
    amount_fen: int = Field(sa_type=BigInteger)
    reason: str = Field(max_length=32)
    outlet_id: int = Field(foreign_key="outlet.id", index=True)
    teller_id: int = Field(foreign_key="staff.id", index=True)
    occurred_at: datetime = _ts(default_factory=utcnow)


class Loan(SQLModel, table=True):
    """贷款 — a housing loan disbursed at an outlet."""

    id: int | None = Field(default=None, primary_key=True)
    posting_id: int = Field(foreign_key="posting.id", unique=True)
    fund_account_id: int = Field(foreign_key="fund_account.id", index=True)
    principal_fen: int = Field(sa_type=BigInteger)
    term_months: int
    outlet_id: int = Field(foreign_key="outlet.id", index=True)
    teller_id: int = Field(foreign_key="staff.id", index=True)
    project_contact_name: str | None = Field(default=None, max_length=100)
    project_contact_phone: str | None = Field(default=None, max_length=20)
    occurred_at: datetime = _ts(default_factory=utcnow)


class OutboxEvent(SQLModel, table=True):
    """An event written in the same transaction as the business it reports."""

    __tablename__ = "outbox_event"
    __table_args__ = (UniqueConstraint("kind", "aggregate_id"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    aggregate_id: int
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _ts(default_factory=utcnow)
    published_at: datetime | None = _ts(default=None, index=True)
