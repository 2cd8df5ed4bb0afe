"""Ledger verbs. Services flush; the caller's transaction commits postings and outbox together."""

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from core_ledger.models import (
    AccountStatus,
    Depositor,
    FundAccount,
    GlAccount,
    JournalLine,
    Loan,
    OutboxEvent,
    Outlet,
    Posting,
    Staff,
    Withdrawal,
)
from kernel.clock import as_utc, utcnow
from kernel.errors import Conflict, Invalid, NotFound
from kernel.phone import normalize


class AccountNotUsable(Conflict):
    """The account is sealed, frozen or closed for this business."""


class InsufficientBalance(Conflict):
    """A withdrawal for more than the balance."""


class IdempotencyConflict(Conflict):
    """The same idempotency key was used for a different request."""


def create_outlet(session: Session, *, code: str, name: str) -> Outlet:
    """Register an outlet (营业网点)."""
    if get_outlet_by_code(session, code=code, missing_ok=True):
        raise Conflict(f"网点编号 {code} 已存在")
    outlet = Outlet(code=code, name=name)
    session.add(outlet)
    session.flush()
    return outlet


def get_outlet_by_code(session: Session, *, code: str, missing_ok: bool = False) -> Outlet | None:
    """An outlet by its code."""
    outlet = session.exec(select(Outlet).where(Outlet.code == code)).first()
    if outlet is None and not missing_ok:
        raise NotFound(f"找不到网点 {code!r}，请核对网点编号")
    return outlet


def create_staff(session: Session, *, code: str, name: str, outlet_code: str, phone: str) -> Staff:
    """Register a teller at an outlet."""
    outlet = get_outlet_by_code(session, code=outlet_code)
    assert outlet is not None
    if session.exec(select(Staff).where(Staff.code == code)).first():
        raise Conflict(f"柜员编号 {code} 已存在")
    staff = Staff(code=code, name=name, outlet_id=outlet.id, phone=normalize(phone))
    session.add(staff)
    session.flush()
    return staff


def get_teller(session: Session, *, code: str, outlet: Outlet) -> Staff:
    """A teller who works at the given outlet."""
    staff = session.exec(select(Staff).where(Staff.code == code)).first()
    if staff is None:
        raise NotFound(f"找不到柜员 {code!r}，请核对柜员编号")
    if staff.outlet_id != outlet.id:
        raise Invalid(f"柜员 {code} 不属于网点 {outlet.code}")
    return staff


def open_depositor(session: Session, *, id_number: str, name: str, phone: str) -> FundAccount:
    """Register a depositor and open their fund account."""
    id_number = id_number.strip().upper()
    if session.exec(select(Depositor).where(Depositor.id_number == id_number)).first():
        raise Conflict("该身份证号已开户，请勿重复开户")
    depositor = Depositor(id_number=id_number, name=name, phone=normalize(phone))
    session.add(depositor)
    session.flush()
    account = FundAccount(account_no=f"8{depositor.id:011d}", depositor_id=depositor.id or 0)
    session.add(account)
    session.flush()
    return account


def get_account(session: Session, *, account_no: str, for_update: bool = False) -> FundAccount:
    """A fund account by number, optionally locked for a posting."""
    query = select(FundAccount).where(FundAccount.account_no == account_no)
    if for_update:
        query = query.with_for_update()
    account = session.exec(query).first()
    if account is None:
        raise NotFound(f"找不到公积金账号 {account_no!r}，请核对账号")
    return account


