"""API shapes of the core-system feed."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class FeedBatchIn(BaseModel):
    """A batch from the core system: all of its records are written, or none."""

    source: str | None = Field(
        default=None,
        description="发送系统的标识（幂等按 来源+业务流水号）；不填为 HUIFANG_FEED_DEFAULT_SOURCE",
    )
    records: list[Any] = Field(
        default_factory=list,
        description="业务记录：business_no, kind, ground, occurred_at, outlet_code, teller_code, "
        "name, id_number, phone, project_code（贷款）",
    )
    check_only: bool = Field(default=False, description="只校验，不写入")


class FeedOutcomePublic(BaseModel):
    total: int
    created: int
    unchanged: int
    written: bool
    message: str


class FeedRecordPublic(BaseModel):
    """A record as received, for the core system's reconciliation; ID and phone masked."""

    source: str
    business_no: str
    kind: str
    ground: str
    occurred_at: datetime
    outlet_code: str
    teller_code: str
    name: str
    id_number_masked: str
    phone_masked: str
    project_code: str | None
    received_at: datetime
    channel: str
