"""The journal itself: append-only, receipts, interest settlement from the journal."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from core_ledger.interest.service import last_settlement_day, settle_interest
from core_ledger.journal.books import check_books, posting_by_receipt
from core_ledger.journal.models import FundAccount, InterestSettlement, JournalLine, Posting
from core_ledger.receipts.printing import amount_in_words, receipt_html, receipt_text
from core_ledger.receipts.service import receipt_for
from core_ledger.remittance.service import credit_individual
from core_ledger.withdrawals.service import post_withdrawal
from kernel.clock import centre_tz, utcnow
from kernel.errors import Conflict, Invalid, NotFound
from kernel.periods import current_month, shift
from tests.core_ledger.conftest import Centre, documents_for

# Postings write lines and move balances differently on SQLite (the demo): run there too.
pytestmark = pytest.mark.sqlite_too


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (0, "零元整"),
        (5, "伍分"),
        (56, "伍角陆分"),
        (100, "壹元整"),
        (123_456, "壹仟贰佰叁拾肆元伍角陆分"),
        (100_000, "壹仟元整"),
        (1_000_000, "壹万元整"),
        (1_001_000, "壹万零壹拾元整"),
        (100_000_100, "壹佰万零壹元整"),
        (10_001_000_000, "壹亿零壹万元整"),
        (100_005, "壹仟元零伍分"),
        (1_020_300, "壹万零贰佰零叁元整"),
    ],
)
def test_amounts_in_chinese_capitals(fen: int, words: str) -> None:
    assert amount_in_words(fen) == words


def test_postings_and_lines_cannot_be_changed_or_deleted(centre: Centre) -> None:
    if centre.session.get_bind().dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    centre.remit(shift(current_month(), -1))
    centre.session.flush()
    for statement in (
        "UPDATE journal_line SET amount_fen = amount_fen + 1",
        "DELETE FROM journal_line",
        "UPDATE posting SET amount_fen = 1",
        "DELETE FROM posting",
    ):
        savepoint = centre.session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            centre.session.execute(text(statement))
        savepoint.rollback()
    assert check_books(centre.session) == []


def test_every_posting_has_a_printable_receipt(centre: Centre) -> None:
    centre.remit(shift(current_month(), -1))
    done = post_withdrawal(
        centre.session,
        account_no=centre.accounts[0],
        amount_fen=123_456,
        outlet_code="WD01",
        teller_code="T01",
        idempotency_key="wd",
        documents=documents_for("purchase"),
    )
    posting = centre.session.get(Posting, done.posting_id)
    assert posting is not None
    assert (
        posting_by_receipt(centre.session, receipt_no=posting.receipt_no.lower()).id == posting.id
    )
    receipt = receipt_for(centre.session, receipt_no=posting.receipt_no)
    fields = dict(receipt.rows())
    assert fields["业务类型"] == "住房公积金提取"
    assert fields["金额（大写）"] == "人民币壹仟贰佰叁拾肆元伍角陆分"
    assert fields["经办柜员"] == "T01"
    assert "*" * 8 in fields["证件号码"]
    assert posting.receipt_no in receipt_text(receipt)
    assert "<table>" in receipt_html(receipt)
    remittance_posting = centre.session.exec(select(Posting).order_by(col(Posting.id))).first()
    assert remittance_posting is not None
    unit_receipt = dict(
        receipt_for(centre.session, receipt_no=remittance_posting.receipt_no).rows()
    )
    assert unit_receipt["账号"] == centre.unit_code and unit_receipt["业务类型"] == "单位汇缴"


@pytest.mark.parametrize("number", ["PJ2026", "XX202601010000000001", "PJ209901010000000001"])
def test_an_unknown_receipt_number_is_a_clear_404(centre: Centre, number: str) -> None:
    with pytest.raises(NotFound, match="找不到票据"):
        posting_by_receipt(centre.session, receipt_no=number)


def test_interest_settles_a_year_once_from_the_journal(session: Session, centre: Centre) -> None:
    end = last_settlement_day(date.today())
    start = end - timedelta(days=359)  # 360 days of 36,000.00 yuan at 1.5% → 540.00 yuan
    account = centre.account(centre.accounts[0])
    account.opened_at = utcnow() - timedelta(days=800)
    session.add(account)
    credit_individual(
        session,
        account_no=centre.accounts[0],
        amount_fen=3_600_000,
        month=f"{start:%Y-%m}",
        idempotency_key="c",
        occurred_at=utcnow().replace(year=start.year, month=start.month, day=start.day, hour=4),
    )
    first = settle_interest(session)
    again = settle_interest(session)
    assert first.id == again.id
    assert first.period_end_on == end
    assert centre.balance(centre.accounts[0]) == 3_600_000 + 54_000
    assert session.exec(select(InterestSettlement)).all() == [first]
    paid_through = session.get(FundAccount, account.id)
    assert paid_through is not None and paid_through.interest_paid_through_on == end
    assert check_books(session) == []
    with pytest.raises(Invalid, match="不是结息日"):
        settle_interest(session, period_end=end - timedelta(days=1))
    with pytest.raises(Invalid, match="尚未到"):
        settle_interest(session, period_end=end.replace(year=end.year + 1))
    assert len(session.exec(select(JournalLine)).all()) == 4


def test_business_dated_into_a_settled_interest_year_is_refused(
    session: Session, centre: Centre
) -> None:
    end = last_settlement_day(date.today())
    account = centre.account(centre.accounts[0])
    account.opened_at = utcnow() - timedelta(days=800)
    session.add(account)
    settle_interest(session)
    local_noon = datetime.combine(end, time(12), centre_tz())
    with pytest.raises(Conflict, match=f"已于 {end} 结息"):
        credit_individual(
            session,
            account_no=centre.accounts[0],
            amount_fen=10_000,
            month=f"{end:%Y-%m}",
            idempotency_key="late",
            occurred_at=local_noon,  # the settlement day itself is in the settled year
        )
    if end < date.today():  # the day after a settlement day is the next year's
        credit_individual(
            session,
            account_no=centre.accounts[0],
            amount_fen=10_000,
            month=f"{end:%Y-%m}",
            idempotency_key="next-year",
            occurred_at=local_noon + timedelta(days=1),
        )
    assert check_books(session) == []
