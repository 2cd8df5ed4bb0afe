"""API shapes of remittances (汇缴、补缴、个人缴存)."""

from datetime import datetime

from pydantic import BaseModel, Field

from core_ledger.journal.schemas import IdempotencyKey

Month = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="缴存月份 YYYY-MM")


class IndividualRemittanceCreate(BaseModel):
    """个人缴存: one depositor's own contribution for a month (flexible employment)."""

    account_no: str
    amount_fen: int
    month: str = Month
    idempotency_key: str = IdempotencyKey


class RosterLineCreate(BaseModel):
    account_no: str
    wage_base_fen: int | None = None
    name: str | None = None


class UnitRemittanceCreate(BaseModel):
    month: str = Month
    kind: str = "regular"
    idempotency_key: str = IdempotencyKey
    lines: list[RosterLineCreate] | None = Field(
        default=None, description="不填则按单位登记的职工和基数"
    )


class CounterRemittanceCreate(UnitRemittanceCreate):
    outlet_code: str = Field(
        default="", description="网点编号：柜员本人办理时不填（记在其所属网点）"
    )
    teller_code: str = Field(
        default="", description="柜员号：柜员本人办理时不填；业务主管补录时必填"
    )
    occurred_at: datetime | None = None
    late_reason: str = Field(default="", max_length=200, description="补录原因（仅业务主管）")


class RemittanceReviewCreate(BaseModel):
    approve: bool
    reason: str = ""


class BankConfirmationCreate(BaseModel):
    bank_ref: str = Field(min_length=1, max_length=64)
    amount_fen: int
    occurred_at: datetime | None = None
    late_reason: str = Field(default="", max_length=200, description="补录原因（仅业务主管）")


class ReversalCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=200)
    idempotency_key: str = IdempotencyKey


class ReversalRequestPublic(BaseModel):
    id: int
    remittance_id: int
    reason: str
    requested_at: datetime
    approved_at: datetime | None
    state: str  # 待审批 | 已冲正


class RemittancePublic(BaseModel):
    id: int
    unit_code: str
    month: str
    kind: str
    source: str
    status: str
    headcount: int
    unit_fen: int
    employee_fen: int
    total_fen: int
    submitted_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_reason: str
    bank_ref: str | None
    receipt_no: str | None


class MonthOwedPublic(BaseModel):
    month: str
    state: str
    amount_fen: int | None
