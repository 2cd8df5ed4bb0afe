"""HTTP routes of deposit interest: the yearly settlement (结息)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends

from core_ledger.interest.schemas import InterestSettlementPublic
from core_ledger.interest.service import settle_interest
from core_ledger.journal.models import Posting
from kernel.auth import Capability, User, require
from kernel.db import SessionDep

router = APIRouter(tags=["ledger: interest"])
RunInterestUser = Annotated[User, Depends(require(Capability.run_interest))]


@router.post("/interest/settlements")
def settle(
    session: SessionDep, _: RunInterestUser, period_end: date | None = None
) -> InterestSettlementPublic:
    """结息 for the interest year ending on the last settlement date; safe to run twice."""
    done = settle_interest(session, period_end=period_end)
    posting = session.get(Posting, done.posting_id) if done.posting_id else None
    return InterestSettlementPublic(
        period_end_on=done.period_end_on,
        annual_rate=done.annual_rate,
        accounts=done.accounts,
        total_fen=done.total_fen,
        receipt_no=posting.receipt_no if posting else None,
    )
