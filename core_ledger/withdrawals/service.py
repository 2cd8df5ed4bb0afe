"""提取: withdrawals on the legal grounds, paid by online banking (网银支付).

The posting moves the money from the depositor's account to `payments_pending`; the bank's
answer settles it: paid → out of the fund's bank account; failed → back into the depositor's
account (and a closed account is reopened). Each withdrawal emits exactly one outbox event.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from core_ledger.accounts.models import Depositor
from core_ledger.accounts.service import get_account, record_change
from core_ledger.interest.service import settle_account_interest
from core_ledger.journal import service as journal
from core_ledger.journal.idempotency import replayed
from core_ledger.journal.models import (
    STATUS_ZH,
    AccountStatus,
    FundAccount,
    GlAccount,
    Posting,
)
from core_ledger.journal.service import InsufficientBalance, Line
from core_ledger.limits import AmountKind, within_ceiling
from core_ledger.loans.models import Loan, LoanStatus
from core_ledger.loans.service import outstanding_fen
from core_ledger.money import yuan_str
from core_ledger.org.service import outlet_and_teller
from core_ledger.outbox.events import business_event
from core_ledger.outbox.service import emit
from core_ledger.withdrawals.claimants import Party, check_documents, check_parties, claimant
from core_ledger.withdrawals.models import (
    CLOSING_GROUNDS,
    GROUND_ZH,
    PaymentInstruction,
    PaymentStatus,
    Withdrawal,
    WithdrawalDocument,
    WithdrawalGround,
    WithdrawalParty,
)
from core_ledger.withdrawals.schemas import DocumentIn, PartyIn
from kernel.clock import local_date, utcnow
from kernel.errors import Conflict, Invalid, NotFound

USABLE = (AccountStatus.normal, AccountStatus.sealed)  # a sealed account may still withdraw


def parse_ground(reason: str) -> WithdrawalGround:
    """A withdrawal ground by its code, or Invalid listing them all."""
    try:
        return WithdrawalGround(reason)
    except ValueError:
        listed = "、".join(f"{g.value}（{zh}）" for g, zh in GROUND_ZH.items())
        raise Invalid(f"提取原因不正确：{reason!r}，可选：{listed}") from None


def _usable(account: FundAccount) -> None:
    if account.status not in USABLE:
        raise journal.AccountNotUsable(
            f"账户 {account.account_no} 状态为{STATUS_ZH[account.status]}，不能办理提取"
        )


def _amount(account: FundAccount, *, ground: WithdrawalGround, amount_fen: int | None) -> int:
    """What leaves the account: the amount asked, or for a closing ground the whole balance
    (the teller may confirm it by entering the balance shown; closing interest comes on top)."""
    if ground in CLOSING_GROUNDS:
        if amount_fen is not None and amount_fen != account.balance_fen:
            raise Invalid(
                f"{GROUND_ZH[ground]}提取须提取全部余额 {yuan_str(account.balance_fen)} 元并销户"
                f"（收到 {yuan_str(amount_fen)} 元）；不填金额即按全部余额办理"
            )
        return account.balance_fen
    if amount_fen is None:
        raise Invalid(f"{GROUND_ZH[ground]}提取须填写提取金额")
    if amount_fen > account.balance_fen:
        raise InsufficientBalance(
            f"提取金额 {amount_fen} 分超过账户余额 {account.balance_fen} 分，无法提取"
        )
    return amount_fen


# Only these end a loan; any other state (arrears included, should one be added) keeps the
# account open: a loan must never be left without its borrower's account.
_LOAN_FINISHED = (LoanStatus.rejected, LoanStatus.settled)
_LOAN_PENDING = (LoanStatus.applied, LoanStatus.approved)


def _no_open_loan(session: Session, *, account: FundAccount, ground: WithdrawalGround) -> None:
    """A closing withdrawal waits until the account's fund loan is settled (or withdrawn)."""
    loan = session.exec(
        select(Loan).where(
            Loan.fund_account_id == account.id, col(Loan.status).not_in(_LOAN_FINISHED)
        )
    ).first()
    if loan is None:
        return
    if loan.status in _LOAN_PENDING:
        raise Conflict(
            f"账户 {account.account_no} 有尚未办结的公积金贷款申请（贷款号 {loan.id}），"
            f"须先撤回或办结该申请，才能办理{GROUND_ZH[ground]}销户提取"
        )
    owed = outstanding_fen(session, loan_id=loan.id or 0)
    raise Conflict(
        f"账户 {account.account_no} 尚有未结清的公积金贷款（贷款号 {loan.id}，剩余本金 "
        f"{yuan_str(owed)} 元），须先结清贷款（可先办理偿还贷款提取或提前还款），"
        f"才能办理{GROUND_ZH[ground]}销户提取"
    )


