"""The outbox: events the callbacks package consumes, committed with the business they report."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from kernel.clock import utcnow
from kernel.columns import utc_timestamp
from kernel.crypto import EncryptedJSON


class OutboxEvent(SQLModel, table=True):
    """An event written in the same transaction as the business it reports."""

    __tablename__ = "outbox_event"
    __table_args__ = (UniqueConstraint("kind", "aggregate_id"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    aggregate_id: int
    # Sealed: a business event names the person and their phone.
    payload: dict[str, Any] = Field(
        sa_column=Column(EncryptedJSON("outbox_event.payload"), nullable=False)
    )
    created_at: datetime = utc_timestamp(default_factory=utcnow)
    published_at: datetime | None = utc_timestamp(default=None, index=True)
