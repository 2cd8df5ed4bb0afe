"""Who a withdrawal is for besides the depositor, and what it rests on.

A death withdrawal (职工死亡) is paid to the heir or legatee (继承人、受遗赠人), who is the one
called back: the deceased's phone is never dialled. An agent (委托代办) who came to the counter
is recorded and called, since they are the one who met the teller. Every ground needs its
supporting documents (要件) on file; all of this is checked before any money moves.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from core_ledger.identity import gender_of, validate_resident_id
from core_ledger.withdrawals.models import (
    AGENT_DOCUMENTS,
    DOCUMENT_ZH,
    GROUND_ZH,
    PARTY_ZH,
    REQUIRED_DOCUMENTS,
    DocumentKind,
    PartyRole,
    WithdrawalGround,
)
from core_ledger.withdrawals.schemas import DocumentIn, PartyIn
from kernel.errors import DomainError, Invalid
from kernel.phone import normalize


@dataclass(frozen=True)
class Party:
    """A checked heir or agent: ID and phone normalised."""

    role: PartyRole
    name: str
    id_number: str
    phone: str
    relationship: str
    document_ref: str


@dataclass(frozen=True)
class Claimant:
    """The person a withdrawal's callback dials: agent, else heir, else the depositor."""

    role: str  # depositor | heir | agent
    name: str
    phone: str
    id_number: str

    def person(self, *, account_no: str) -> dict[str, object]:
        """The event's `person`: who to call, addressed by the gender their ID records."""
        return {
            "name": self.name,
            "phone": self.phone,
            "account_no": account_no,
            "gender": gender_of(self.id_number),
            "role": self.role,
        }


def check_documents(
    *, ground: WithdrawalGround, documents: Sequence[DocumentIn], agent: bool
) -> list[tuple[DocumentKind, str]]:
    """The documents as (kind, number); Invalid naming every one that is missing or wrong."""
    found: dict[DocumentKind, str] = {}
    for document in documents:
        try:
            kind = DocumentKind(document.kind.strip())
        except ValueError:
            listed = "、".join(f"{k.value}（{zh}）" for k, zh in DOCUMENT_ZH.items())
            raise Invalid(f"要件类型不正确：{document.kind!r}，可选：{listed}") from None
        number = document.number.strip()
        if not number:
            raise Invalid(f"要件“{DOCUMENT_ZH[kind]}”须填写证件或文书编号")
        if kind in found:
            raise Invalid(f"要件“{DOCUMENT_ZH[kind]}”重复填写，每种要件填写一次")
        found[kind] = number[:64]
    needed = REQUIRED_DOCUMENTS[ground] + (AGENT_DOCUMENTS if agent else ())
    missing = [DOCUMENT_ZH[kind] for kind in needed if kind not in found]
    if missing:
        raise Invalid(
            f"{GROUND_ZH[ground]}提取缺少要件：{'、'.join(missing)}；请收齐并录入要件编号后再办理"
        )
    return list(found.items())


def check_party(role: PartyRole, party: PartyIn, *, depositor_id_number: str) -> Party:
    """An heir or agent with a valid ID and phone, who is not the depositor."""
    label = PARTY_ZH[role]
    name = party.name.strip()
    if not name:
        raise Invalid(f"请填写{label}姓名")
    try:
        id_number = validate_resident_id(party.id_number)
        phone = normalize(party.phone)
    except DomainError as error:
        raise Invalid(f"{label}：{error.message}") from None
    if id_number == depositor_id_number.strip().upper():
        raise Invalid(
            "继承人不能是死亡职工本人，请录入继承人或受遗赠人的身份证号码"
            if role == PartyRole.heir
            else "代办人不能是职工本人；本人办理无需填写代办人"
        )
    relationship, document_ref = party.relationship.strip(), party.document_ref.strip()
    if role == PartyRole.heir and not relationship:
        raise Invalid("请填写继承人与死亡职工的关系（配偶、子女、父母、受遗赠人等）")
    if role == PartyRole.heir and not document_ref:
        raise Invalid("请填写继承权证明文书编号（继承权公证书号或法院判决书案号）")
    return Party(role, name[:100], id_number, phone, relationship[:20], document_ref[:64])


def check_parties(
    *,
    ground: WithdrawalGround,
    heir: PartyIn | None,
    agent: PartyIn | None,
    depositor_id: str,
    depositor_phone: str,
) -> tuple[Party | None, Party | None]:
    """The heir (required for a death withdrawal, refused otherwise) and the agent, if any.

    The deceased's phone is never dialled, so an heir cannot give it as their own."""
    if ground == WithdrawalGround.death and heir is None:
        raise Invalid(
            "职工死亡提取须登记继承人或受遗赠人（姓名、身份证号码、手机号、关系、继承权证明），"
            "款项付给继承人，回访也打给继承人"
        )
    if ground != WithdrawalGround.death and heir is not None:
        raise Invalid("只有职工死亡提取才登记继承人；本人或代办人办理请不要填写继承人")
    heir_party = (
        check_party(PartyRole.heir, heir, depositor_id_number=depositor_id) if heir else None
    )
    if heir_party is not None and heir_party.phone == depositor_phone:
        raise Invalid(
            "继承人的手机号与死亡职工登记的手机号相同；回访不拨打死亡职工的号码，"
            "请填写继承人本人的手机号"
        )
    agent_party = (
        check_party(PartyRole.agent, agent, depositor_id_number=depositor_id) if agent else None
    )
    return heir_party, agent_party


def claimant(
    *,
    depositor_name: str,
    depositor_phone: str,
    depositor_id: str,
    heir: Party | None,
    agent: Party | None,
) -> Claimant:
    """Whom the callback dials: the agent who came, else the heir, else the depositor."""
    for party in (agent, heir):
        if party is not None:
            return Claimant(party.role.value, party.name, party.phone, party.id_number)
    return Claimant("depositor", depositor_name, depositor_phone, depositor_id)
