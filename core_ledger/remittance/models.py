"""汇缴单 — remittance documents and their lines.

A document's status may move on (submitted → approved → posted); the money it moves is only
ever in the journal, which never changes.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, String, text
from sqlmodel import Field, SQLModel

from kernel.clock import utcnow
from kernel.columns import utc_timestamp


class RemittanceKind(StrEnum):
    regular = "regular"  # 汇缴
    supplementary = "supplementary"  # 补缴


class RemittanceStatus(StrEnum):
    submitted = "submitted"  # 待审核
    approved = "approved"  # 已审核，待银行到账
    rejected = "rejected"  # 已退回
    posted = "posted"  # 已入账
    reversed = "reversed"  # 已冲正


_LIVE = "status IN ('submitted', 'approved', 'posted') AND kind = 'regular'"


class Remittance(SQLModel, table=True):
    """汇缴单 — one unit's contributions for one month (or a 补缴 for a past month)."""

    __table_args__ = (
        # At most one live regular remittance per unit and month; 补缴 may be several.
        Index(
            "uq_remittance_live_regular",
            "unit_id",
            "month",
            unique=True,
            postgresql_where=text(_LIVE),
            sqlite_where=text(_LIVE),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    month: str = Field(max_length=7, index=True)
    kind: RemittanceKind = Field(sa_type=String(16))
    source: str = Field(max_length=16)  # counter | self_service
    status: RemittanceStatus = Field(sa_type=String(16), index=True)
    headcount: int
    unit_fen: int = Field(sa_type=BigInteger)
    employee_fen: int = Field(sa_type=BigInteger)
    total_fen: int = Field(sa_type=BigInteger)
    idempotency_key: str | None = Field(default=None, max_length=100, unique=True)
    request_hash: str | None = Field(default=None, max_length=64)
    submitted_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    submitted_at: datetime = utc_timestamp(default_factory=utcnow)
    reviewed_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = utc_timestamp(default=None)
    review_reason: str = Field(default="", max_length=200)
    bank_ref: str | None = Field(default=None, max_length=64)
    confirmed_at: datetime | None = utc_timestamp(default=None)
    outlet_id: int | None = Field(default=None, foreign_key="outlet.id")
    teller_id: int | None = Field(default=None, foreign_key="staff.id")
    posting_id: int | None = Field(default=None, foreign_key="posting.id", unique=True)

    @property
    def total(self) -> int:
        return self.unit_fen + self.employee_fen


class RemittanceLine(SQLModel, table=True):
    """One depositor's shares in a remittance."""

    __tablename__ = "remittance_line"
    id: int | None = Field(default=None, primary_key=True)
    remittance_id: int = Field(foreign_key="remittance.id", index=True)
    fund_account_id: int = Field(foreign_key="fund_account.id", index=True)
    wage_base_fen: int = Field(sa_type=BigInteger)
    unit_fen: int = Field(sa_type=BigInteger)
    employee_fen: int = Field(sa_type=BigInteger)


class ReversalRequest(SQLModel, table=True):
    """冲正申请 — one person asks to reverse a posted remittance, another approves and posts it."""

    __tablename__ = "reversal_request"
    id: int | None = Field(default=None, primary_key=True)
    remittance_id: int = Field(foreign_key="remittance.id", unique=True)
    reason: str = Field(max_length=200)
    idempotency_key: str = Field(max_length=100, unique=True)
    request_hash: str | None = Field(default=None, max_length=64)
    requested_by_user_id: int = Field(foreign_key="app_user.id")
    requested_at: datetime = utc_timestamp(default_factory=utcnow)
    approved_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    approved_at: datetime | None = utc_timestamp(default=None)
    posting_id: int | None = Field(default=None, foreign_key="posting.id", unique=True)
