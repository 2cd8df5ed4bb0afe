"""API shapes of contracted projects, loans and repayment runs."""

from datetime import date
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
    project_code: str
    term_months: int = 240
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
    first_home: bool  # 首套 (False: 二套, from a previous fund loan of the borrower or spouse)
    offset_repayment: bool
    status: str
    outstanding_fen: int
    first_due_on: date | None
    monthly_payment_fen: int | None
    receipt_no: str | None


class RepaymentRunCreate(BaseModel):
    on: date | None = None
    uncollected_loan_ids: list[int] = Field(
        default_factory=list, description="银行回盘：本次扣款失败的贷款号"
    )


class RepaymentRunPublic(BaseModel):
    installments: int
    offset_fen: int
    bank_fen: int
    settled_loans: int
    uncollected: int


class LoanLimitsPublic(BaseModel):
    account_no: str
    contribution_months: int
    ceiling_fen: int
    retires_on: date | None
    max_term_months: int | None
    first_home: bool


class LoanArrearsPublic(BaseModel):
    loan_id: int
    account_no: str
    installments: int
    amount_fen: int
    overdue_since: date
    days_overdue: int


class RepricingRunPublic(BaseModel):
    year: int
    loans: int
    installments: int
