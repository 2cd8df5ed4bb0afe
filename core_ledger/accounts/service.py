"""Units (单位), their administrators, depositors and fund accounts: opening, status, transfer."""

from datetime import datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from core_ledger.accounts.models import AccountChange, Depositor, Unit, UnitAdministrator
from core_ledger.accounts.rates import as_rate
from core_ledger.identity import validate_credit_code, validate_resident_id
from core_ledger.journal.models import STATUS_ZH, AccountStatus, FundAccount
from core_ledger.journal.service import moment
from core_ledger.limits import ledger_month, wage_base
from kernel.auth import Role, User
from kernel.clock import utcnow
from kernel.crypto import id_number_index
from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from kernel.periods import current_month
from kernel.phone import normalize


def register_unit(
    session: Session,
    *,
    credit_code: str,
    name: str,
    contact_name: str,
    contact_phone: str,
    bank_name: str,
    bank_account_no: str,
    unit_rate: Decimal | str,
    employee_rate: Decimal | str,
    first_month: str | None = None,
) -> Unit:
    """单位开户: register an employer with its deposit rates; it owes from first_month on."""
    code = validate_credit_code(credit_code)
    if session.exec(select(Unit).where(Unit.credit_code == code)).first():
        raise Conflict("该统一社会信用代码的单位已登记，请勿重复开户")
    unit = Unit(
        code=code,  # a placeholder until the id gives the unit its account number
        credit_code=code,
        name=name.strip(),
        contact_name=contact_name.strip(),
        contact_phone=normalize(contact_phone),
        bank_name=bank_name.strip(),
        bank_account_no=bank_account_no.strip(),
        unit_rate=as_rate(unit_rate, name="单位缴存比例"),
        employee_rate=as_rate(employee_rate, name="个人缴存比例"),
        first_month=ledger_month(first_month, what="起缴月份", future=True)
        if first_month
        else current_month(),
    )
    session.add(unit)
    session.flush()
    unit.code = f"DW{unit.id:08d}"
    session.add(unit)
    session.flush()
    return unit


def get_unit(session: Session, *, code: str) -> Unit:
    """A unit by its account number (单位账号) or its credit code."""
    key = code.strip().upper()
    unit = session.exec(select(Unit).where((Unit.code == key) | (Unit.credit_code == key))).first()
    if unit is None:
        raise NotFound(f"找不到单位 {code!r}，请核对单位账号或统一社会信用代码")
    return unit


def link_administrator(session: Session, *, unit_code: str, username: str) -> UnitAdministrator:
    """Make a unit_admin user the administrator (单位专管员) of one unit."""
    unit = get_unit(session, code=unit_code)
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"找不到用户 {username!r}，请先用 huifang user add 创建")
    if user.role != Role.unit_admin:
        raise Invalid(f"用户 {username} 的角色是 {user.role}，只有 unit_admin 可以担任单位专管员")
    existing = session.exec(
        select(UnitAdministrator).where(UnitAdministrator.user_id == user.id)
    ).first()
    if existing is not None:
        if existing.unit_id == unit.id:
            return existing
        raise Conflict(f"用户 {username} 已是另一单位的专管员")
    link = UnitAdministrator(user_id=user.id or 0, unit_id=unit.id or 0)
    session.add(link)
    session.flush()
    return link


def unit_of(session: Session, *, user: User) -> Unit:
    """The unit a unit administrator acts for; refused for anyone not linked to one."""
    link = session.exec(
        select(UnitAdministrator).where(UnitAdministrator.user_id == user.id)
    ).first()
    if link is None:
        raise Forbidden("当前账号未绑定任何单位，请联系公积金中心为您绑定单位后再提交")
    unit = session.get(Unit, link.unit_id)
    assert unit is not None
    return unit


def open_depositor(
    session: Session,
    *,
    id_number: str,
    name: str,
    phone: str,
    unit_code: str | None = None,
    wage_base_fen: int = 0,
    opened_at: datetime | None = None,
) -> FundAccount:
    """个人开户: register a depositor (ID checked) and open their account, at a unit if given.

    opened_at is for accounts brought over from an earlier system; it is never in the future.
    """
    id_number = validate_resident_id(id_number)
    phone = normalize(phone)
    if wage_base_fen < 0:
        raise Invalid(f"缴存基数不能为负数，收到 {wage_base_fen} 分")
    if wage_base_fen > 0:  # 0: no base registered yet
        wage_base(wage_base_fen)
    unit = get_unit(session, code=unit_code) if unit_code else None
    if session.exec(
        select(Depositor).where(Depositor.id_number_index == id_number_index(id_number))
    ).first():
        raise Conflict("该身份证号已开户，请勿重复开户")
    depositor = Depositor(id_number=id_number, name=name.strip(), phone=phone)
    session.add(depositor)
    session.flush()
    account = FundAccount(
        account_no=f"8{depositor.id:011d}",
        depositor_id=depositor.id or 0,
        unit_id=unit.id if unit else None,
        wage_base_fen=wage_base_fen,
        opened_at=moment(opened_at),
    )
    session.add(account)
    session.flush()
    return account


