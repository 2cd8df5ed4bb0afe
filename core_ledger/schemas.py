"""API shapes of the ledger."""

from datetime import datetime

from pydantic import BaseModel, Field


class OutletCreate(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)


class OutletPublic(OutletCreate):
    id: int


class StaffCreate(BaseModel):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    outlet_code: str
    phone: str


class StaffPublic(BaseModel):
    id: int
    code: str
    name: str
    outlet_code: str
    phone_masked: str


class DepositorCreate(BaseModel):
    id_number: str = Field(min_length=18, max_length=18)
    name: str = Field(min_length=1, max_length=100)
    phone: str


class AccountPublic(BaseModel):
    account_no: str
    name: str
    phone_masked: str
    status: str
    balance_fen: int


class RemittanceCreate(BaseModel):
    account_no: str
    amount_fen: int
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    idempotency_key: str = Field(min_length=1, max_length=100)


class BusinessCreate(BaseModel):
    account_no: str
    amount_fen: int
    outlet_code: str
    teller_code: str
    idempotency_key: str = Field(min_length=1, max_length=100)
    occurred_at: datetime | None = None


class WithdrawalCreate(BusinessCreate):
    reason: str = "purchase"


class LoanCreate(BusinessCreate):
    term_months: int = 240
    project_contact_name: str | None = None
    project_contact_phone: str | None = None


class PostingPublic(BaseModel):
    id: int
    receipt_no: str
    kind: str
    amount_fen: int
    account_no: str
    balance_fen: int
    occurred_at: datetime
