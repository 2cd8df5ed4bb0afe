"""贷款 — contracted projects (签约楼盘), housing loans and their monthly installments."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from core_ledger.columns import DecimalText
from kernel.clock import utcnow
from kernel.columns import calendar_day, utc_timestamp
from kernel.crypto import encrypted


class Project(SQLModel, table=True):
    """签约楼盘 — a real-estate project under agreement with the centre."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    developer: str = Field(max_length=200)
    contact_name: str = Field(max_length=100)  # the project's responsible person
    contact_phone: str = encrypted("project.contact_phone")
    active: bool = True
    created_at: datetime = utc_timestamp(default_factory=utcnow)


class LoanStatus(StrEnum):
    applied = "applied"  # 已受理
    approved = "approved"  # 已审批
    rejected = "rejected"  # 未获批准
    disbursed = "disbursed"  # 已放款，还款中
    settled = "settled"  # 已结清


LOAN_STATUS_ZH = {
    LoanStatus.applied: "已受理，待审批",
    LoanStatus.approved: "已审批",
    LoanStatus.rejected: "未获批准",
    LoanStatus.disbursed: "已放款",
    LoanStatus.settled: "已结清",
}


class Loan(SQLModel, table=True):
    """贷款 — a housing loan on a contracted project, applied for and disbursed at an outlet."""

    id: int | None = Field(default=None, primary_key=True)
    fund_account_id: int = Field(foreign_key="fund_account.id", index=True)
    project_id: int = Field(foreign_key="project.id", index=True)
    principal_fen: int = Field(sa_type=BigInteger)
    term_months: int
    first_home: bool = True
    annual_rate: Decimal = Field(sa_type=DecimalText)
    offset_repayment: bool = False  # 对冲还贷
    status: LoanStatus = Field(sa_type=String(10), index=True)
    idempotency_key: str | None = Field(default=None, max_length=100, unique=True)
    request_hash: str | None = Field(default=None, max_length=64)
    outlet_id: int = Field(foreign_key="outlet.id", index=True)
    teller_id: int = Field(foreign_key="staff.id", index=True)
    applied_at: datetime = utc_timestamp(default_factory=utcnow)
    # The maker (受理人); the reviewer is never the same person.
    applied_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = utc_timestamp(default=None)
    review_reason: str = Field(default="", max_length=200)
    posting_id: int | None = Field(default=None, foreign_key="posting.id", unique=True)
    disbursed_at: datetime | None = utc_timestamp(default=None)
    first_due_on: date | None = calendar_day(default=None)


class LoanInstallment(SQLModel, table=True):
    """One month of a loan's equal-installment schedule and how it was paid."""

    __tablename__ = "loan_installment"
    __table_args__ = (UniqueConstraint("loan_id", "no"),)
    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    no: int
    due_on: date = calendar_day(index=True)
    payment_fen: int = Field(sa_type=BigInteger)
    principal_fen: int = Field(sa_type=BigInteger)
    interest_fen: int = Field(sa_type=BigInteger)
    offset_fen: int = Field(default=0, sa_type=BigInteger)  # taken from the fund account
    bank_fen: int = Field(default=0, sa_type=BigInteger)  # collected from the borrower's bank
    posting_id: int | None = Field(default=None, foreign_key="posting.id", unique=True)
    paid_at: datetime | None = utc_timestamp(default=None)
    # The bank did not collect its part on this day (逾期 from due_on until it is paid).
    collection_failed_on: date | None = calendar_day(default=None)


class LoanRepricing(SQLModel, table=True):
    """A loan's rate changed on 1 January to the rate then in force (once per loan and year)."""

    __tablename__ = "loan_repricing"
    __table_args__ = (UniqueConstraint("loan_id", "year"),)
    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    year: int
    old_rate: Decimal = Field(sa_type=DecimalText)
    new_rate: Decimal = Field(sa_type=DecimalText)
    installments: int  # how many unpaid installments were rewritten
    repriced_at: datetime = utc_timestamp(default_factory=utcnow)
