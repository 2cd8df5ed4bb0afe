"""API shapes of withdrawals and their payments."""

from datetime import datetime

from pydantic import BaseModel, Field

from core_ledger.journal.schemas import IdempotencyKey


class DocumentIn(BaseModel):
    """要件: a supporting document's kind (see REQUIRED_DOCUMENTS) and number."""

    kind: str
    number: str


class PartyIn(BaseModel):
    """继承人/受遗赠人 or 代办人: who is paid or came to the counter instead of the depositor."""

    name: str
    id_number: str
    phone: str
    relationship: str = Field(default="", description="与职工关系：配偶、子女、父母、受遗赠人…")
    document_ref: str = Field(default="", description="继承权公证书号或授权委托书编号")


class WithdrawalCreate(BaseModel):
    account_no: str
    amount_fen: int | None = Field(default=None, description="销户类提取可不填，按全部余额")
    outlet_code: str = Field(
        default="", description="网点编号：柜员本人办理时不填（记在其所属网点）"
    )
    teller_code: str = Field(
        default="", description="柜员号：柜员本人办理时不填；业务主管补录时必填"
    )
    idempotency_key: str = IdempotencyKey
    reason: str = "purchase"
    payee_account_no: str = ""
    occurred_at: datetime | None = None
    documents: list[DocumentIn] = Field(default_factory=list, description="要件，按提取原因")
    heir: PartyIn | None = Field(default=None, description="职工死亡提取：继承人或受遗赠人")
    agent: PartyIn | None = Field(default=None, description="委托代办：到柜台办理的代办人")
    late_reason: str = Field(default="", max_length=200, description="补录原因（仅业务主管）")


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


class DocumentPublic(BaseModel):
    kind: str
    kind_zh: str
    number: str


class PartyPublic(BaseModel):
    """An heir or agent, their ID and phone masked."""

    role: str
    role_zh: str
    name: str
    id_number_masked: str
    phone_masked: str
    relationship: str
    document_ref: str


class WithdrawalPublic(BaseModel):
    """A withdrawal as an auditor checks it: ground, amount, documents, heir or agent."""

    id: int
    account_no: str
    ground: str
    ground_zh: str
    amount_fen: int
    closes_account: bool
    occurred_at: datetime
    receipt_no: str
    payee_name: str
    called: str = Field(description="回访对象：depositor / heir / agent")
    documents: list[DocumentPublic]
    parties: list[PartyPublic]