def _record_parties(
    session: Session,
    *,
    withdrawal: Withdrawal,
    parties: Sequence[Party | None],
    documents: Sequence[tuple[Any, str]],
) -> None:
    for party in parties:
        if party is not None:
            session.add(
                WithdrawalParty(
                    withdrawal_id=withdrawal.id or 0,
                    role=party.role,
                    name=party.name,
                    id_number=party.id_number,
                    phone=party.phone,
                    relationship=party.relationship,
                    document_ref=party.document_ref,
                )
            )
    for kind, number in documents:
        session.add(WithdrawalDocument(withdrawal_id=withdrawal.id or 0, kind=kind, number=number))


def post_withdrawal(
    session: Session,
    *,
    account_no: str,
    outlet_code: str,
    teller_code: str,
    idempotency_key: str,
    amount_fen: int | None = None,
    reason: str = "purchase",
    payee_account_no: str = "",
    occurred_at: datetime | None = None,
    documents: Sequence[DocumentIn] = (),
    heir: PartyIn | None = None,
    agent: PartyIn | None = None,
) -> Withdrawal:
    """提取 at an outlet: debit the account, instruct the bank, emit one outbox event.

    A death withdrawal pays and calls the heir; an agent's is called; see `claimants`."""
    payload: dict[str, Any] = {
        "account_no": account_no,
        "amount_fen": amount_fen,
        "outlet_code": outlet_code,
        "teller_code": teller_code,
        "reason": reason,
        "payee_account_no": payee_account_no,
    }
    # Only when given, so a key used before documents were recorded still replays.
    if documents:
        payload["documents"] = [d.model_dump() for d in documents]
    for role, party in (("heir", heir), ("agent", agent)):
        if party is not None:
            payload[role] = party.model_dump()
    if replay := replayed(session, Posting, key=idempotency_key, payload=payload):
        return session.exec(select(Withdrawal).where(Withdrawal.posting_id == replay.id)).one()
    ground = parse_ground(reason)
    if amount_fen is not None:
        journal.positive(amount_fen)
        within_ceiling(amount_fen, kind=AmountKind.withdrawal)
    filed = check_documents(ground=ground, documents=documents, agent=agent is not None)
    when = journal.moment(occurred_at)
    outlet, teller = outlet_and_teller(session, outlet_code=outlet_code, teller_code=teller_code)
    account = get_account(session, account_no=account_no, for_update=True)
    _usable(account)
    depositor = session.get(Depositor, account.depositor_id)
    assert depositor is not None
    heir_party, agent_party = check_parties(
        ground=ground,
        heir=heir,
        agent=agent,
        depositor_id=depositor.id_number,
        depositor_phone=depositor.phone,
    )
    if ground in CLOSING_GROUNDS:
        _no_open_loan(session, account=account, ground=ground)
    amount = _amount(account, ground=ground, amount_fen=amount_fen)
    if ground in CLOSING_GROUNDS:
        settle_account_interest(session, account=account, through=local_date(when), memo="销户结息")
        amount = account.balance_fen
    if amount <= 0:
        raise Invalid(f"账户 {account.account_no} 余额为 0，无可提取金额")
    posting = journal.post(
        session,
        kind="withdrawal",
        lines=[
            Line(GlAccount.deposits, amount, fund_account_id=account.id),
            Line(GlAccount.payments_pending, -amount),
        ],
        accounts=[account],
        key=idempotency_key,
        payload=payload,
        fund_account_id=account.id,
        outlet_id=outlet.id,
        teller_id=teller.id,
        occurred_at=when,
        memo=f"{GROUND_ZH[ground]}提取",
    )
    withdrawal = Withdrawal(
        posting_id=posting.id or 0,
        fund_account_id=account.id or 0,
        amount_fen=amount,
        reason=ground,
        closes_account=ground in CLOSING_GROUNDS,
        status_before=account.status,
        outlet_id=outlet.id or 0,
        teller_id=teller.id or 0,
        occurred_at=posting.occurred_at,
    )
    session.add(withdrawal)
    session.flush()
    if withdrawal.closes_account:
        record_change(
            session,
            account=account,
            kind="close",
            to_status=AccountStatus.closed,
            reason=GROUND_ZH[ground],
        )
    _record_parties(
        session, withdrawal=withdrawal, parties=(heir_party, agent_party), documents=filed
    )
    session.add(
        PaymentInstruction(
            withdrawal_id=withdrawal.id or 0,
            amount_fen=amount,
            payee_name=heir_party.name if heir_party else depositor.name,  # an heir is paid
            payee_account_no=payee_account_no.strip(),
        )
    )
    event = business_event(
        session, kind="withdrawal", business_id=withdrawal.id or 0, posting=posting, account=account
    )
    called = claimant(
        depositor_name=depositor.name,
        depositor_phone=depositor.phone,
        depositor_id=depositor.id_number,
        heir=heir_party,
        agent=agent_party,
    )
    event["person"] = called.person(account_no=account.account_no)
    if ground == WithdrawalGround.death:  # callbacks still owed to the deceased end here
        event["deceased"] = {"phone": depositor.phone}
    event.update(ground=ground.value, amount_fen=amount, receipt_no=posting.receipt_no)
    emit(session, kind="withdrawal.completed", aggregate_id=withdrawal.id or 0, payload=event)
    return withdrawal


