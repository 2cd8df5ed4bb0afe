"""API shapes of contracted projects, loans and repayment runs."""

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from core_ledger.journal.schemas import IdempotencyKey


class ProjectCreate(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    developer: str = Field(min_length=1, max_length=200)
    contact_name: str = Field(min_length=1, max_length=100)
    contact_phone: str


class ProjectPublic(BaseModel):
    code: str
    name: str
    developer: str
    contact_name: str
    contact_phone_masked: str
    active: bool


class LoanCreate(BaseModel):
    account_no: str
    amount_fen: int
    outlet_code: str = Field(
        default="", description="网点编号：柜员本人办理时不填（记在其所属网点）"
    )
    teller_code: str = Field(
        default="", description="柜员号：柜员本人办理时不填；业务主管补录时必填"
    )
    idempotency_key: str = IdempotencyKey
    occurred_at: datetime | None = None
    project_code: str
    term_months: int = 240
    first_home: bool = True
    offset_repayment: bool = False


class LoanReviewCreate(BaseModel):
    approve: bool
    reason: str = ""


class LoanPublic(BaseModel):
    id: int
    account_no: str
    project_code: str
    principal_fen: int
    term_months: int
    annual_rate: Decimal
    offset_repayment: bool
    status: str
    outstanding_fen: int
    first_due_on: date | None
    monthly_payment_fen: int | None
    receipt_no: str | None


class RepaymentRunPublic(BaseModel):
    installments: int
    offset_fen: int
    bank_fen: int
    settled_loans: int
