"""Records fed from the centre's core business system (核心业务系统)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from kernel.clock import utcnow
from kernel.columns import utc_timestamp
from kernel.crypto import blind_index_field, encrypted


class FeedKind(StrEnum):
    """What the core system posted: a withdrawal (提取) or a loan (贷款)."""

    withdrawal = "withdrawal"
    loan = "loan"


KIND_ZH = {FeedKind.withdrawal: "提取", FeedKind.loan: "贷款"}


class FeedRecord(SQLModel, table=True):
    """One business the core system posted; ours only to call the person back about it.

    Idempotent on (source, business_no): the same record again changes nothing, a different
    record under the same number is refused. `content_hash` tells the two apart.
    """

    __tablename__ = "feed_record"
    __table_args__ = (UniqueConstraint("source", "business_no"),)
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32)
    business_no: str = Field(max_length=64)  # 业务流水号 in the core system
    kind: FeedKind = Field(sa_type=String(10))
    ground: str = Field(max_length=32)  # a WithdrawalGround value; loans: what the house is for
    occurred_at: datetime = utc_timestamp(index=True)
    outlet_id: int = Field(foreign_key="outlet.id", index=True)
    teller_id: int = Field(foreign_key="staff.id", index=True)
    person_name: str = Field(max_length=100)
    # Sealed at rest; the blind indexes find a person (written by the bulk INSERT itself).
    id_number: str = encrypted("feed_record.id_number")
    id_number_index: str = blind_index_field(default="")
    phone: str = encrypted("feed_record.phone")
    phone_index: str = blind_index_field(default="")
    project_id: int | None = Field(default=None, foreign_key="project.id", index=True)
    content_hash: str = Field(max_length=64)
    channel: str = Field(max_length=8)  # api | file
    received_by: str = Field(max_length=200)  # the signed-in system, or the file's name
    received_at: datetime = utc_timestamp(default_factory=utcnow)


# Outbox kinds of fed business. Not the ledger's own `withdrawal.completed`: the outbox is
# unique on (kind, aggregate_id), and a fed record's id is not a withdrawal's. The payload has
# the ledger events' shape (outbox.events.event_body), so the relay makes the same callback.
EVENT_KINDS = {
    FeedKind.withdrawal: "core_system.withdrawal.completed",
    FeedKind.loan: "core_system.loan.completed",
}
