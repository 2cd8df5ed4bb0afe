"""API shapes of units, depositors and their fund accounts."""

from decimal import Decimal

from pydantic import BaseModel, Field


class UnitCreate(BaseModel):
    credit_code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    contact_name: str = Field(min_length=1, max_length=100)
    contact_phone: str
    bank_name: str = Field(min_length=1, max_length=100)
    bank_account_no: str = Field(min_length=1, max_length=40)
    unit_rate: Decimal = Field(description="单位缴存比例，如 0.12")
    employee_rate: Decimal = Field(description="个人缴存比例，如 0.12")
    first_month: str | None = Field(
        default=None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="起缴月份，默认本月"
    )


class UnitPublic(BaseModel):
    code: str
    credit_code: str
    name: str
    contact_name: str
    contact_phone_masked: str
    unit_rate: Decimal
    employee_rate: Decimal
    first_month: str
    headcount: int


class UnitAdministratorCreate(BaseModel):
    username: str


class DepositorCreate(BaseModel):
    id_number: str = Field(min_length=1, max_length=30)
    name: str = Field(min_length=1, max_length=100)
    phone: str
    unit_code: str | None = None
    wage_base_fen: int = 0


class AccountPublic(BaseModel):
    account_no: str
    name: str
    phone_masked: str
    status: str
    balance_fen: int
    unit_code: str | None = None
    wage_base_fen: int = 0
    accrued_interest_fen: int = 0


class AccountStatusUpdate(BaseModel):
    action: str = Field(description="seal（封存）、freeze（冻结）或 unfreeze（解冻）")
    reason: str


class TransferCreate(BaseModel):
    to_unit_code: str
    wage_base_fen: int
    reason: str = ""


class SpouseLinkCreate(BaseModel):
    spouse_account_no: str = Field(min_length=1, max_length=20, description="配偶的公积金账号")


class WageBaseUpdate(BaseModel):
    wage_base_fen: int
