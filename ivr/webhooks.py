"""Twilio webhooks: thin handlers. Each checks the signature first and is safe to repeat."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator

from callbacks import service as callbacks
from callbacks.models import TaskStatus
from ivr import prompts, survey
from ivr.config import IvrSettings, get_ivr_settings
from kernel.clock import local
from kernel.db import SessionDep

router = APIRouter(prefix="/twilio", tags=["twilio"])
TWIML = "application/xml"


async def signed_form(request: Request) -> FormData:
    """The form, if and only if the Twilio signature over PUBLIC_URL + path + query holds."""
    settings = get_ivr_settings()
    form = await request.form()
    url = settings.webhook_url(request.url.path)
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(settings.twilio_auth_token).validate(
        url, form, signature
    ):
        raise HTTPException(403, detail="Twilio 签名校验失败：请求未被处理")
    return form


Form = Annotated[FormData, Depends(signed_form)]
Settings = Annotated[IvrSettings, Depends(get_ivr_settings)]


def _twiml(body: str) -> Response:
    return Response(content=body, media_type=TWIML)


@router.post("/voice/start")
def voice_start(attempt: int, form: Form, session: SessionDep, settings: Settings) -> Response:
    """The call was answered: greet, or hang up on an answering machine."""
    answered_by = str(form.get("AnsweredBy") or "")
    if answered_by.startswith(("machine", "fax")):
        callbacks.get_attempt(session, attempt_id=attempt).answered_by = answered_by
        return _twiml(survey.hang_up())
    record = callbacks.get_attempt(session, attempt_id=attempt)
    task = callbacks.get_task(session, task_id=record.task_id)
    moment = local(task.business_at)
    context = survey.SurveyContext(
        attempt_id=attempt,
        business_kind=task.business_kind,
        business_date=f"{moment.month}月{moment.day}日",
        outlet_name=task.outlet_name,
    )
    return _twiml(survey.greeting(settings, context=context))


@router.post("/voice/answer")
def voice_answer(
    attempt: int,
    q: str,
    form: Form,
    session: SessionDep,
    settings: Settings,
    tries: Annotated[int, Query(alias="try")] = 0,
) -> Response:
    """One key press: keep it and ask the next question, re-ask, or move on marking it unclear."""
    if q not in survey.KEYS:
        raise HTTPException(422, detail=f"未知问题 {q!r}")
    digits = str(form.get("Digits") or "")
    if q == survey.ORDER[0] and digits == survey.RESCHEDULE_KEY:
        return _twiml(survey.goodbye(settings, text=prompts.RESCHEDULED))
    value = survey.parse_key(q, digits)
    if value is None and tries < survey.MAX_RETRIES:
        return _twiml(
            survey.ask(
                settings, attempt_id=attempt, question=q, tries=tries + 1, preface=prompts.RETRY
            )
        )
    callbacks.record_answer(
        session, attempt_id=attempt, question=q, value=value, source="dtmf", raw=digits or None
    )
    following = survey.next_question(q)
    if following is not None:
        return _twiml(survey.ask(settings, attempt_id=attempt, question=following, tries=0))
    record = callbacks.get_attempt(session, attempt_id=attempt)
    task = callbacks.get_task(session, task_id=record.task_id, for_update=True)
    if task.status == TaskStatus.calling:
        callbacks.complete_survey(session, task=task)
    return _twiml(survey.goodbye(settings, text=prompts.THANKS))


@router.post("/voice/status")
def voice_status(attempt: int, form: Form, session: SessionDep) -> Response:
    """A call progress event; stale and repeated events change nothing."""
    sequence = form.get("SequenceNumber")
    callbacks.record_call_status(
        session,
        attempt_id=attempt,
        status=str(form.get("CallStatus") or ""),
        sequence=int(str(sequence)) if sequence not in (None, "") else None,
        answered_by=str(form.get("AnsweredBy") or "") or None,
    )
    return Response(status_code=204)