def get_payment(session: Session, *, payment_id: int) -> PaymentInstruction:
    """A payment instruction, locked for its settlement."""
    payment = session.get(PaymentInstruction, payment_id, with_for_update=True)
    if payment is None:
        raise NotFound(f"找不到支付指令 {payment_id}")
    return payment


def settle_payment(
    session: Session,
    *,
    payment_id: int,
    paid: bool,
    bank_ref: str = "",
    failure_reason: str = "",
) -> PaymentInstruction:
    """The bank's answer to a payment: paid, or failed (the money goes back to the account)."""
    payment = get_payment(session, payment_id=payment_id)
    target = PaymentStatus.paid if paid else PaymentStatus.failed
    if payment.status == target:
        return payment  # the bank's notice, retried
    if payment.status != PaymentStatus.pending:
        raise Conflict(f"支付指令 {payment_id} 已是{payment.status}，不能改为{target}")
    if paid and not bank_ref.strip():
        raise Invalid("支付成功须填写银行流水号")
    if not paid and not failure_reason.strip():
        raise Invalid("支付失败须填写失败原因（如 户名与账号不符）")
    withdrawal = session.get(Withdrawal, payment.withdrawal_id)
    assert withdrawal is not None
    posting = _settlement_posting(session, payment=payment, withdrawal=withdrawal, paid=paid)
    payment.status = target
    payment.bank_ref = bank_ref.strip() or None
    payment.failure_reason = failure_reason.strip()[:200]
    payment.settled_at = utcnow()
    payment.settle_posting_id = posting.id
    session.add(payment)
    session.flush()
    return payment


def _settlement_posting(
    session: Session, *, payment: PaymentInstruction, withdrawal: Withdrawal, paid: bool
) -> Posting:
    clearing = Line(GlAccount.payments_pending, payment.amount_fen)
    key = f"payment-{payment.id}"
    payload: dict[str, Any] = {"payment_id": payment.id, "paid": paid}
    if paid:
        return journal.post(
            session,
            kind="payment.paid",
            lines=[clearing, Line(GlAccount.bank, -payment.amount_fen)],
            key=key,
            payload=payload,
            fund_account_id=withdrawal.fund_account_id,
            memo="网银支付成功",
        )
    account = journal.lock_account(session, account_id=withdrawal.fund_account_id)
    if account.status == AccountStatus.closed and withdrawal.closes_account:
        record_change(
            session,
            account=account,
            kind="reopen",
            to_status=AccountStatus(withdrawal.status_before),
            reason="网银支付失败，资金退回，恢复账户",
        )
    return journal.post(
        session,
        kind="payment.failed",
        lines=[clearing, Line(GlAccount.deposits, -payment.amount_fen, fund_account_id=account.id)],
        accounts=[account],
        key=key,
        payload=payload,
        fund_account_id=account.id,
        memo="网银支付失败，资金退回账户",
    )
