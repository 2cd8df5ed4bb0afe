"""Who may borrow, how much and for how long (贷款条件), checked before an application is taken.

- Contributions: at least HUIFANG_LOAN_MIN_CONTRIBUTION_MONTHS months in a row, up to this
  month or the last (this month's remittance may not have come yet).
- The ceiling: the balance × HUIFANG_LOAN_BALANCE_MULTIPLE, and never above HUIFANG_LOAN_MAX_FEN.
- The term ends by the statutory retirement age (HUIFANG_RETIREMENT_AGE_MEN / _WOMEN), read
  with the birth date and sex from the borrower's resident ID.
- 二套: a fund loan the borrower or their recorded spouse took before makes this one a second
  use of fund loans, at the second-home rate; nobody's say-so is needed or taken.
"""

import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from core_ledger.accounts.models import Depositor
from core_ledger.config import get_ledger_settings
from core_ledger.identity import Gender, gender_of
from core_ledger.journal.models import FundAccount, Posting
from core_ledger.loans.amortization import add_months
from core_ledger.loans.models import Loan, LoanStatus
from core_ledger.money import yuan_str
from core_ledger.remittance.models import Remittance, RemittanceLine, RemittanceStatus
from kernel.errors import Conflict, Invalid
from kernel.periods import current_month, shift

_MEMO_MONTH = re.compile(r"^(\d{4}-\d{2}) ")
HAD_A_LOAN = (LoanStatus.disbursed, LoanStatus.settled)


@dataclass(frozen=True)
class LoanLimits:
    """What an account may borrow today."""

    contribution_months: int  # in a row, up to this month or the last
    ceiling_fen: int
    retires_on: date | None  # None: no readable birth date or sex on file
    max_term_months: int | None  # None: no limit from the retirement age
    previous_loan_id: int | None  # the borrower's or spouse's earlier fund loan (二套)

    @property
    def first_home(self) -> bool:
        """Whether this is the first use of fund loans (首套)."""
        return self.previous_loan_id is None


def contributed_months(session: Session, *, account_id: int) -> set[str]:
    """Every month a posted remittance or a depositor's own contribution covers."""
    remitted = session.exec(
        select(Remittance.month)
        .join(RemittanceLine, col(RemittanceLine.remittance_id) == Remittance.id)
        .where(
            RemittanceLine.fund_account_id == account_id,
            Remittance.status == RemittanceStatus.posted,
        )
    ).all()
    own = session.exec(
        select(Posting.memo).where(
            Posting.fund_account_id == account_id, Posting.kind == "remittance.individual"
        )
    ).all()
    return set(remitted) | {m[1] for memo in own if (m := _MEMO_MONTH.match(memo))}


def months_in_a_row(months: set[str], *, today: date) -> int:
    """Months in a row ending this month, or last month when this month is not paid yet."""
    month = current_month(today)
    if month not in months:
        month = shift(month, -1)
    count = 0
    while month in months:
        count += 1
        month = shift(month, -1)
    return count


def retirement_day(id_number: str) -> date | None:
    """The day the holder of a resident ID reaches the statutory retirement age."""
    gender = gender_of(id_number)
    try:
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None
    if gender is None:
        return None
    settings = get_ledger_settings()
    age = settings.retirement_age_men if gender == Gender.male else settings.retirement_age_women
    return add_months(born, 12 * age)


def previous_loan(session: Session, *, depositor: Depositor) -> int | None:
    """The first fund loan the depositor or their recorded spouse has taken, if any."""
    people = [depositor.id] + ([depositor.spouse_id] if depositor.spouse_id else [])
    return session.exec(
        select(Loan.id)
        .join(FundAccount, col(FundAccount.id) == Loan.fund_account_id)
        .where(col(FundAccount.depositor_id).in_(people), col(Loan.status).in_(HAD_A_LOAN))
        .order_by(col(Loan.id))
    ).first()


def loan_limits(session: Session, *, account: FundAccount, today: date) -> LoanLimits:
    """What an account may borrow today, from the books and the settings."""
    settings = get_ledger_settings()
    depositor = session.get(Depositor, account.depositor_id)
    assert depositor is not None
    retires_on = retirement_day(depositor.id_number)
    max_term = None
    if retires_on is not None:
        max_term = 0
        while add_months(today, max_term + 1) <= retires_on:
            max_term += 1
    return LoanLimits(
        contribution_months=months_in_a_row(
            contributed_months(session, account_id=account.id or 0), today=today
        ),
        ceiling_fen=min(
            account.balance_fen * settings.loan_balance_multiple, settings.loan_max_fen
        ),
        retires_on=retires_on,
        max_term_months=max_term,
        previous_loan_id=previous_loan(session, depositor=depositor),
    )


def check_eligible(
    session: Session, *, account: FundAccount, amount_fen: int, term_months: int, today: date
) -> LoanLimits:
    """The limits, or a refusal saying which condition fails and what would meet it."""
    settings = get_ledger_settings()
    limits = loan_limits(session, account=account, today=today)
    needed = settings.loan_min_contribution_months
    if limits.contribution_months < needed:
        raise Conflict(
            f"账户 {account.account_no} 连续缴存 {limits.contribution_months} 个月，"
            f"申请公积金贷款须连续足额缴存满 {needed} 个月；请缴存满后再申请"
        )
    if amount_fen > limits.ceiling_fen:
        raise Invalid(
            f"贷款金额 {yuan_str(amount_fen)} 元超过可贷额度 {yuan_str(limits.ceiling_fen)} 元"
            f"（账户余额 {yuan_str(account.balance_fen)} 元 × {settings.loan_balance_multiple} 倍，"
            f"且不超过 {yuan_str(settings.loan_max_fen)} 元）；请减少贷款金额"
        )
    if limits.max_term_months is not None and term_months > limits.max_term_months:
        raise Invalid(
            f"贷款期限须在借款人法定退休年龄（{limits.retires_on} 到龄）前结束："
            f"最长可贷 {limits.max_term_months} 个月，申请 {term_months} 个月；请缩短贷款期限"
        )
    return limits
