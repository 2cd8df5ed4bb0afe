"""Invariants over random sequences of business, on the real test database.

Each step runs in a savepoint like a request in its transaction: a refused step (overdraft,
closed account, month already paid...) rolls back whole. After every step: the books balance,
no account is negative, every balance equals its journal lines and their sum equals the fund's
liability, and no closed account has taken a posting.
"""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import Session, col, func, select

from core_ledger.accounts import service as accounts
from core_ledger.config import get_ledger_settings
from core_ledger.journal.books import check_books, trial_balance
from core_ledger.journal.models import AccountStatus, FundAccount, GlAccount, JournalLine
from core_ledger.loans import service as loans
from core_ledger.loans.models import Loan, LoanInstallment
from core_ledger.loans.repricing import reprice_loans
from core_ledger.remittance import reversal
from core_ledger.remittance import service as remittances
from core_ledger.remittance.models import Remittance, RemittanceStatus
from core_ledger.remittance.service import credit_individual
from core_ledger.withdrawals.models import PaymentInstruction, PaymentStatus
from core_ledger.withdrawals.service import post_withdrawal, settle_payment
from kernel.auth import create_user
from kernel.clock import utcnow
from kernel.errors import DomainError
from kernel.periods import current_month, shift
from tests.conftest import Bind
from tests.core_ledger.conftest import HEIR, Centre, documents_for, make_centre

DEPOSITORS = 4
GROUNDS = st.sampled_from(["purchase", "rent", "repair", "retirement", "death"])


