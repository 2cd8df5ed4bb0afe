"""Twilio SMS webhooks: replies to the survey text, and delivery reports. Signed, idempotent."""

from datetime import timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Response
from sqlmodel import Session
from starlette.datastructures import FormData
from twilio.twiml.messaging_response import MessagingResponse

from callbacks import service as callbacks
from callbacks import sms as sms_survey
from ivr.config import IvrSettings, IvrSettingsDep
from ivr.sms import service, texts
from ivr.sms.models import SmsMessage
from ivr.sms.reply import parse_reply, read_confirmation
from ivr.twilio.webhook import Form, twiml
from kernel.clock import utcnow
from kernel.db import SessionDep
from kernel.errors import Invalid
from kernel.phone import normalize
from kernel.vocabulary import SURVEY_QUESTIONS

router = APIRouter(prefix="/twilio/sms", tags=["twilio"])
# OptOutType values Twilio sends when it acted on a keyword itself.
TWILIO_HANDLED = {"STOP": "opt_out", "START": "opt_in"}
# Someone texting a closed survey hears so once a day, never in a loop with an auto-responder.
CLOSED_NOTE_EVERY = timedelta(hours=24)


def messagingtwiml(text: str | None, *, status_url: str | None = None) -> str:
    """<Response><Message action=…>text</Message></Response>, or an empty <Response/>."""
    response = MessagingResponse()
    if text:
        response.message(text, action=status_url, method="POST" if status_url else None)
    return str(response)


def status_url(settings: IvrSettings, *, reply_to: str, attempt_id: int | None) -> str:
    """Where Twilio reports the delivery of our answer to an inbound message."""
    query = {"attempt": attempt_id} if attempt_id is not None else {}
    return settings.webhook_url(f"/twilio/sms/status?{urlencode(query | {'reply_to': reply_to})}")


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    if not isinstance(value, str) or not value:
        raise HTTPException(422, detail=f"缺少 Twilio 参数 {name}：请求未被处理")
    return value


def _answer_of(session: Session, settings: IvrSettings, inbound: SmsMessage) -> str:
    """The TwiML we answered an inbound message with: the same again for a retried webhook."""
    reply = service.reply_for(session, inbound_id=inbound.id or 0)
    if reply is None or inbound.message_sid is None:
        return messagingtwiml(None)
    url = status_url(settings, reply_to=inbound.message_sid, attempt_id=reply.attempt_id)
    return messagingtwiml(reply.body, status_url=url)


@router.post("/inbound")
def sms_inbound(form: Form, session: SessionDep, settings: IvrSettingsDep) -> Response:
    """A text from a person: read it, hand it to callbacks, answer in TwiML."""
    message_sid, sender = _field(form, "MessageSid"), _field(form, "From")
    body = str(form.get("Body") or "")
    try:
        phone: str | None = normalize(sender)
    except Invalid:
        phone = None  # a short code or an alphanumeric sender: kept, never answered
    inbound = service.by_sid(session, message_sid=message_sid)
    if inbound is None:
        fresh = service.record_inbound(
            session, message_sid=message_sid, phone=phone or sender, body=body
        )
        if fresh is not None and phone is not None:
            opt = str(form.get("OptOutType") or "").upper()
            _converse(session, settings, inbound=fresh, phone=phone, opt_out_type=opt)
        elif fresh is not None:
            fresh.action = "ignored"
            session.add(fresh)
        inbound = fresh or service.by_sid(session, message_sid=message_sid)
    assert inbound is not None
    return twiml(_answer_of(session, settings, inbound))


def _converse(
    session: Session,
    settings: IvrSettings,
    *,
    inbound: SmsMessage,
    phone: str,
    opt_out_type: str = "",
) -> None:
    """Parse against the open questions, let callbacks decide, and keep the answer we give.

    Twilio acts on STOP/START itself (its own list, its own confirmation) and says so in
    OptOutType: our list follows it, and we answer nothing (a reply to STOP is refused).
    """
    survey = sms_survey.open_sms_survey(session, phone=phone)
    expected = list(survey.expected) if survey is not None else list(SURVEY_QUESTIONS)
    if opt_out_type in TWILIO_HANDLED:
        kind = TWILIO_HANDLED[opt_out_type]
        outcome = sms_survey.handle_reply(
            session,
            phone=phone,
            message_sid=inbound.message_sid or "",
            answers={},
            suggestion=None,
            kind=kind,
            raw=inbound.body,
        )
        inbound.reply_kind, inbound.action = kind, outcome.action
        if survey is not None:
            inbound.task_id, inbound.attempt_id = survey.task_id, survey.attempt_id
        session.add(inbound)
        return
    if survey is not None and survey.confirming:
        outcome, kind = _confirm(session, inbound=inbound, phone=phone)
    else:
        reply = parse_reply(inbound.body, expected=expected)
        kind = reply.kind
        outcome = sms_survey.handle_reply(
            session,
            phone=phone,
            message_sid=inbound.message_sid or "",
            answers=reply.answers,
            suggestion=reply.suggestion,
            kind=reply.kind,
            raw=inbound.body,
            in_between=reply.in_between,
        )
    inbound.reply_kind, inbound.action = kind, outcome.action
    if survey is not None:
        inbound.task_id, inbound.attempt_id = survey.task_id, survey.attempt_id
    session.add(inbound)
    if outcome.action == "no_survey" and service.recently_answered(
        session, phone=phone, purpose="no_survey", since=utcnow() - CLOSED_NOTE_EVERY
    ):
        return
    text = texts.render_outcome(
        signature=settings.sms_signature,
        action=outcome.action,
        missing=list(outcome.missing),
        expected=expected,
        words=outcome.words,
    )
    if text is not None:
        service.record_reply(
            session,
            inbound=inbound,
            body=text,
            purpose=outcome.action,
            attempt_id=inbound.attempt_id,
            task_id=inbound.task_id,
        )


def _confirm(
    session: Session, *, inbound: SmsMessage, phone: str
) -> tuple[sms_survey.ReplyOutcome, str]:
    """A reply to the confirmation of a grave answer: confirm, choose again, or neither."""
    choice = read_confirmation(inbound.body)
    outcome = sms_survey.handle_reply(
        session,
        phone=phone,
        message_sid=inbound.message_sid or "",
        answers={},
        suggestion=None,
        kind=choice,
        raw=inbound.body,
        confirmation=None if choice in ("opt_out", "empty") else choice,
    )
    return outcome, choice


@router.post("/status")
def sms_status(
    form: Form,
    session: SessionDep,
    attempt: int | None = None,
    reply_to: str | None = None,
) -> Response:
    """A delivery report; repeated and late (out-of-order) reports change nothing."""
    message_sid = _field(form, "MessageSid")
    status = str(form.get("MessageStatus") or form.get("SmsStatus") or "")
    if status not in service.STATUS_RANK:
        raise HTTPException(422, detail=f"未知的短信状态 {status!r}：请求未被处理")
    raw_code = str(form.get("ErrorCode") or "")
    if attempt is not None:
        callbacks.get_attempt(session, attempt_id=attempt)  # 404 for an attempt we never made
    message = service.apply_status(
        session,
        message_sid=message_sid,
        status=status,
        error_code=int(raw_code) if raw_code.isdigit() else None,
        phone=str(form.get("To") or ""),
        attempt_id=attempt,
        reply_to_sid=reply_to,
    )
    if message is not None and message.purpose == service.INVITATION and message.attempt_id:
        sms_survey.record_delivery(
            session,
            attempt_id=message.attempt_id,
            status=status,
            error_code=None if message.error_code is None else str(message.error_code),
        )
    return Response(status_code=204)
