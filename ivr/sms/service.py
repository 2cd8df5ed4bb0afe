"""Verbs on the SMS log: each MessageSid kept once, delivery statuses only ever move forward."""

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from ivr.sms.models import SmsDirection, SmsMessage, SmsStatusEvent
from kernel.clock import utcnow
from kernel.crypto import phone_index

# How far along a message is. Twilio does not promise callbacks arrive in order (and sends no
# SequenceNumber for messages), so a status is applied only when it is further than the last.
# Final statuses share a rank: the first final report stands.
STATUS_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "receiving": 3,
    "received": 4,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "partially_delivered": 4,
    "canceled": 4,
    "read": 5,
}
INVITATION = "invitation"


def _insert(session: Session, table: Any) -> Any:
    """INSERT … ON CONFLICT for the session's database (PostgreSQL, or SQLite for the demo)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def by_sid(session: Session, *, message_sid: str, for_update: bool = False) -> SmsMessage | None:
    """A message by its Twilio MessageSid."""
    query = select(SmsMessage).where(SmsMessage.message_sid == message_sid)
    return session.exec(query.with_for_update() if for_update else query).first()


def record_inbound(
    session: Session, *, message_sid: str, phone: str, body: str
) -> SmsMessage | None:
    """Keep an inbound message; None when this MessageSid was kept before (Twilio retried)."""
    now = utcnow()
    statement = (
        _insert(session, SmsMessage)
        .values(
            message_sid=message_sid,
            direction=SmsDirection.inbound,
            phone=phone,
            phone_index=phone_index(phone),
            body=body,
            status="received",
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["message_sid"])
        .returning(SmsMessage.id)
    )
    # A concurrent copy of the same webhook waits here for the first to commit, then gets None.
    message_id = session.execute(statement).scalar_one_or_none()
    return None if message_id is None else session.get(SmsMessage, message_id)


def reply_for(session: Session, *, inbound_id: int) -> SmsMessage | None:
    """The answer we gave to an inbound message, if we gave one."""
    return session.exec(select(SmsMessage).where(SmsMessage.reply_to_id == inbound_id)).first()


def record_reply(
    session: Session,
    *,
    inbound: SmsMessage,
    body: str,
    purpose: str,
    attempt_id: int | None,
    task_id: int | None,
) -> SmsMessage:
    """Keep the TwiML answer to an inbound message; its sid arrives with its first status."""
    reply = SmsMessage(
        direction=SmsDirection.outbound_reply,
        phone=inbound.phone,
        body=body,
        purpose=purpose,
        task_id=task_id,
        attempt_id=attempt_id,
        reply_to_id=inbound.id,
        status="queued",
    )
    session.add(reply)
    session.flush()
    return reply


def record_sent(
    session: Session,
    *,
    message_sid: str,
    phone: str,
    body: str,
    status: str,
    attempt_id: int,
    task_id: int,
) -> None:
    """Keep an invitation sent through the API; status callbacks may have recorded it first."""
    now = utcnow()
    values = {
        "direction": SmsDirection.outbound_api,
        "phone": phone,
        "phone_index": phone_index(phone),
        "body": body,
        "purpose": INVITATION,
        "attempt_id": attempt_id,
        "task_id": task_id,
    }
    statement = (
        _insert(session, SmsMessage)
        .values(message_sid=message_sid, status=status, created_at=now, updated_at=now, **values)
        # Keep the status the callbacks brought: the API's answer is older than any of them.
        .on_conflict_do_update(index_elements=["message_sid"], set_=values)
    )
    session.execute(statement)


def recently_answered(session: Session, *, phone: str, purpose: str, since: datetime) -> bool:
    """Whether we answered this number with a text of this purpose since a moment."""
    query = select(SmsMessage.id).where(
        SmsMessage.phone_index == phone_index(phone),
        SmsMessage.purpose == purpose,
        col(SmsMessage.created_at) >= since,
    )
    return session.exec(query.limit(1)).first() is not None


def apply_status(
    session: Session,
    *,
    message_sid: str,
    status: str,
    error_code: int | None,
    phone: str,
    attempt_id: int | None,
    reply_to_sid: str | None,
) -> SmsMessage | None:
    """Record one status report; return the message when it moved forward, else None."""
    message = _reported(
        session,
        message_sid=message_sid,
        phone=phone,
        attempt_id=attempt_id,
        reply_to_sid=reply_to_sid,
    )
    statement = (
        _insert(session, SmsStatusEvent)
        .values(message_id=message.id, status=status, error_code=error_code, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["message_id", "status"])
        .returning(SmsStatusEvent.id)
    )
    if session.execute(statement).scalar_one_or_none() is None:
        return None  # the same report again
    if STATUS_RANK[status] <= STATUS_RANK.get(message.status, -1):
        return None  # late: the message is already further along
    message.status, message.error_code, message.updated_at = status, error_code, utcnow()
    session.add(message)
    session.flush()
    return message


def _reported(
    session: Session,
    *,
    message_sid: str,
    phone: str,
    attempt_id: int | None,
    reply_to_sid: str | None,
) -> SmsMessage:
    """The message a status report is about, locked; named or noted down if new to us."""
    message = by_sid(session, message_sid=message_sid, for_update=True)
    if message is None and reply_to_sid is not None:
        message = _name_reply(session, message_sid=message_sid, reply_to_sid=reply_to_sid)
    if message is not None:
        return message
    # The callback outran the sender's own record (record_sent fills in the rest).
    now = utcnow()
    reply = reply_to_sid is not None
    statement = (
        _insert(session, SmsMessage)
        .values(
            message_sid=message_sid,
            direction=SmsDirection.outbound_reply if reply else SmsDirection.outbound_api,
            phone=phone,
            purpose=None if reply else INVITATION,
            attempt_id=attempt_id,
            status="queued",
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["message_sid"])
    )
    session.execute(statement)
    found = by_sid(session, message_sid=message_sid, for_update=True)
    assert found is not None
    return found


def _name_reply(session: Session, *, message_sid: str, reply_to_sid: str) -> SmsMessage | None:
    """Give a TwiML reply its MessageSid, learnt from its first status callback."""
    inbound = by_sid(session, message_sid=reply_to_sid)
    if inbound is None or inbound.id is None:
        return None
    query = select(SmsMessage).where(
        SmsMessage.reply_to_id == inbound.id, col(SmsMessage.message_sid).is_(None)
    )
    reply = session.exec(query.with_for_update()).first()
    if reply is None:
        return None
    reply.message_sid = message_sid
    session.add(reply)
    session.flush()
    return reply
