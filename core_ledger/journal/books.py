"""Reading the books: a posting by its receipt number, the trial balance, every check."""

from sqlmodel import Session, col, func, select

from core_ledger.journal.models import FundAccount, GlAccount, JournalLine, Posting
from kernel.errors import NotFound


def posting_by_receipt(session: Session, *, receipt_no: str) -> Posting:
    """A posting by the number printed on its receipt (PJ + local date + id)."""
    text_no = receipt_no.strip().upper()
    posting = None
    if len(text_no) == 20 and text_no.startswith("PJ") and text_no[2:].isdecimal():
        posting = session.get(Posting, int(text_no[10:]))
    if posting is None or posting.receipt_no != text_no:
        raise NotFound(f"找不到票据 {receipt_no!r}，请核对票据号（如 PJ202601150000000001）")
    return posting


def trial_balance(session: Session) -> dict[GlAccount, int]:
    """The net of every fund-level account (debits positive)."""
    rows = session.exec(
        select(JournalLine.gl_account, func.sum(JournalLine.amount_fen)).group_by(
            col(JournalLine.gl_account)
        )
    )
    totals = dict.fromkeys(GlAccount, 0)
    for gl, total in rows:
        totals[GlAccount(gl)] = int(total or 0)
    return totals


def check_books(session: Session) -> list[str]:
    """Every way the books could be wrong, in words; empty when they are right."""
    problems = []
    totals = trial_balance(session)
    if sum(totals.values()) != 0:
        problems.append(f"借贷不平：全部分录合计 {sum(totals.values())} 分")
    balances = session.exec(select(func.coalesce(func.sum(FundAccount.balance_fen), 0))).one()
    if int(balances) != -totals[GlAccount.deposits]:
        problems.append(
            f"账户余额合计 {balances} 分 ≠ 住房公积金负债 {-totals[GlAccount.deposits]} 分"
        )
    journal = (
        select(JournalLine.fund_account_id, func.sum(JournalLine.amount_fen).label("net"))
        .where(JournalLine.gl_account == GlAccount.deposits)
        .group_by(col(JournalLine.fund_account_id))
        .subquery()
    )
    mismatched = session.exec(
        select(FundAccount.account_no, FundAccount.balance_fen, journal.c.net)
        .outerjoin(journal, journal.c.fund_account_id == FundAccount.id)
        .where(FundAccount.balance_fen != -func.coalesce(journal.c.net, 0))
        .limit(20)
    ).all()
    for account_no, balance, net in mismatched:
        problems.append(f"账户 {account_no} 余额 {balance} 分 ≠ 明细合计 {-(net or 0)} 分")
    negative = session.exec(
        select(FundAccount.account_no).where(FundAccount.balance_fen < 0).limit(20)
    ).all()
    problems += [f"账户 {no} 余额为负" for no in negative]
    return problems
