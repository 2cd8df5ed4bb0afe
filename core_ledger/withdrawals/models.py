"""提取 — withdrawals on their legal grounds, and the online-banking payments that pay them."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from kernel.clock import utcnow
from kernel.columns import utc_timestamp
from kernel.crypto import ID_NUMBER, PHONE, blind_index_field, encrypted, keep_blind_index


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


class DocumentKind(StrEnum):
    """要件 — the supporting documents a centre files with a withdrawal."""

    purchase_contract = "purchase_contract"  # 购房合同或不动产权证书
    purchase_invoice = "purchase_invoice"  # 购房发票
    building_permit = "building_permit"  # 建设工程规划许可证
    repair_certificate = "repair_certificate"  # 房屋安全鉴定或大修证明
    retirement_certificate = "retirement_certificate"  # 离退休证明
    incapacity_certificate = "incapacity_certificate"  # 劳动能力鉴定结论
    termination_certificate = "termination_certificate"  # 终止劳动关系证明
    emigration_certificate = "emigration_certificate"  # 出境定居证明（注销户口证明）
    loan_contract = "loan_contract"  # 购房贷款合同
    rental_contract = "rental_contract"  # 房屋租赁合同或备案证明
    death_certificate = "death_certificate"  # 死亡证明
    inheritance_certificate = "inheritance_certificate"  # 继承权公证书或法院判决书
    power_of_attorney = "power_of_attorney"  # 授权委托书（委托代办）


DOCUMENT_ZH = {
    DocumentKind.purchase_contract: "购房合同或不动产权证书",
    DocumentKind.purchase_invoice: "购房发票",
    DocumentKind.building_permit: "建设工程规划许可证",
    DocumentKind.repair_certificate: "房屋安全鉴定或大修证明",
    DocumentKind.retirement_certificate: "离退休证明",
    DocumentKind.incapacity_certificate: "劳动能力鉴定结论",
    DocumentKind.termination_certificate: "终止劳动关系证明",
    DocumentKind.emigration_certificate: "出境定居证明",
    DocumentKind.loan_contract: "购房贷款合同",
    DocumentKind.rental_contract: "房屋租赁合同或备案证明",
    DocumentKind.death_certificate: "死亡证明",
    DocumentKind.inheritance_certificate: "继承权公证书或法院判决书",
    DocumentKind.power_of_attorney: "授权委托书",
}

# What each ground needs on file before money leaves (all of them); an agent adds the
# power of attorney. A centre asks for more at the counter; these are what the books keep.
REQUIRED_DOCUMENTS: dict[WithdrawalGround, tuple[DocumentKind, ...]] = {
    WithdrawalGround.purchase: (DocumentKind.purchase_contract, DocumentKind.purchase_invoice),
    WithdrawalGround.build: (DocumentKind.building_permit,),
    WithdrawalGround.repair: (DocumentKind.repair_certificate,),
    WithdrawalGround.retirement: (DocumentKind.retirement_certificate,),
    WithdrawalGround.incapacity: (
        DocumentKind.incapacity_certificate,
        DocumentKind.termination_certificate,
    ),
    WithdrawalGround.abroad: (DocumentKind.emigration_certificate,),
    WithdrawalGround.loan_repayment: (DocumentKind.loan_contract,),
    WithdrawalGround.rent: (DocumentKind.rental_contract,),
    WithdrawalGround.death: (DocumentKind.death_certificate, DocumentKind.inheritance_certificate),
}
AGENT_DOCUMENTS = (DocumentKind.power_of_attorney,)


class PartyRole(StrEnum):
    """Who besides the depositor a withdrawal names."""

    heir = "heir"  # 继承人或受遗赠人: paid and called on a death withdrawal
    agent = "agent"  # 委托代办人: came to the counter, and is called


PARTY_ZH = {PartyRole.heir: "继承人/受遗赠人", PartyRole.agent: "代办人"}


class WithdrawalParty(SQLModel, table=True):
    """继承人 / 代办人 — a person a withdrawal is paid to or done by instead of the depositor."""

    __tablename__ = "withdrawal_party"
    __table_args__ = (UniqueConstraint("withdrawal_id", "role"),)
    id: int | None = Field(default=None, primary_key=True)
    withdrawal_id: int = Field(foreign_key="withdrawal.id", index=True)
    role: PartyRole = Field(sa_type=String(8))
    name: str = Field(max_length=100)
    # Sealed at rest (kernel.crypto); found by their blind indexes (a person's data request).
    id_number: str = encrypted("withdrawal_party.id_number")
    id_number_index: str = blind_index_field(default="")
    phone: str = encrypted("withdrawal_party.phone")
    phone_index: str = blind_index_field(default="")
    relationship: str = Field(default="", max_length=20)  # 配偶、子女、父母、受遗赠人…
    document_ref: str = Field(default="", max_length=64)  # 继承权公证书号 / 委托书编号


keep_blind_index(WithdrawalParty, source="id_number", target="id_number_index", kind=ID_NUMBER)
keep_blind_index(WithdrawalParty, source="phone", target="phone_index", kind=PHONE)


class WithdrawalDocument(SQLModel, table=True):
    """要件 — one supporting document of a withdrawal: its kind and number."""

    __tablename__ = "withdrawal_document"
    __table_args__ = (UniqueConstraint("withdrawal_id", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    withdrawal_id: int = Field(foreign_key="withdrawal.id", index=True)
    kind: DocumentKind = Field(sa_type=String(32))
    number: str = Field(max_length=64)


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
