"""Withdrawals (提取) on legal grounds, paid by online banking, each emitting one event."""

from datetime import timedelta

import pytest
from sqlmodel import select

from core_ledger.accounts import service as accounts
from core_ledger.journal.books import check_books, trial_balance
from core_ledger.journal.models import AccountStatus, GlAccount
from core_ledger.journal.service import AccountNotUsable, InsufficientBalance
from core_ledger.outbox.models import OutboxEvent
from core_ledger.remittance.service import credit_individual
from core_ledger.withdrawals.models import PaymentInstruction, PaymentStatus, WithdrawalGround
from core_ledger.withdrawals.service import post_withdrawal, settle_payment
from kernel.clock import utcnow
from kernel.errors import Invalid
from kernel.periods import current_month, shift
from tests.core_ledger.conftest import Centre, documents_for

# Postings write lines and move balances differently on SQLite (the demo): run there too.
pytestmark = pytest.mark.sqlite_too

FUNDED = 192_000 * 2


@pytest.fixture
def funded(centre: Centre) -> Centre:
    centre.remit(shift(current_month(), -2))
    centre.remit(shift(current_month(), -1))
    return centre


def _withdraw(centre: Centre, **change: object) -> object:
    body: dict[str, object] = {
        "account_no": centre.accounts[0],
        "amount_fen": 100_000,
        "outlet_code": "WD01",
        "teller_code": "T01",
        "idempotency_key": "wd-1",
        "reason": "purchase",
        **change,
    }
    if body["reason"] in WithdrawalGround.__members__:
        body.setdefault("documents", documents_for(str(body["reason"])))
    return post_withdrawal(centre.session, **body)  # type: ignore[arg-type]


def test_a_withdrawal_debits_the_account_and_emits_exactly_one_event(funded: Centre) -> None:
    withdrawal = _withdraw(funded)
    assert funded.balance(funded.accounts[0]) == FUNDED - 100_000
    events = funded.session.exec(select(OutboxEvent)).all()
    assert len(events) == 1
    payload = events[0].payload
    assert events[0].kind == "withdrawal.completed"
    assert payload["business_kind"] == "withdrawal"
    assert payload["business_id"] == withdrawal.id  # type: ignore[attr-defined]
    assert payload["outlet_code"] == "WD01" and payload["teller_code"] == "T01"
    assert set(payload) >= {
        "occurred_at",
        "outlet_id",
        "outlet_name",
        "teller_id",
        "person",
    }
    assert payload["person"]["account_no"] == funded.accounts[0]
    assert payload["person"]["phone"].startswith("+86")
    # How the call addresses the person (王先生/女士), never the ID number itself.
    assert payload["person"]["gender"] in ("male", "female")
    assert "id_number" not in payload["person"]
    assert payload["occurred_at"].endswith("+00:00")
    _withdraw(funded)  # the same request again
    assert len(funded.session.exec(select(OutboxEvent)).all()) == 1


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"amount_fen": 0}, Invalid, "金额必须大于 0"),
        ({"amount_fen": -1}, Invalid, "金额必须大于 0"),
        ({"amount_fen": FUNDED + 1}, InsufficientBalance, "超过账户余额"),
        ({"reason": "holiday"}, Invalid, "提取原因不正确"),
        ({"amount_fen": None}, Invalid, "须填写提取金额"),
        ({"occurred_at": utcnow() + timedelta(days=1)}, Invalid, "不能晚于当前时间"),
    ],
)
def test_bad_withdrawals_are_refused_and_post_nothing(
    funded: Centre, change: dict[str, object], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        _withdraw(funded, **change)
    assert funded.balance(funded.accounts[0]) == FUNDED


def test_frozen_and_closed_accounts_take_no_withdrawal(funded: Centre) -> None:
    accounts.change_status(
        funded.session, account_no=funded.accounts[0], action="freeze", reason="法院冻结"
    )
    with pytest.raises(AccountNotUsable, match="冻结"):
        _withdraw(funded)
    accounts.change_status(
        funded.session, account_no=funded.accounts[0], action="unfreeze", reason="解除"
    )
    _withdraw(funded)
    assert funded.account(funded.accounts[0]).status == AccountStatus.normal


def test_a_sealed_account_may_still_withdraw(funded: Centre) -> None:
    accounts.change_status(
        funded.session, account_no=funded.accounts[0], action="seal", reason="离职"
    )
    _withdraw(funded)
    assert funded.balance(funded.accounts[0]) == FUNDED - 100_000


def test_retirement_pays_the_whole_balance_with_interest_and_closes_the_account(
    funded: Centre,
) -> None:
    with pytest.raises(Invalid, match="全部余额"):
        _withdraw(funded, reason="retirement", amount_fen=1000)
    withdrawal = _withdraw(funded, reason="retirement", amount_fen=None)
    account = funded.account(funded.accounts[0])
    assert account.status == AccountStatus.closed and account.balance_fen == 0
    assert withdrawal.amount_fen >= FUNDED  # type: ignore[attr-defined]
    with pytest.raises(AccountNotUsable, match="销户"):
        _withdraw(funded, idempotency_key="wd-2")
    with pytest.raises(AccountNotUsable, match="销户"):
        credit_individual(
            funded.session,
            account_no=funded.accounts[0],
            amount_fen=100,
            month=current_month(),
            idempotency_key="after-close",
        )
    assert check_books(funded.session) == []


def test_a_paid_instruction_leaves_the_bank_a_failed_one_returns_the_money(
    funded: Centre,
) -> None:
    first = _withdraw(funded, idempotency_key="a")
    closing = _withdraw(funded, idempotency_key="b", reason="abroad", amount_fen=None)
    pay_first, pay_closing = (
        funded.session.exec(
            select(PaymentInstruction).where(PaymentInstruction.withdrawal_id == w.id)  # type: ignore[attr-defined]
        ).one()
        for w in (first, closing)
    )
    assert pay_first.status == PaymentStatus.pending
    settle_payment(funded.session, payment_id=pay_first.id or 0, paid=True, bank_ref="WY1")
    settle_payment(funded.session, payment_id=pay_first.id or 0, paid=True, bank_ref="WY1")
    with pytest.raises(Invalid, match="失败原因"):
        settle_payment(funded.session, payment_id=pay_closing.id or 0, paid=False)
    settle_payment(
        funded.session, payment_id=pay_closing.id or 0, paid=False, failure_reason="户名不符"
    )
    account = funded.account(funded.accounts[0])
    assert account.status == AccountStatus.normal  # reopened: the money came back
    assert account.balance_fen == pay_closing.amount_fen
    totals = trial_balance(funded.session)
    assert totals[GlAccount.payments_pending] == 0
    assert check_books(funded.session) == []
