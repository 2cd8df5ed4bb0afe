"""汇缴 / 补缴 verbs: at the counter, self-service submission, review, bank confirmation,
reversal, arrears (欠缴) per unit, and a depositor's own contribution (个人缴存).

At the counter a teller posts a remittance at once. Self-service (网上汇缴): the unit's
administrator submits it, a teller approves or rejects it with a reason, and it posts when
the bank confirms the unit's transfer.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from core_ledger.accounts.models import Unit
from core_ledger.accounts.service import get_account, get_unit
from core_ledger.journal import service as journal
from core_ledger.journal.idempotency import replayed
from core_ledger.journal.models import AccountStatus, GlAccount, Posting
from core_ledger.limits import AmountKind, ledger_month, within_ceiling
from core_ledger.org.service import outlet_and_teller
from core_ledger.remittance.document import Progress, build, parse_kind, post_remittance
from core_ledger.remittance.models import Remittance, RemittanceKind, RemittanceStatus
from core_ledger.remittance.roster import RosterLine
from kernel.clock import utcnow
from kernel.errors import Conflict, Invalid, NotFound
from kernel.periods import current_month, months_between, shift


def _payload(
    *, unit: str, month: str, kind: str, lines: Sequence[RosterLine] | None, **more: Any
) -> dict[str, Any]:
    listed = None if lines is None else [(li.account_no, li.wage_base_fen) for li in lines]
    return {"unit": unit, "month": month, "kind": kind, "lines": listed, **more}


def remit_at_counter(
    session: Session,
    *,
    unit_code: str,
    month: str,
    idempotency_key: str,
    outlet_code: str,
    teller_code: str,
    kind: str = "regular",
    lines: Sequence[RosterLine] | None = None,
    occurred_at: datetime | None = None,
    user_id: int | None = None,
    progress: Progress | None = None,
) -> Remittance:
    """A teller posts a unit's remittance (the roster on file if no list is given) at once."""
    payload = _payload(
        unit=unit_code, month=month, kind=kind, lines=lines, outlet=outlet_code, teller=teller_code
    )
    if replay := replay_remittance(session, key=idempotency_key, payload=payload):
        return replay
    outlet, teller = outlet_and_teller(session, outlet_code=outlet_code, teller_code=teller_code)
    unit = get_unit(session, code=unit_code)
    session.get(Unit, unit.id, with_for_update=True)  # one remittance of a unit at a time
    remittance = build(
        session,
        unit=unit,
        month=ledger_month(month),
        kind=parse_kind(kind),
        lines=lines,
        source="counter",
        status=RemittanceStatus.approved,
        key=idempotency_key,
        payload=payload,
        user_id=user_id,
        progress=progress,
    )
    remittance.outlet_id, remittance.teller_id = outlet.id, teller.id
    remittance.reviewed_by_user_id, remittance.reviewed_at = user_id, utcnow()
    return post_remittance(session, remittance=remittance, checked=True, occurred_at=occurred_at)


def submit(
    session: Session,
    *,
    unit: Unit,
    month: str,
    idempotency_key: str,
    user_id: int,
    kind: str = "regular",
    lines: Sequence[RosterLine] | None = None,
    progress: Progress | None = None,
) -> Remittance:
    """网上汇缴: a unit administrator submits a remittance; it waits for a teller's review."""
    payload = _payload(unit=unit.code, month=month, kind=kind, lines=lines)
    if replay := replay_remittance(session, key=idempotency_key, payload=payload):
        return replay
    session.get(Unit, unit.id, with_for_update=True)
    return build(
        session,
        unit=unit,
        month=ledger_month(month),
        kind=parse_kind(kind),
        lines=lines,
        source="self_service",
        status=RemittanceStatus.submitted,
        key=idempotency_key,
        payload=payload,
        user_id=user_id,
        progress=progress,
    )


def get_remittance(session: Session, *, remittance_id: int, for_update: bool = False) -> Remittance:
    """A remittance by its number."""
    remittance = session.get(Remittance, remittance_id, with_for_update=for_update)
    if remittance is None:
        raise NotFound(f"找不到汇缴单 {remittance_id}，请核对单号")
    return remittance


def review(
    session: Session, *, remittance_id: int, approve: bool, reason: str, user_id: int
) -> Remittance:
    """A teller approves (待银行到账) or rejects (退回, reason required) a submitted remittance."""
    remittance = get_remittance(session, remittance_id=remittance_id, for_update=True)
    target = RemittanceStatus.approved if approve else RemittanceStatus.rejected
    if remittance.status == target and remittance.reviewed_by_user_id == user_id:
        return remittance  # the same review, sent twice
    if remittance.status != RemittanceStatus.submitted:
        raise Conflict(f"汇缴单 {remittance_id} 当前状态为 {remittance.status}，不能再审核")
    if not approve and not reason.strip():
        raise Invalid("退回汇缴单须填写退回原因，以便单位专管员修改后重新提交")
    remittance.status = target
    remittance.reviewed_by_user_id = user_id
    remittance.reviewed_at = utcnow()
    remittance.review_reason = reason.strip()[:200]
    session.add(remittance)
    session.flush()
    return remittance


