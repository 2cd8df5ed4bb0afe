"""API shapes of the journal: postings as their receipts summarise them, the books' state."""

from datetime import datetime

from pydantic import BaseModel, Field

IdempotencyKey = Field(min_length=1, max_length=100, description="幂等键：同一笔业务重试时保持不变")


class PostingPublic(BaseModel):
    id: int
    receipt_no: str
    kind: str
    amount_fen: int
    account_no: str | None
    balance_fen: int | None
    occurred_at: datetime


class BooksPublic(BaseModel):
    balanced: bool
    problems: list[str]
    trial_balance: dict[str, int]
