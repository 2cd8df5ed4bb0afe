"""Deposit interest from the journal: the yearly settlement (结息, June 30 by default) and the
interest to date when an account is closed (销户结息). The arithmetic is `calculation`'s."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import update
from sqlmodel import Session, col, select

from core_ledger.config import get_ledger_settings, on_day
from core_ledger.interest.calculation import interest_with_rates, settlement_period
from core_ledger.journal.bulk import among, expire_accounts
from core_ledger.journal.models import (
    FUND_ACCOUNT_TABLE,
    AccountStatus,
    FundAccount,
    GlAccount,
    InterestSettlement,
    JournalLine,
    Posting,
)
from core_ledger.journal.service import Line, post, post_bulk
from kernel.clock import as_utc, centre_tz, local_date, utcnow
from kernel.errors import Invalid


def _start_of(day: date) -> datetime:
    """Local midnight of a day, in UTC."""
    return as_utc(datetime.combine(day, time.min, centre_tz()))


def _first_unpaid_day(account_paid_through: date | None, opened_at: datetime) -> date:
    if account_paid_through is not None:
        return account_paid_through + timedelta(days=1)
    return local_date(opened_at)


def _changes_since(
    session: Session, *, since: date, account_ids: list[int] | None = None
) -> dict[int, list[tuple[date, int]]]:
    """Each account's balance changes (local day, signed fen) from a day on."""
    query = (
        select(JournalLine.fund_account_id, Posting.occurred_at, JournalLine.amount_fen)
        .join(Posting, col(Posting.id) == JournalLine.posting_id)
        .where(
            JournalLine.gl_account == GlAccount.deposits, Posting.occurred_at >= _start_of(since)
        )
    )
    if account_ids is not None:
        query = query.where(among(session, col(JournalLine.fund_account_id), account_ids))
    changes: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for account_id, occurred_at, amount in session.execute(query):
        changes[account_id].append((local_date(occurred_at), -amount))
    return changes


def interest_due(
    *, balance_now: int, start: date, end: date, changes: list[tuple[date, int]]
) -> int:
    """Interest from start to end for an account whose balance is balance_now today."""
    if start > end:
        return 0
    changes = [(on, amount) for on, amount in changes if on >= start]
    opening = balance_now - sum(amount for _, amount in changes)
    settings = get_ledger_settings()
    month, day = settings.settlement_month_day
    year = settlement_period(end, settle_month=month, settle_day=day)
    return interest_with_rates(
        opening_balance_fen=opening,
        balance_changes=[(on, amount) for on, amount in changes if on <= end],
        start=start,
        end=end,
        rates=settings.deposit_rate_table,
        convention=settings.interest_convention,
        whole_year=(start, end) == year,
    )


def accrued_interest(session: Session, *, account: FundAccount, through: date) -> int:
    """Interest an account has earned since it was last paid, up to a day (not yet credited)."""
    if account.status == AccountStatus.closed:
        return 0
    start = _first_unpaid_day(account.interest_paid_through_on, account.opened_at)
    changes = _changes_since(session, since=start, account_ids=[account.id or 0])
    return interest_due(
        balance_now=account.balance_fen, start=start, end=through, changes=changes[account.id or 0]
    )


def settle_account_interest(
    session: Session, *, account: FundAccount, through: date, memo: str
) -> Posting | None:
    """Credit a (locked) account's interest up to a day, e.g. when it is closed."""
    start = _first_unpaid_day(account.interest_paid_through_on, account.opened_at)
    changes = _changes_since(session, since=start, account_ids=[account.id or 0])
    amount = interest_due(
        balance_now=account.balance_fen, start=start, end=through, changes=changes[account.id or 0]
    )
    account.interest_paid_through_on = max(through, start - timedelta(days=1))
    session.add(account)
    if amount <= 0:
        session.flush()
        return None
    return post(
        session,
        kind="interest",
        lines=[
            Line(GlAccount.interest_expense, amount),
            Line(GlAccount.deposits, -amount, fund_account_id=account.id),
        ],
        accounts=[account],
        fund_account_id=account.id,
        memo=f"{memo}（计至 {through}）",
    )


def rate_on(day: date) -> Decimal:
    """The deposit rate in force on a day (the dated table, HUIFANG_DEPOSIT_INTEREST_RATES)."""
    rate = on_day(get_ledger_settings().deposit_rate_table, day)
    assert rate is not None  # the table starts with the base rate from date.min
    return rate


def last_settlement_day(today: date) -> date:
    """The most recent settlement date on or before today."""
    month, day = get_ledger_settings().settlement_month_day
    start, end = settlement_period(today, settle_month=month, settle_day=day)
    return end if end <= today else start - timedelta(days=1)


def settle_interest(session: Session, *, period_end: date | None = None) -> InterestSettlement:
    """结息: credit a year's interest to every open account in one posting; safe to run twice."""
    today = local_date(utcnow())
    end = period_end or last_settlement_day(today)
    if end > today:
        raise Invalid(f"结息日 {end} 尚未到，不能提前结息")
    if last_settlement_day(end) != end:
        raise Invalid(
            f"{end} 不是结息日（结息日为每年 {get_ledger_settings().interest_settlement_date}）"
        )
    done = session.exec(
        select(InterestSettlement).where(InterestSettlement.period_end_on == end)
    ).first()
    if done is not None:
        return done
    rows = session.execute(
        select(
            col(FundAccount.id),
            col(FundAccount.balance_fen),
            col(FundAccount.interest_paid_through_on),
            col(FundAccount.opened_at),
        )
        .where(FundAccount.status != AccountStatus.closed)
        .order_by(col(FundAccount.id))
        .with_for_update()
    ).all()
    starts = {r.id: _first_unpaid_day(r.interest_paid_through_on, r.opened_at) for r in rows}
    due = [r for r in rows if starts[r.id] <= end]
    changes = _changes_since(session, since=min((starts[r.id] for r in due), default=end))
    amounts = {
        r.id: interest_due(
            balance_now=r.balance_fen, start=starts[r.id], end=end, changes=changes[r.id]
        )
        for r in due
    }
    credited = {account_id: amount for account_id, amount in amounts.items() if amount > 0}
    rate = rate_on(end)
    settlement = InterestSettlement(
        period_end_on=end,
        annual_rate=rate,
        accounts=len(credited),
        total_fen=sum(credited.values()),
    )
    if credited:
        lines = [Line(GlAccount.interest_expense, settlement.total_fen)]
        lines += [Line(GlAccount.deposits, -a, fund_account_id=i) for i, a in credited.items()]
        posting = post_bulk(session, kind="interest", lines=lines, memo=f"{end} 年度结息")
        settlement.posting_id = posting.id
    if due:
        session.execute(
            update(FUND_ACCOUNT_TABLE)
            .where(among(session, FUND_ACCOUNT_TABLE.c.id, [r.id for r in due]))
            .values(interest_paid_through_on=end)
        )
        expire_accounts(session, ids={r.id for r in due}, attributes=["interest_paid_through_on"])
    session.add(settlement)
    session.flush()
    return settlement
