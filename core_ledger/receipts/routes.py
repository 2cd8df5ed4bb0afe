"""HTTP routes of receipts (票据): as labelled fields, and as a printable page."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from core_ledger.receipts.printing import receipt_html
from core_ledger.receipts.service import receipt_for
from kernel.auth import Capability, User, require
from kernel.db import SessionDep

router = APIRouter(tags=["ledger: receipts"])
ReadLedgerUser = Annotated[User, Depends(require(Capability.read_ledger))]


@router.get("/receipts/{receipt_no}")
def get_receipt(receipt_no: str, session: SessionDep, _: ReadLedgerUser) -> dict[str, str]:
    """票据: a posting's receipt, as labelled fields."""
    return dict(receipt_for(session, receipt_no=receipt_no).rows())


@router.get("/receipts/{receipt_no}/print", response_class=HTMLResponse)
def print_receipt(receipt_no: str, session: SessionDep, _: ReadLedgerUser) -> HTMLResponse:
    """票据: a printable page."""
    return HTMLResponse(receipt_html(receipt_for(session, receipt_no=receipt_no)))
