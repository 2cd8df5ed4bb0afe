"""Units (单位), their administrators, depositors, and the audit trail of account changes.

The fund account itself is the journal's (`journal.models.FundAccount`): the journal keeps its
balance. Opening it, changing its status or unit, and its wage base are this package's verbs.
"""

from datetime import datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from core_ledger.columns import DecimalText
from kernel.clock import utcnow
from kernel.columns import utc_timestamp
from kernel.crypto import ID_NUMBER, PHONE, blind_index_field, encrypted, keep_blind_index


class Unit(SQLModel, table=True):
    """单位 — an employer that remits contributions for its employees."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True, index=True)  # 单位账号
    credit_code: str = Field(max_length=18, unique=True, index=True)  # 统一社会信用代码
    name: str = Field(max_length=200)
    contact_name: str = Field(max_length=100)
    contact_phone: str = encrypted("unit.contact_phone")
    bank_name: str = Field(max_length=100)
    bank_account_no: str = Field(max_length=40)
    unit_rate: Decimal = Field(sa_type=DecimalText)
    employee_rate: Decimal = Field(sa_type=DecimalText)
    first_month: str = Field(max_length=7)  # YYYY-MM: the first month the unit owes
    created_at: datetime = utc_timestamp(default_factory=utcnow)


class UnitAdministrator(SQLModel, table=True):
    """单位专管员 — a signed-in user who submits remittances for one unit."""

    __tablename__ = "unit_administrator"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", unique=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    created_at: datetime = utc_timestamp(default_factory=utcnow)


class Depositor(SQLModel, table=True):
    """缴存职工 — a person with a provident fund account."""

    id: int | None = Field(default=None, primary_key=True)
    # Sealed at rest (kernel.crypto); found by their blind indexes.
    id_number: str = encrypted("depositor.id_number")
    id_number_index: str = blind_index_field(default="", unique=True)
    name: str = Field(max_length=100)
    phone: str = encrypted("depositor.phone")
    phone_index: str = blind_index_field(default="")
    created_at: datetime = utc_timestamp(default_factory=utcnow)
    # 配偶: recorded at the counter; a spouse's earlier fund loan makes the next one 二套.
    spouse_id: int | None = Field(default=None, foreign_key="depositor.id", unique=True)


keep_blind_index(Depositor, source="id_number", target="id_number_index", kind=ID_NUMBER)
keep_blind_index(Depositor, source="phone", target="phone_index", kind=PHONE)


class AccountChange(SQLModel, table=True):
    """A change of an account's status or unit (封存, 冻结, 转移, 销户...), kept for audit."""

    __tablename__ = "account_change"
    id: int | None = Field(default=None, primary_key=True)
    fund_account_id: int = Field(foreign_key="fund_account.id", index=True)
    kind: str = Field(max_length=20)
    from_status: str = Field(max_length=10)
    to_status: str = Field(max_length=10)
    from_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    to_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    reason: str = Field(default="", max_length=200)
    occurred_at: datetime = utc_timestamp(default_factory=utcnow)
