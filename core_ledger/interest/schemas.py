"""API shapes of deposit interest."""

from datetime import date
from decimal import Decimal

from pydantic import BaseModel


class InterestSettlementPublic(BaseModel):
    period_end_on: date
    annual_rate: Decimal
    accounts: int
    total_fen: int
    receipt_no: str | None
