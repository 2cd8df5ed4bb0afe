"""提取 — withdrawals on their legal grounds, and the online-banking payments that pay them."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, String
from sqlmodel import Field, SQLModel

from kernel.clock import utcnow
from kernel.columns import utc_timestamp


class WithdrawalGround(StrEnum):
    """提取原因 — the legal grounds for taking money out of a fund account."""

    purchase = "purchase"  # 购买自住住房
    build = "build"  # 建造自住住房
    repair = "repair"  # 翻建、大修自住住房
    retirement = "retirement"  # 离休、退休
    incapacity = "incapacity"  # 完全丧失劳动能力并与单位终止劳动关系
    abroad = "abroad"  # 出境定居
    loan_repayment = "loan_repayment"  # 偿还购房贷款本息
    rent = "rent"  # 房租超出家庭工资收入规定比例
    death = "death"  # 职工死亡（继承人、受遗赠人提取）


GROUND_ZH = {
    WithdrawalGround.purchase: "购买自住住房",
    WithdrawalGround.build: "建造自住住房",
    WithdrawalGround.repair: "翻建、大修自住住房",
    WithdrawalGround.retirement: "离休、退休",
    WithdrawalGround.incapacity: "丧失劳动能力并终止劳动关系",
    WithdrawalGround.abroad: "出境定居",
    WithdrawalGround.loan_repayment: "偿还购房贷款本息",
    WithdrawalGround.rent: "租房",
    WithdrawalGround.death: "职工死亡（继承提取）",
}
# Grounds that end the depositor's relationship with the fund: the whole balance, then 销户.
CLOSING_GROUNDS = frozenset(
    {
        WithdrawalGround.retirement,
        WithdrawalGround.incapacity,
        WithdrawalGround.abroad,
        WithdrawalGround.death,
    }
)


class Withdrawal(SQLModel, table=True):
    """提取 — money taken out of a fund account at an outlet."""

    id: int | None = Field(default=None, primary_key=True)
    posting_id: int = Field(foreign_key="posting.id", unique=True)
    fund_account_id: int = Field(foreign_key="fund_account.id", index=True)
    amount_fen: int = Field(sa_type=BigInteger)
    reason: WithdrawalGround = Field(sa_type=String(32))
    closes_account: bool = False
    status_before: str = Field(max_length=10)  # restored if the payment fails
    outlet_id: int = Field(foreign_key="outlet.id", index=True)
    teller_id: int = Field(foreign_key="staff.id", index=True)
    occurred_at: datetime = utc_timestamp(default_factory=utcnow)


class PaymentStatus(StrEnum):
    pending = "pending"  # 待支付
    paid = "paid"  # 已支付
    failed = "failed"  # 支付失败，资金退回账户


class PaymentInstruction(SQLModel, table=True):
    """网银支付指令 — online-banking payment of a withdrawal to the depositor's bank card."""

    __tablename__ = "payment_instruction"
    id: int | None = Field(default=None, primary_key=True)
    withdrawal_id: int = Field(foreign_key="withdrawal.id", unique=True)
    amount_fen: int = Field(sa_type=BigInteger)
    payee_name: str = Field(max_length=100)
    payee_account_no: str = Field(max_length=40)
    status: PaymentStatus = Field(default=PaymentStatus.pending, sa_type=String(10), index=True)
    bank_ref: str | None = Field(default=None, max_length=64)
    failure_reason: str = Field(default="", max_length=200)
    created_at: datetime = utc_timestamp(default_factory=utcnow)
    settled_at: datetime | None = utc_timestamp(default=None)
    settle_posting_id: int | None = Field(default=None, foreign_key="posting.id", unique=True)
