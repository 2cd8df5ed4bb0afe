"""The ledger's one router (`/api/ledger/...`): every domain's routes, assembled for the app."""

from fastapi import APIRouter

from core_ledger.accounts.routes import router as accounts_router
from core_ledger.feed.routes import router as feed_router
from core_ledger.interest.routes import router as interest_router
from core_ledger.journal.routes import router as journal_router
from core_ledger.loans.routes import router as loans_router
from core_ledger.org.routes import router as org_router
from core_ledger.receipts.routes import router as receipts_router
from core_ledger.remittance.routes import router as remittance_router
from core_ledger.withdrawals.routes import router as withdrawals_router

router = APIRouter(prefix="/api/ledger", tags=["ledger"])
for domain_router in (
    org_router,
    accounts_router,
    remittance_router,
    withdrawals_router,
    loans_router,
    interest_router,
    receipts_router,
    journal_router,
    feed_router,
):
    router.include_router(domain_router)
