"""Every survey text message in and out (短信), as Twilio knows it: the basis of idempotency."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from kernel.clock import utcnow
from kernel.columns import utc_timestamp
from kernel.crypto import PHONE, blind_index_field, encrypted, keep_blind_index


class SmsDirection(StrEnum):
    """Twilio's words for where a message went."""

    inbound = "inbound"
    outbound_api = "outbound-api"  # sent through the REST API (the invitation)
    outbound_reply = "outbound-reply"  # sent by our TwiML answer to an inbound message


class SmsMessage(SQLModel, table=True):
    """One text message; a MessageSid is processed once, whatever Twilio retries."""

    __tablename__ = "sms_message"
    id: int | None = Field(default=None, primary_key=True)
    # None only for a TwiML reply until its first status callback names it.
    message_sid: str | None = Field(default=None, max_length=34, unique=True)
    direction: str = Field(max_length=16)
    # The person's number (E.164 when it is one), sealed; the service's Core INSERTs set its
    # phone_index themselves (no ORM event sees them).
    phone: str = encrypted("sms_message.phone")
    phone_index: str = blind_index_field(default="")
    body: str = encrypted("sms_message.body", default="")
    # Outbound: invitation, or the callbacks action a reply answers (follow_up, clarify, thanks,
    # thanks_follow_up, opted_out, no_survey).
    purpose: str | None = Field(default=None, max_length=20)
    task_id: int | None = Field(default=None, foreign_key="callback_task.id", index=True)
    attempt_id: int | None = Field(default=None, foreign_key="call_attempt.id", index=True)
    # An outbound reply names the inbound message it answers (one reply per inbound message).
    reply_to_id: int | None = Field(default=None, foreign_key="sms_message.id", unique=True)
    # Inbound: how ivr.sms.reply read it, and what callbacks decided.
    reply_kind: str | None = Field(default=None, max_length=12)
    action: str | None = Field(default=None, max_length=20)
    status: str = Field(max_length=20)  # the furthest delivery status reported so far
    error_code: int | None = None
    created_at: datetime = utc_timestamp(default_factory=utcnow)
    updated_at: datetime = utc_timestamp(default_factory=utcnow)


keep_blind_index(SmsMessage, source="phone", target="phone_index", kind=PHONE)


class SmsStatusEvent(SQLModel, table=True):
    """One delivery status Twilio reported for a message; a repeated report is not stored."""

    __tablename__ = "sms_status_event"
    __table_args__ = (UniqueConstraint("message_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="sms_message.id", index=True)
    status: str = Field(max_length=20)
    error_code: int | None = None
    received_at: datetime = utc_timestamp(default_factory=utcnow)
