"""Repricing on 1 January (the national rule: a change of the loan rate applies to existing
loans from the next 1 January). The unpaid installments due from that day are rewritten as an
equal-installment schedule of what they still owe, at the new rate; once per loan and year."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core_ledger.config import get_ledger_settings
from core_ledger.loans.amortization import equal_installment_schedule, loan_rate
from core_ledger.loans.models import Loan, LoanInstallment, LoanRepricing, LoanStatus
from kernel.clock import local_date, utcnow
from kernel.errors import Invalid


@dataclass
class RepricingRun:
    """What a repricing run did."""

    year: int
    loans: int = 0
    installments: int = 0


def reprice_loans(session: Session, *, year: int | None = None) -> RepricingRun:
    """Reprice every loan disbursed before 1 January of a year whose rate has changed."""
    today = local_date(utcnow())
    year = year or today.year
    new_year = date(year, 1, 1)
    if new_year > today:
        raise Invalid(f"{year} 年 1 月 1 日尚未到，不能提前重定价")
    run = RepricingRun(year=year)
    done = select(LoanRepricing.loan_id).where(LoanRepricing.year == year)
    # Read without locks (the worker runs this every hour); lock only the loans to rewrite.
    candidates = session.execute(
        sa_select(
            col(Loan.id),
            col(Loan.term_months),
            col(Loan.first_home),
            col(Loan.annual_rate),
            col(Loan.disbursed_at),
        )
        .where(col(Loan.status) == LoanStatus.disbursed, col(Loan.id).not_in(done))
        .where(col(Loan.first_due_on).is_not(None), col(Loan.disbursed_at).is_not(None))
        .order_by(col(Loan.id))
    ).all()
    settings = get_ledger_settings()
    due = [
        loan_id
        for loan_id, term, first_home, rate, disbursed_at in candidates
        if local_date(disbursed_at) < new_year
        and loan_rate(term_months=term, first_home=first_home, settings=settings) != rate
    ]
    for loan_id in due:
        loan = session.get(Loan, loan_id, with_for_update=True, populate_existing=True)
        if loan is None or loan.status != LoanStatus.disbursed:
            continue
        rewritten = _reprice(session, loan=loan, new_year=new_year)
        if rewritten:
            run.loans += 1
            run.installments += rewritten
    session.flush()
    return run


def _reprice(session: Session, *, loan: Loan, new_year: date) -> int:
    rate = loan_rate(
        term_months=loan.term_months, first_home=loan.first_home, settings=get_ledger_settings()
    )
    if rate == loan.annual_rate:
        return 0
    rows = session.exec(
        select(LoanInstallment)
        .where(LoanInstallment.loan_id == loan.id, col(LoanInstallment.posting_id).is_(None))
        .where(LoanInstallment.due_on >= new_year)
        .order_by(col(LoanInstallment.no))
        .with_for_update()
    ).all()
    if not rows:
        return 0
    schedule = equal_installment_schedule(
        principal_fen=sum(row.principal_fen for row in rows),
        annual_rate=rate,
        months=len(rows),
        first_due_on=rows[0].due_on,
    )
    for row, new in zip(rows, schedule, strict=True):
        row.payment_fen, row.principal_fen = new.payment_fen, new.principal_fen
        row.interest_fen = new.interest_fen  # due dates stay as the contract has them
        session.add(row)
    session.add(
        LoanRepricing(
            loan_id=loan.id or 0,
            year=new_year.year,
            old_rate=loan.annual_rate,
            new_rate=rate,
            installments=len(rows),
        )
    )
    loan.annual_rate = rate
    session.add(loan)
    return len(rows)