def get_account(session: Session, *, account_no: str, for_update: bool = False) -> FundAccount:
    """A fund account by number, optionally locked (and re-read) for a posting."""
    query = select(FundAccount).where(FundAccount.account_no == account_no.strip())
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    account = session.exec(query).first()
    if account is None:
        raise NotFound(f"找不到公积金账号 {account_no!r}，请核对账号")
    return account


def record_change(
    session: Session,
    *,
    account: FundAccount,
    kind: str,
    to_status: AccountStatus,
    reason: str = "",
    to_unit_id: int | None = None,
) -> None:
    """Apply a status or unit change to a locked account and keep it in the audit trail."""
    session.add(
        AccountChange(
            fund_account_id=account.id or 0,
            kind=kind,
            from_status=account.status,
            to_status=to_status,
            from_unit_id=account.unit_id,
            to_unit_id=to_unit_id if to_unit_id is not None else account.unit_id,
            reason=reason[:200],
            occurred_at=utcnow(),
        )
    )
    account.status = to_status
    if to_unit_id is not None:
        account.unit_id = to_unit_id
    session.add(account)
    session.flush()


# action -> (statuses it applies to, the status it leaves)
_ACTIONS = {
    "seal": ({AccountStatus.normal}, AccountStatus.sealed),  # 封存: left the unit
    "freeze": ({AccountStatus.normal, AccountStatus.sealed}, AccountStatus.frozen),  # 冻结
    "unfreeze": ({AccountStatus.frozen}, AccountStatus.normal),  # 解冻
}
ACTION_ZH = {"seal": "封存", "freeze": "冻结", "unfreeze": "解冻"}


def change_status(session: Session, *, account_no: str, action: str, reason: str) -> FundAccount:
    """封存 / 冻结 / 解冻 an account, with the reason kept."""
    if action not in _ACTIONS:
        raise Invalid(
            f"未知操作 {action!r}，可选：{'、'.join(f'{k}（{v}）' for k, v in ACTION_ZH.items())}"
        )
    if not reason.strip():
        raise Invalid(f"{ACTION_ZH[action]}账户须填写原因")
    account = get_account(session, account_no=account_no, for_update=True)
    allowed, target = _ACTIONS[action]
    if account.status not in allowed:
        raise Conflict(
            f"账户 {account.account_no} 当前为{STATUS_ZH[account.status]}，不能{ACTION_ZH[action]}"
        )
    if action == "unfreeze":
        target = _status_before_freeze(session, account)
    record_change(session, account=account, kind=action, to_status=target, reason=reason)
    return account


def _status_before_freeze(session: Session, account: FundAccount) -> AccountStatus:
    change = session.exec(
        select(AccountChange)
        .where(AccountChange.fund_account_id == account.id, AccountChange.kind == "freeze")
        .order_by(col(AccountChange.id).desc())
    ).first()
    return AccountStatus(change.from_status) if change else AccountStatus.normal


def transfer_account(
    session: Session, *, account_no: str, to_unit_code: str, wage_base_fen: int, reason: str = ""
) -> FundAccount:
    """转移: move an account to a new unit (a new job); a sealed account becomes normal again."""
    unit = get_unit(session, code=to_unit_code)
    wage_base(wage_base_fen)
    account = get_account(session, account_no=account_no, for_update=True)
    if account.status in (AccountStatus.frozen, AccountStatus.closed):
        raise Conflict(
            f"账户 {account.account_no} 当前为{STATUS_ZH[account.status]}，不能转移到新单位"
        )
    if account.unit_id == unit.id and account.status == AccountStatus.normal:
        raise Conflict(f"账户 {account.account_no} 已在单位 {unit.name} 正常缴存，无需转移")
    account.wage_base_fen = wage_base_fen
    record_change(
        session,
        account=account,
        kind="transfer",
        to_status=AccountStatus.normal,
        reason=reason or f"转入 {unit.name}",
        to_unit_id=unit.id,
    )
    return account


def set_wage_base(session: Session, *, account_no: str, wage_base_fen: int) -> FundAccount:
    """Record a depositor's wage base (缴存基数) for the coming remittances."""
    wage_base(wage_base_fen)
    account = get_account(session, account_no=account_no, for_update=True)
    account.wage_base_fen = wage_base_fen
    session.add(account)
    session.flush()
    return account


def link_spouse(session: Session, *, account_no: str, spouse_account_no: str) -> Depositor:
    """登记配偶: link two depositors as spouses (both ways); the same link again is a no-op."""
    account = get_account(session, account_no=account_no)
    other = get_account(session, account_no=spouse_account_no)
    person = session.get(Depositor, account.depositor_id, with_for_update=True)
    spouse = session.get(Depositor, other.depositor_id, with_for_update=True)
    assert person is not None and spouse is not None
    if person.id == spouse.id:
        raise Invalid("配偶不能是本人，请核对配偶的公积金账号")
    if person.spouse_id == spouse.id and spouse.spouse_id == person.id:
        return person
    for who in (person, spouse):
        if who.spouse_id is not None:
            raise Conflict(f"{who.name} 已登记了配偶；如婚姻状况变化，请先办理配偶信息变更后再登记")
    person.spouse_id, spouse.spouse_id = spouse.id, person.id
    session.add_all([person, spouse])
    session.flush()
    return person