def confirm_transfer(
    session: Session,
    *,
    remittance_id: int,
    bank_ref: str,
    amount_fen: int,
    occurred_at: datetime | None = None,
) -> Remittance:
    """The unit's bank transfer has arrived: post the approved remittance (once)."""
    journal.positive(amount_fen)
    within_ceiling(amount_fen, kind=AmountKind.transfer)
    if not bank_ref.strip():
        raise Invalid("请填写银行流水号")
    remittance = get_remittance(session, remittance_id=remittance_id, for_update=True)
    if remittance.status == RemittanceStatus.posted and remittance.bank_ref == bank_ref:
        return remittance  # the bank's confirmation, retried
    if remittance.status != RemittanceStatus.approved:
        raise Conflict(
            f"汇缴单 {remittance_id} 当前状态为 {remittance.status}，只有已审核的汇缴单才能确认到账"
        )
    if amount_fen != remittance.total_fen:
        raise Conflict(
            f"到账金额 {amount_fen} 分与汇缴金额 {remittance.total_fen} 分不符，"
            "未入账；请核对银行流水"
        )
    remittance.bank_ref = bank_ref.strip()
    return post_remittance(session, remittance=remittance, occurred_at=occurred_at)


def reverse_remittance(
    session: Session, *, remittance_id: int, reason: str, idempotency_key: str
) -> Posting:
    """冲正 a posted remittance: every credit taken back, refused if any would overdraw."""
    payload = {"remittance_id": remittance_id, "reason": reason}
    if replay := replayed(session, Posting, key=idempotency_key, payload=payload):
        return replay
    if not reason.strip():
        raise Invalid("冲正须填写原因")
    remittance = get_remittance(session, remittance_id=remittance_id, for_update=True)
    if remittance.status != RemittanceStatus.posted or remittance.posting_id is None:
        raise Conflict(f"汇缴单 {remittance_id} 尚未入账或已冲正，不能冲正")
    original = session.get(Posting, remittance.posting_id)
    assert original is not None
    posting = journal.reverse(
        session, original=original, key=idempotency_key, payload=payload, memo=f"冲正：{reason}"
    )
    remittance.status = RemittanceStatus.reversed
    session.add(remittance)
    session.flush()
    return posting


@dataclass(frozen=True)
class MonthOwed:
    """A month a unit has not (fully) paid: 欠缴."""

    month: str
    state: str  # unpaid | submitted | approved
    amount_fen: int | None  # what was submitted, if anything


def arrears(session: Session, *, unit_code: str, through: str | None = None) -> list[MonthOwed]:
    """Months from the unit's first month to last month with no posted regular remittance."""
    unit = get_unit(session, code=unit_code)
    last = ledger_month(through) if through else shift(current_month(), -1)
    rows = session.exec(
        select(Remittance).where(
            Remittance.unit_id == unit.id,
            Remittance.kind == RemittanceKind.regular,
            col(Remittance.status).in_(
                (RemittanceStatus.submitted, RemittanceStatus.approved, RemittanceStatus.posted)
            ),
        )
    )
    by_month = {r.month: r for r in rows}
    owed = []
    for month in months_between(unit.first_month, last):
        found = by_month.get(month)
        if found is None:
            owed.append(MonthOwed(month=month, state="unpaid", amount_fen=None))
        elif found.status != RemittanceStatus.posted:
            owed.append(MonthOwed(month=month, state=found.status, amount_fen=found.total_fen))
    return owed


def list_remittances(
    session: Session, *, unit_id: int | None = None, status: str | None = None, limit: int = 100
) -> list[Remittance]:
    """Remittances, newest first, of a unit and/or in a status (e.g. those waiting for review)."""
    query = select(Remittance).order_by(col(Remittance.id).desc()).limit(limit)
    if unit_id is not None:
        query = query.where(Remittance.unit_id == unit_id)
    if status is not None:
        try:
            query = query.where(Remittance.status == RemittanceStatus(status))
        except ValueError:
            raise Invalid(f"汇缴单状态不正确：{status!r}") from None
    return list(session.exec(query))


def credit_individual(
    session: Session,
    *,
    account_no: str,
    amount_fen: int,
    month: str,
    idempotency_key: str,
    occurred_at: datetime | None = None,
) -> Posting:
    """个人缴存: a depositor's own contribution for a month (flexible employment), one account."""
    payload = {"account_no": account_no, "amount_fen": amount_fen, "month": month}
    if replay := replayed(session, Posting, key=idempotency_key, payload=payload):
        return replay
    journal.positive(amount_fen)
    within_ceiling(amount_fen, kind=AmountKind.contribution)
    month = ledger_month(month)
    account = get_account(session, account_no=account_no, for_update=True)
    if account.status == AccountStatus.closed:
        raise journal.AccountNotUsable(f"账户 {account.account_no} 已销户，不能缴存")
    return journal.post(
        session,
        kind="remittance.individual",
        lines=[
            journal.Line(GlAccount.bank, amount_fen),
            journal.Line(GlAccount.deposits, -amount_fen, fund_account_id=account.id),
        ],
        accounts=[account],
        key=idempotency_key,
        payload=payload,
        fund_account_id=account.id,
        occurred_at=occurred_at,
        memo=f"{month} 个人缴存",
    )


def replay_remittance(session: Session, *, key: str, payload: dict[str, Any]) -> Remittance | None:
    """The remittance an idempotency key already made (409 if the request differs)."""
    return replayed(session, Remittance, key=key, payload=payload)
