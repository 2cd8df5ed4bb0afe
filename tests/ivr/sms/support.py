"""SMS survey test support: a task waiting for its SMS, Twilio-signed posts, golden texts."""

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from callbacks.models import CallAttempt
from callbacks.service import attempt_placed, begin_attempt, open_tasks
from core_ledger.org.models import Outlet
from core_ledger.outbox.models import OutboxEvent
from ivr.config import get_ivr_settings
from ivr.sms.models import SmsMessage
from kernel.clock import utcnow
from tests.conftest import Bind
from twilio_emulator.sms import inbound_params
from twilio_emulator.store import Message

PHONE = "+8613912345678"
CENTRE = "+8657112329"
# 2026-11-03 10:00 in Shanghai: the invitation says 11月3日.
BUSINESS_AT = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)

# The texts we answer with, exactly as a person reads them (golden).
SIG = "【住房公积金】"
THANKS = SIG + "感谢您的评价！祝您生活愉快。"
THANKS_FOLLOW_UP = SIG + "感谢您的评价！您反映的情况我们已记录，工作人员会尽快与您联系。"
FOLLOW_UP_LAST_TWO = (
    SIG + "感谢您的回复！还有2项请您评价：①有没有跑回头路（1没有 2有）②工作人员有没有索要财物"
    "（1没有 2有）。请直接回复2位数字，如11。回复TD退订"
)
CLARIFY_ALL = (
    SIG + "抱歉，没能看懂您的回复。请按顺序回复4位数字，如1111：①服务态度（1非常满意 2满意 "
    "3不满意）②办事效率（1非常满意 2满意 3不满意）③有没有跑回头路（1没有 2有）④工作人员有没有"
    "索要财物（1没有 2有）。回复TD退订"
)
CONFIRM_FAVOUR = SIG + "您反映工作人员向您索要财物，确认请回复1，重新选择请回复2。回复TD退订"
RECHOOSE_FAVOUR = (
    SIG + "好的，请您重新选择：①工作人员有没有索要财物（1没有 2有）。请直接回复1位数字，如1。"
    "回复TD退订"
)
CHOOSE_EFFICIENCY = (
    SIG + "您回复了“一般”，请在非常满意、满意、不满意中选一个：①办事效率（1非常满意 2满意 "
    "3不满意）。请直接回复1位数字，如1。回复TD退订"
)
OPTED_OUT = SIG + "您已退订回访短信，我们不会再发送。如有需要，请拨打12329。"
CLOSED = SIG + "本次回访已结束，感谢您的支持。如有意见建议，请拨打12329。"


def unanswered_task(engine: Bind, *, phone: str = PHONE, outlet: str = "城东网点") -> int:
    """A withdrawal's callback task whose one phone attempt went unanswered: SMS is next."""
    with Session(engine, expire_on_commit=False) as session:
        place = Outlet(code=f"WD{phone[-4:]}", name=outlet)
        session.add(place)
        session.flush()
        event = OutboxEvent(kind="withdrawal.completed", aggregate_id=int(phone[-6:]), payload={})
        session.add(event)
        session.flush()
        payload: dict[str, Any] = {
            "business_kind": "withdrawal",
            "business_id": 1,
            "occurred_at": BUSINESS_AT.isoformat(),
            "outlet_id": place.id,
            "outlet_name": outlet,
            "person": {"name": "王芳", "phone": phone},
        }
        [task] = open_tasks(session, event_id=event.id or 0, payload=payload)
        session.add(
            CallAttempt(
                task_id=task.id or 0,
                attempt_no=1,
                channel="voice",
                status="no-answer",
                ended_at=utcnow(),
            )
        )
        task.attempts_made, task.due_at = 1, utcnow()
        session.add(task)
        session.commit()
        return task.id or 0


def sms_attempt(engine: Bind, *, task_id: int, sid: str = "SM" + "0" * 31 + "1") -> int:
    """Claim the SMS attempt of a task as if its invitation went out (no message is sent)."""
    with Session(engine, expire_on_commit=False) as session:
        attempt = begin_attempt(session, task_id=task_id, attempt_no=2)
        assert attempt is not None and attempt.channel == "sms", "set HUIFANG_VOICE_ATTEMPTS=1"
        attempt_placed(session, attempt_id=attempt.id or 0, provider_sid=sid)
        session.commit()
        return attempt.id or 0


def inbound_form(body: str, *, sid: str, phone: str = PHONE) -> dict[str, str]:
    """What Twilio posts to a messaging URL for one incoming SMS."""
    return inbound_params(
        Message(
            sid=sid,
            account_sid=get_ivr_settings().twilio_account_sid,
            to=CENTRE,
            from_=phone,
            body=body,
            direction="inbound",
            status="received",
        )
    )


def status_form(sid: str, status: str, *, error_code: int | None = None) -> dict[str, str]:
    """What Twilio posts to a message's StatusCallback."""
    form = {
        "AccountSid": get_ivr_settings().twilio_account_sid,
        "ApiVersion": "2010-04-01",
        "From": CENTRE,
        "To": PHONE,
        "MessageSid": sid,
        "MessageStatus": status,
        "SmsSid": sid,
        "SmsStatus": status,
    }
    if error_code is not None:
        form["ErrorCode"] = str(error_code)
    return form


def signature(path_and_query: str, form: dict[str, str], *, token: str | None = None) -> str:
    """X-Twilio-Signature over PUBLIC_URL + path + query, as Twilio computes it."""
    settings = get_ivr_settings()
    url = settings.webhook_url(path_and_query)
    return str(RequestValidator(token or settings.twilio_auth_token).compute_signature(url, form))


def post_signed(client: Any, path_and_query: str, form: dict[str, str]) -> Any:
    """POST a form with a valid Twilio signature."""
    headers = {"X-Twilio-Signature": signature(path_and_query, form)}
    return client.post(path_and_query, data=form, headers=headers)


def messages(engine: Bind) -> list[SmsMessage]:
    """Every SMS row, oldest first."""
    with Session(engine) as session:
        return list(session.exec(select(SmsMessage).order_by(SmsMessage.id)))  # type: ignore[arg-type]
