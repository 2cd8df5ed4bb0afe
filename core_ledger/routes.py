"""HTTP routes of the ledger: parties, accounts, withdrawals and payments, receipts, the books.

Remittances and loans have their own modules; their routers are included here so the app
registers one ledger router.
"""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from core_ledger.accounts.routes import router as accounts_router
from core_ledger.interest.routes import router as interest_router
from core_ledger.journal.routes import router as journal_router
from core_ledger.loans.routes import router as loan_router
from core_ledger.org.routes import router as org_router
from core_ledger.receipt import receipt_for, receipt_html
from core_ledger.remittance.routes import router as remittance_router
from core_ledger.withdrawals.routes import router as withdrawals_router
from kernel.auth import TellerUser
from kernel.db import SessionDep

router = APIRouter(prefix="/api/ledger", tags=["ledger"])


@router.get("/receipts/{receipt_no}")
def get_receipt(receipt_no: str, session: SessionDep, _: TellerUser) -> dict[str, str]:
    """票据: a posting's receipt, as labelled fields."""
    return dict(receipt_for(session, receipt_no=receipt_no).rows())


@router.get("/receipts/{receipt_no}/print", response_class=HTMLResponse)
def print_receipt(receipt_no: str, session: SessionDep, _: TellerUser) -> HTMLResponse:
    """票据: a printable page."""
    return HTMLResponse(receipt_html(receipt_for(session, receipt_no=receipt_no)))


router.include_router(org_router)
router.include_router(journal_router)
router.include_router(interest_router)
router.include_router(accounts_router)
router.include_router(remittance_router)
router.include_router(withdrawals_router)
router.include_router(loan_router)
