"""HTTP routes of the journal: the books (trial balance and checks)."""

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlmodel import Session

from core_ledger.journal.books import check_books, trial_balance
from core_ledger.journal.models import FundAccount, Posting
from core_ledger.journal.schemas import BooksPublic, PostingPublic
from kernel.auth import Capability, User, require
from kernel.db import SessionDep

router = APIRouter(tags=["ledger: journal"])
ReadLedgerUser = Annotated[User, Depends(require(Capability.read_ledger))]


def posting_public(session: Session, posting: Posting) -> PostingPublic:
    """A posting as its receipt summary, with the account's balance after it."""
    account = session.get(FundAccount, posting.fund_account_id) if posting.fund_account_id else None
    assert posting.id is not None
    return PostingPublic(
        id=posting.id,
        receipt_no=posting.receipt_no,
        kind=posting.kind,
        amount_fen=posting.amount_fen,
        account_no=account.account_no if account else None,
        balance_fen=account.balance_fen if account else None,
        occurred_at=posting.occurred_at,
    )


@router.get("/books")
def books(session: SessionDep, _: ReadLedgerUser) -> BooksPublic:
    """The trial balance and every check of the books (借贷平衡、余额一致、无负余额)."""
    problems = check_books(session)
    totals = {gl.value: amount for gl, amount in trial_balance(session).items()}
    return BooksPublic(balanced=not problems, problems=problems, trial_balance=totals)