def _ledger_machine(engine: Bind) -> type[RuleBasedStateMachine]:
    class Ledger(RuleBasedStateMachine):
        """A centre doing random business; every step either happens whole or not at all."""

        @initialize()
        def open_centre(self) -> None:
            # One outer transaction per example, rolled back at the end; steps are savepoints.
            self.session = Session(engine, expire_on_commit=False)
            self.centre: Centre = make_centre(self.session, depositors=DEPOSITORS)
            self.centre.contribute(months=12)  # a year paid: loans are possible from the start
            self.other_unit = self.centre.add_unit()
            self.keys = 0
            self.closed_lines: dict[int, int] = {}
            self.refused = 0
            self.maker = (
                create_user(self.session, username="maker", role="teller", password="secret-pw").id
                or 0
            )
            self.checker = (
                create_user(
                    self.session, username="checker", role="supervisor", password="secret-pw"
                ).id
                or 0
            )

        def teardown(self) -> None:
            if hasattr(self, "session"):
                self.session.rollback()
                self.session.close()

        def _key(self) -> str:
            self.keys += 1
            return f"k{self.keys}"

        def _try(self, step: object) -> None:
            savepoint = self.session.begin_nested()
            try:
                step()  # type: ignore[operator]
                savepoint.commit()
            except DomainError:
                savepoint.rollback()
                self.refused += 1

        def _account(self, index: int) -> str:
            return self.centre.accounts[index % DEPOSITORS]

        @rule(back=st.integers(1, 3), supplementary=st.booleans())
        def remit(self, back: int, supplementary: bool) -> None:
            self._try(
                lambda: remittances.remit_at_counter(
                    self.session,
                    unit_code=self.centre.unit_code,
                    month=shift(current_month(), -back),
                    kind="supplementary" if supplementary else "regular",
                    idempotency_key=self._key(),
                    outlet_code="WD01",
                    teller_code="T01",
                )
            )

        @rule(index=st.integers(0, DEPOSITORS - 1), amount=st.integers(-10, 300_000))
        def credit(self, index: int, amount: int) -> None:
            self._try(
                lambda: credit_individual(
                    self.session,
                    account_no=self._account(index),
                    amount_fen=amount,
                    month=current_month(),
                    idempotency_key=self._key(),
                )
            )

        @rule(
            index=st.integers(0, DEPOSITORS - 1), amount=st.integers(-10, 600_000), ground=GROUNDS
        )
        def withdraw(self, index: int, amount: int, ground: str) -> None:
            closing = ground in ("retirement", "death")
            self._try(
                lambda: post_withdrawal(
                    self.session,
                    account_no=self._account(index),
                    amount_fen=None if closing else amount,
                    reason=ground,
                    outlet_code="WD01",
                    teller_code="T01",
                    idempotency_key=self._key(),
                    documents=documents_for(ground),
                    heir=HEIR if ground == "death" else None,
                )
            )

        @rule(
            index=st.integers(0, DEPOSITORS - 1),
            convention=st.sampled_from(["daily_balance", "split"]),
            cut=st.sampled_from(["", f"{current_month()}-01:0.012", "2000-01-01:0.02"]),
        )
        def retire_under_another_interest_rule(self, index: int, convention: str, cut: str) -> None:
            # Closing an account credits its interest to date (销户结息) under the convention
            # and rate table in force; whichever they are, the books must stay right.
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("HUIFANG_INTEREST_CONVENTION", convention)
                patch.setenv("HUIFANG_DEPOSIT_INTEREST_RATES", cut)
                get_ledger_settings.cache_clear()
                self.withdraw(index=index, amount=0, ground="retirement")
            get_ledger_settings.cache_clear()

        @rule(paid=st.booleans())
        def bank_answers(self, paid: bool) -> None:
            pending = self.session.exec(
                select(PaymentInstruction).where(PaymentInstruction.status == PaymentStatus.pending)
            ).first()
            if pending is not None:
                self._try(
                    lambda: settle_payment(
                        self.session,
                        payment_id=pending.id or 0,
                        paid=paid,
                        bank_ref="WY" if paid else "",
                        failure_reason="" if paid else "户名不符",
                    )
                )

        @rule(
            index=st.integers(0, DEPOSITORS - 1),
            action=st.sampled_from(["seal", "freeze", "unfreeze"]),
        )
        def change_status(self, index: int, action: str) -> None:
            self._try(
                lambda: accounts.change_status(
                    self.session, account_no=self._account(index), action=action, reason="测试"
                )
            )

        @rule(index=st.integers(0, DEPOSITORS - 1))
        def transfer(self, index: int) -> None:
            self._try(
                lambda: accounts.transfer_account(
                    self.session,
                    account_no=self._account(index),
                    to_unit_code=self.other_unit,
                    wage_base_fen=500_000,
                )
            )

        @rule(index=st.integers(0, DEPOSITORS - 1), offset=st.booleans(), days=st.integers(0, 100))
        def borrow(self, index: int, offset: bool, days: int) -> None:
            self._try(
                lambda: loans.post_loan(
                    self.session,
                    account_no=self._account(index),
                    project_code="LP01",
                    amount_fen=1_000_000,
                    term_months=12,
                    offset_repayment=offset,
                    outlet_code="WD01",
                    teller_code="T01",
                    idempotency_key=self._key(),
                    occurred_at=utcnow() - timedelta(days=days),
                )
            )

        @rule(bank_fails=st.booleans())
        def repay(self, bank_fails: bool) -> None:
            # When the bank's debit fails, installments fall into arrears: nothing is posted.
            failing = self.session.exec(select(Loan.id)).all() if bank_fails else []
            self._try(lambda: loans.repay_due(self.session, uncollected=[i or 0 for i in failing]))

        @rule(rate=st.sampled_from(["0.026", "0.0285", "0.031"]))
        def reprice(self, rate: str) -> None:
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("HUIFANG_LOAN_RATE_FIRST_HOME_SHORT", rate)
                get_ledger_settings.cache_clear()
                self._try(lambda: reprice_loans(self.session))
            get_ledger_settings.cache_clear()

        @rule()
        def reverse_a_remittance(self) -> None:
            posted = self.session.exec(
                select(Remittance).where(Remittance.status == RemittanceStatus.posted)
            ).first()
            if posted is not None:
                self._try(
                    lambda: remittances.reverse_remittance(
                        self.session,
                        remittance_id=posted.id or 0,
                        reason="更正",
                        idempotency_key=self._key(),
                    )
                )

        @rule(same_person=st.booleans())
        def ask_and_approve_a_reversal(self, same_person: bool) -> None:
            # Maker-checker: the asker approving is refused and nothing moves.
            posted = self.session.exec(
                select(Remittance).where(Remittance.status == RemittanceStatus.posted)
            ).first()
            if posted is None:
                return

            def two_steps() -> None:
                request = reversal.request_reversal(
                    self.session,
                    remittance_id=posted.id or 0,
                    reason="更正",
                    idempotency_key=self._key(),
                    user_id=self.maker,
                )
                approver = self.maker if same_person else self.checker
                reversal.approve_reversal(
                    self.session, request_id=request.id or 0, user_id=approver
                )

            self._try(two_steps)
            if same_person:
                assert posted.status == RemittanceStatus.posted

        @invariant()
        def books_are_right(self) -> None:
            if hasattr(self, "session"):
                assert check_books(self.session) == []
                totals = trial_balance(self.session)
                balances = self.session.exec(select(func.sum(FundAccount.balance_fen))).one()
                assert int(balances or 0) == -totals[GlAccount.deposits]
                assert sum(totals.values()) == 0

        @invariant()
        def every_loan_owes_what_its_unpaid_installments_say(self) -> None:
            # Repricing rewrites installments and arrears leave them unpaid; neither may make
            # the schedule and the journal disagree about what a borrower owes.
            if not hasattr(self, "session"):
                return
            for loan in self.session.exec(select(Loan).where(col(Loan.posting_id).is_not(None))):
                unpaid = self.session.exec(
                    select(func.coalesce(func.sum(LoanInstallment.principal_fen), 0)).where(
                        LoanInstallment.loan_id == loan.id,
                        col(LoanInstallment.posting_id).is_(None),
                    )
                ).one()
                assert loans.outstanding_fen(self.session, loan_id=loan.id or 0) == int(unpaid)

        @invariant()
        def closed_accounts_take_no_postings(self) -> None:
            if not hasattr(self, "session"):
                return
            rows = self.session.exec(
                select(FundAccount.id, func.count(col(JournalLine.id)))
                .outerjoin(JournalLine, col(JournalLine.fund_account_id) == FundAccount.id)
                .where(FundAccount.status == AccountStatus.closed)
                .group_by(col(FundAccount.id))
            ).all()
            closed_now = {account_id: lines for account_id, lines in rows if account_id is not None}
            for account_id, lines in closed_now.items():
                assert lines == self.closed_lines.get(account_id, lines)
            self.closed_lines = closed_now

    return Ledger


def test_random_business_keeps_the_books_right(engine: Bind) -> None:
    machine = _ledger_machine(engine)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=20,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