def request_hash(payload: dict[str, Any]) -> str:
    """A stable fingerprint of a request body, to tell a retry from a different request."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def replayed_posting(session: Session, *, key: str, payload: dict[str, Any]) -> Posting | None:
    """The posting an idempotency key already made, if the request is the same; 409 if not."""
    posting = session.exec(select(Posting).where(Posting.idempotency_key == key)).first()
    if posting is None:
        return None
    if posting.request_hash != request_hash(payload):
        raise IdempotencyConflict(f"幂等键 {key!r} 已用于另一笔不同的业务，请使用新的幂等键")
    return posting


def _post(
    session: Session,
    *,
    kind: str,
    lines: list[tuple[GlAccount, int | None, int]],
    key: str | None,
    payload: dict[str, Any],
    account: FundAccount | None = None,
    outlet: Outlet | None = None,
    teller: Staff | None = None,
    occurred_at: datetime | None = None,
) -> Posting:
    """Write a balanced posting and apply it to the account balance."""
    if sum(amount for _, _, amount in lines) != 0:
        raise AssertionError("a posting must balance")  # a programming error, never input
    amount = max(abs(amount) for _, _, amount in lines)
    posting = Posting(
        kind=kind,
        idempotency_key=key,
        request_hash=request_hash(payload) if key else None,
        fund_account_id=account.id if account else None,
        outlet_id=outlet.id if outlet else None,
        teller_id=teller.id if teller else None,
        amount_fen=amount,
        occurred_at=as_utc(occurred_at) if occurred_at else utcnow(),
    )
    session.add(posting)
    session.flush()
    assert posting.id is not None
    for gl, account_id, line_amount in lines:
        session.add(
            JournalLine(
                posting_id=posting.id,
                gl_account=gl,
                fund_account_id=account_id,
                amount_fen=line_amount,
            )
        )
        if account is not None and account_id == account.id and gl == GlAccount.deposits:
            account.balance_fen -= line_amount  # deposits is credit-normal
    session.flush()
    return posting


def _positive(amount_fen: int) -> None:
    if amount_fen <= 0:
        raise Invalid(f"金额必须大于 0 分，收到 {amount_fen}")


def _usable(account: FundAccount, *, business: str) -> None:
    if account.status != AccountStatus.normal:
        raise AccountNotUsable(
            f"账户 {account.account_no} 状态为 {account.status}，不能办理{business}"
        )


def credit_account(
    session: Session,
    *,
    account_no: str,
    amount_fen: int,
    idempotency_key: str,
    month: str,
    occurred_at: datetime | None = None,
) -> Posting:
    """Credit a remittance (汇缴) for one month into one account."""
    payload = {"account_no": account_no, "amount_fen": amount_fen, "month": month}
    if replay := replayed_posting(session, key=idempotency_key, payload=payload):
        return replay
    _positive(amount_fen)
    account = get_account(session, account_no=account_no, for_update=True)
    if account.status == AccountStatus.closed:
        raise AccountNotUsable(f"账户 {account_no} 已销户，不能缴存")
    lines = [(GlAccount.bank, None, amount_fen), (GlAccount.deposits, account.id, -amount_fen)]
    return _post(
        session,
        kind="remittance",
        lines=lines,
        key=idempotency_key,
        payload=payload,
        account=account,
        occurred_at=occurred_at,
    )


def _business_payload(
    *, kind: str, business_id: int, occurred_at: datetime, outlet: Outlet, teller: Staff
) -> dict[str, Any]:
    return {
        "business_kind": kind,
        "business_id": business_id,
        "occurred_at": as_utc(occurred_at).isoformat(),
        "outlet_id": outlet.id,
        "outlet_code": outlet.code,
        "outlet_name": outlet.name,
        "teller_id": teller.id,
        "teller_code": teller.code,
    }


def _person(session: Session, account: FundAccount) -> dict[str, str]:
    depositor = session.get(Depositor, account.depositor_id)
    assert depositor is not None
    return {"name": depositor.name, "phone": depositor.phone, "account_no": account.account_no}


def post_withdrawal(
    session: Session,
    *,
    account_no: str,
    amount_fen: int,
    outlet_code: str,
    teller_code: str,
    idempotency_key: str,
    reason: str = "purchase",
    occurred_at: datetime | None = None,
) -> Withdrawal:
    """提取: debit the account, pay out from the bank, and emit one outbox event."""
    payload = {
        "account_no": account_no,
        "amount_fen": amount_fen,
        "outlet_code": outlet_code,
        "teller_code": teller_code,
        "reason": reason,
    }
    if replay := replayed_posting(session, key=idempotency_key, payload=payload):
        return session.exec(select(Withdrawal).where(Withdrawal.posting_id == replay.id)).one()
    _positive(amount_fen)
    outlet = get_outlet_by_code(session, code=outlet_code)
    assert outlet is not None
    teller = get_teller(session, code=teller_code, outlet=outlet)
    account = get_account(session, account_no=account_no, for_update=True)
    _usable(account, business="提取")
    if amount_fen > account.balance_fen:
        raise InsufficientBalance(
            f"提取金额 {amount_fen} 分超过账户余额 {account.balance_fen} 分，无法提取"
        )
    lines = [(GlAccount.deposits, account.id, amount_fen), (GlAccount.bank, None, -amount_fen)]
    posting = _post(
        session,
        kind="withdrawal",
        lines=lines,
        key=idempotency_key,
        payload=payload,
        account=account,
        outlet=outlet,
        teller=teller,
        occurred_at=occurred_at,
    )
    withdrawal = Withdrawal(
        posting_id=posting.id or 0,
        fund_account_id=account.id or 0,
        amount_fen=amount_fen,
        reason=reason,
        outlet_id=outlet.id or 0,
        teller_id=teller.id or 0,
        occurred_at=posting.occurred_at,
    )
    session.add(withdrawal)
    session.flush()
    event = _business_payload(
        kind="withdrawal",
        business_id=withdrawal.id or 0,
        occurred_at=posting.occurred_at,
        outlet=outlet,
        teller=teller,
    )
    event["person"] = _person(session, account)
    emit(session, kind="withdrawal.completed", aggregate_id=withdrawal.id or 0, payload=event)
    return withdrawal


def post_loan(
    session: Session,
    *,
    account_no: str,
    amount_fen: int,
    term_months: int,
    outlet_code: str,
    teller_code: str,
    idempotency_key: str,
    project_contact_name: str | None = None,
    project_contact_phone: str | None = None,
    occurred_at: datetime | None = None,
) -> Loan:
    """贷款: disburse a housing loan and emit one outbox event."""
    payload = {
        "account_no": account_no,
        "amount_fen": amount_fen,
        "term_months": term_months,
        "outlet_code": outlet_code,
        "teller_code": teller_code,
        "project_contact_phone": project_contact_phone,
    }
    if replay := replayed_posting(session, key=idempotency_key, payload=payload):
        return session.exec(select(Loan).where(Loan.posting_id == replay.id)).one()
    _positive(amount_fen)
    if not 12 <= term_months <= 360:
        raise Invalid(f"贷款期限应在 12 到 360 个月之间，收到 {term_months}")
    contact_phone = normalize(project_contact_phone) if project_contact_phone else None
    outlet = get_outlet_by_code(session, code=outlet_code)
    assert outlet is not None
    teller = get_teller(session, code=teller_code, outlet=outlet)
    account = get_account(session, account_no=account_no, for_update=True)
    _usable(account, business="贷款")
    lines = [(GlAccount.loans, account.id, amount_fen), (GlAccount.bank, None, -amount_fen)]
    posting = _post(
        session,
        kind="loan",
        lines=lines,
        key=idempotency_key,
        payload=payload,
        account=account,
        outlet=outlet,
        teller=teller,
        occurred_at=occurred_at,
    )
    loan = Loan(
        posting_id=posting.id or 0,
        fund_account_id=account.id or 0,
        principal_fen=amount_fen,
        term_months=term_months,
        outlet_id=outlet.id or 0,
        teller_id=teller.id or 0,
        project_contact_name=project_contact_name,
        project_contact_phone=contact_phone,
        occurred_at=posting.occurred_at,
    )
    session.add(loan)
    session.flush()
    event = _business_payload(
        kind="loan",
        business_id=loan.id or 0,
        occurred_at=posting.occurred_at,
        outlet=outlet,
        teller=teller,
    )
    event["person"] = _person(session, account)
    if contact_phone:
        event["project_contact"] = {"name": project_contact_name or "", "phone": contact_phone}
    emit(session, kind="loan.completed", aggregate_id=loan.id or 0, payload=event)
    return loan


def emit(session: Session, *, kind: str, aggregate_id: int, payload: dict[str, Any]) -> None:
    """Write an outbox event inside the caller's transaction."""
    session.add(OutboxEvent(kind=kind, aggregate_id=aggregate_id, payload=payload))
    session.flush()


def unpublished_events(session: Session, *, limit: int = 500) -> list[OutboxEvent]:
    """Outbox events no consumer has taken yet, oldest first, locked against other relays."""
    query = (
        select(OutboxEvent)
        .where(col(OutboxEvent.published_at).is_(None))
        .order_by(col(OutboxEvent.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.exec(query))


def mark_published(session: Session, *, event: OutboxEvent) -> None:
    """Record that the event has been taken."""
    event.published_at = utcnow()
    session.add(event)


def books_balance(session: Session) -> bool:
    """True when every journal line sums to zero across the whole fund."""
    total = session.exec(select(func.coalesce(func.sum(JournalLine.amount_fen), 0))).one()
    return int(total) == 0
