"""API shapes of withdrawals and their payments."""

from datetime import datetime

from pydantic import BaseModel, Field

from core_ledger.journal.schemas import IdempotencyKey


class WithdrawalCreate(BaseModel):
    account_no: str
    amount_fen: int | None = Field(default=None, description="销户类提取可不填，按全部余额")
    outlet_code: str
    teller_code: str
    idempotency_key: str = IdempotencyKey
    reason: str = "purchase"
    payee_account_no: str = ""
    occurred_at: datetime | None = None


class PaymentSettlementCreate(BaseModel):
    paid: bool
    bank_ref: str = ""
    failure_reason: str = ""


class PaymentPublic(BaseModel):
    id: int
    withdrawal_id: int
    amount_fen: int
    status: str
    bank_ref: str | None
    failure_reason: str
