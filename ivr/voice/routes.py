"""The phone survey's webhooks (语音回访): start, identity, one per answer, the confirmation of a
grave answer, reason, suggestion, status.

Each handler checks the signature (the Form dependency) before anything else, answers from
the stored state when Twilio repeats a request, and keeps slow work (free-form transcription)
out of the request: only the short grammar decode of a spoken answer runs inline.
"""

from collections.abc import Container
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query, Response
from sqlmodel import Session
from starlette.datastructures import FormData

from callbacks import clarify
from callbacks import service as callbacks
from callbacks.events import Answerer
from ivr import prompts
from ivr.config import IvrSettings, IvrSettingsDep
from ivr.twilio.events import answerer_of, call_event
from ivr.twilio.webhook import Form, twiml
from ivr.voice import service, survey
from ivr.voice.calls import end_call
from ivr.voice.jobs import enqueue_after_response
from ivr.voice.models import RecordingPurpose, TranscriptStatus
from ivr.voice.spoken import HANGUP, Heard, hear, hear_answer, speech_enabled
from kernel.db import SessionDep
from kernel.vocabulary import (
    RECTIFICATION_QUESTIONS,
    SURVEY_QUESTIONS,
    Answer,
    Question,
    is_grave,
)

router = APIRouter(prefix="/twilio/voice", tags=["twilio"])
Tries = Annotated[int, Query(alias="try", ge=0, le=survey.MAX_RETRIES)]


@dataclass(frozen=True)
class Step:
    """Where a webhook stands: its call, its settings, and the task's questions in order."""

    session: Session
    settings: IvrSettings
    attempt: int
    order: tuple[Question, ...]


def _known(question: str, table: Container[str]) -> Question:
    """The question a webhook names, if the table has it; else the request is refused."""
    if question not in table:
        raise HTTPException(422, detail=f"未知问题 {question!r}")
    return Question(question)


@router.post("/start")
def voice_start(
    attempt: int, form: Form, session: SessionDep, settings: IvrSettingsDep
) -> Response:
    """The call was answered: ask for the person, or hang up on an answering machine."""
    answerer = answerer_of(str(form.get("AnsweredBy") or "") or None)
    if answerer == Answerer.machine:  # synchronous detection (AsyncAmd answers at /amd)
        service.mark_answerer(session, attempt_id=attempt, answerer=answerer)
        return twiml(survey.hang_up())
    context = service.survey_context(session, attempt_id=attempt)
    return twiml(survey.opening(settings, context=context, speech=speech_enabled()))


@router.post("/identity")
def voice_identity(
    attempt: int, form: Form, session: SessionDep, settings: IvrSettingsDep, tries: Tries = 0
) -> Response:
    """是本人: introduce the survey. 不是: apologise, end, and hand the task to an operator."""
    context = service.survey_context(session, attempt_id=attempt)
    heard = hear(settings, keys=survey.YES_NO_KEYS, kind="yes_no", form=form)
    if heard.value == Answer.yes:
        return twiml(survey.introduction(settings, context=context, speech=speech_enabled()))
    if heard.value == Answer.no:  # nothing is asked, nothing is counted
        callbacks.mark_wrong_person(session, attempt_id=attempt, actor="twilio")
        return twiml(survey.goodbye(settings, text=prompts.WRONG_PERSON))
    if heard.hung_up:
        return twiml(survey.hang_up())
    if tries >= survey.MAX_RETRIES:  # not reached after all: the call counts as unanswered
        return twiml(survey.goodbye(settings, text=prompts.IDENTITY_UNCLEAR))
    again = survey.ask_identity(
        settings,
        attempt_id=attempt,
        addressee=context.addressee,
        tries=tries + 1,
        speech=speech_enabled(),
        preface=prompts.UNSURE if heard.kind == "unsure" else prompts.RETRY,
    )
    return twiml(again)


@router.post("/answer")
def voice_answer(
    attempt: int,
    q: str,
    form: Form,
    session: SessionDep,
    settings: IvrSettingsDep,
    tries: Tries = 0,
    unsure: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    """A key or a spoken answer: keep it and go on, re-ask, or move on marking it unclear."""
    question = _known(q, survey.KEYS)
    order = service.questions_of(session, attempt_id=attempt)
    _known(q, order)
    step = Step(session=session, settings=settings, attempt=attempt, order=order)
    stored = service.answer_of(session, attempt_id=attempt, question=question)
    if stored is not None:  # Twilio repeated the request: answer as the first time
        if stored.unconfirmed is not None or is_grave(question, stored.value):
            return twiml(_confirmation(step, question=question, tries=tries))
        return twiml(_after_answer(step, question=question, value=stored.value))
    heard = hear_answer(settings, question=question, form=form)
    if question == order[0] and heard.digits == survey.RESCHEDULE_KEY:
        service.reschedule_on_request(session, attempt_id=attempt)
        return twiml(survey.goodbye(settings, text=prompts.RESCHEDULED))
    _keep_answer_recording(session, attempt=attempt, question=question, form=form, heard=heard)
    if heard.value is None and heard.hung_up:
        return twiml(survey.hang_up())  # nothing usable, nobody left to ask: partial
    if heard.kind == "in_between":
        words = (heard.text or "").replace(" ", "")
        clarify.note_in_between(
            session, attempt_id=attempt, question=question, words=words, actor="twilio"
        )
    if heard.value is None:
        again = _ask_again(
            settings,
            attempt=attempt,
            question=question,
            tries=tries,
            unsure=unsure,
            heard=heard,
            order=order,
        )
        if again is not None:
            return twiml(again)
    callbacks.record_answer(
        session,
        attempt_id=attempt,
        question=question,
        value=heard.value,
        source="dtmf" if heard.kind == "key" or not heard.recording_url else "speech",
        raw=(heard.digits if heard.kind == "key" else heard.text) or None,
    )
    if heard.hung_up:
        return twiml(survey.hang_up())
    if is_grave(question, heard.value):
        return twiml(_confirmation(step, question=question, tries=tries))
    return twiml(_after_answer(step, question=question, value=heard.value))


@router.post("/confirm")
def voice_confirm(
    attempt: int,
    q: str,
    form: Form,
    session: SessionDep,
    settings: IvrSettingsDep,
    tries: Tries = 0,
) -> Response:
    """A grave answer confirmed (1) is filed; 2 asks again; anything else leaves it unclear."""
    question = _known(q, survey.KEYS)
    order = service.questions_of(session, attempt_id=attempt)
    _known(q, order)
    step = Step(session=session, settings=settings, attempt=attempt, order=order)
    task_id = service.task_of(session, attempt_id=attempt)
    stored = service.answer_of(session, attempt_id=attempt, question=question)
    if stored is None:  # Twilio repeated the request after the person chose again
        return twiml(_rechoose(step, question=question, tries=tries))
    if stored.unconfirmed is None:  # confirmed already: Twilio repeated the request
        return twiml(_after_answer(step, question=question, value=stored.value))
    heard = hear(settings, keys=survey.YES_NO_KEYS, kind="yes_no", form=form)
    _keep_answer_recording(session, attempt=attempt, question=question, form=form, heard=heard)
    if heard.value == Answer.yes:
        confirmed = clarify.confirm_answer(session, task_id=task_id, actor="twilio")
        value = confirmed.value if confirmed is not None else None
        return twiml(_after_answer(step, question=question, value=value))
    if heard.value == Answer.no and tries < survey.MAX_RETRIES:
        clarify.withdraw_answer(session, task_id=task_id, actor="twilio")
        return twiml(_rechoose(step, question=question, tries=tries))
    clarify.leave_unconfirmed(session, task_id=task_id, actor="twilio")
    if heard.hung_up:
        return twiml(survey.hang_up())
    return twiml(_next_step(step, question=question))


def _confirmation(step: Step, *, question: Question, tries: int) -> str:
    """Ask the person to confirm a grave answer before it is filed."""
    return survey.ask_confirmation(
        step.settings,
        attempt_id=step.attempt,
        question=question,
        tries=tries,
        speech=speech_enabled(),
    )


def _rechoose(step: Step, *, question: Question, tries: int) -> str:
    """The person did not confirm but chose again: the question once more."""
    return survey.ask(
        step.settings,
        attempt_id=step.attempt,
        question=question,
        tries=tries + 1,
        speech=speech_enabled(),
        preface=prompts.RECHOOSE,
        order=step.order,
    )


def _ask_again(
    settings: IvrSettings,
    *,
    attempt: int,
    question: Question,
    tries: int,
    unsure: int,
    heard: Heard,
    order: tuple[Question, ...] = SURVEY_QUESTIONS,
) -> str | None:
    """The re-ask for an unusable input, or None when it is time to mark the answer unclear."""
    if tries >= survey.MAX_RETRIES:
        return None
    if heard.kind in ("unsure", "in_between"):
        if unsure:
            return None  # a second answer we could not make out: an operator will ask
        unsure = 1
        preface = prompts.UNSURE if heard.kind == "unsure" else prompts.IN_BETWEEN
    else:
        preface = prompts.RETRY
    return survey.ask(
        settings,
        attempt_id=attempt,
        question=question,
        tries=tries + 1,
        speech=speech_enabled(),
        unsure=bool(unsure),
        preface=preface,
        order=order,
    )


def _after_answer(step: Step, *, question: Question, value: str | None) -> str:
    """What follows an answer: the reason for an 不满意, the next question, or the end."""
    if survey.wants_reason(question, value):
        return survey.ask_reason(step.settings, attempt_id=step.attempt, question=question)
    return _next_step(step, question=question)


def _next_step(step: Step, *, question: Question) -> str:
    """The next question; after the last, suggestions (a survey) or thanks (a 整改回访)."""
    following = survey.next_question(question, step.order)
    if following is not None:
        return survey.ask(
            step.settings,
            attempt_id=step.attempt,
            question=following,
            tries=0,
            speech=speech_enabled(),
            order=step.order,
        )
    if step.order != RECTIFICATION_QUESTIONS:  # a survey, or a project contact's
        return survey.ask_suggestion(step.settings, attempt_id=step.attempt)
    service.finish_survey(step.session, attempt_id=step.attempt)
    return survey.goodbye(step.settings, text=prompts.THANKS)


def _keep_answer_recording(
    session: Session, *, attempt: int, question: Question, form: FormData, heard: Heard
) -> None:
    """A spoken answer's audio, beside what we decoded, so an operator can listen."""
    if heard.kind == "key" or heard.recording_sid is None or heard.recording_url is None:
        return  # a key press: its recording is the silence before the key
    service.store_recording(
        session,
        attempt_id=attempt,
        call_sid=str(form.get("CallSid") or ""),
        purpose=RecordingPurpose.answer,
        question=question,
        recording_sid=heard.recording_sid,
        recording_url=heard.recording_url,
        duration_s=heard.duration_s,
        transcript=(heard.text or "").replace(" ", ""),
        confidence=heard.confidence,
        audio=heard.audio,
    )


def _keep_free_speech(
    session: Session,
    background: BackgroundTasks,
    *,
    attempt: int,
    form: FormData,
    purpose: RecordingPurpose,
    question: Question | None,
) -> None:
    """Store a reason or suggestion recording as pending and queue its transcription."""
    url, sid = str(form.get("RecordingUrl") or ""), str(form.get("RecordingSid") or "")
    if not url or not sid:
        return  # nothing was said (Twilio does not post an empty recording)
    duration = str(form.get("RecordingDuration") or "0")
    recording, _ = service.store_recording(
        session,
        attempt_id=attempt,
        call_sid=str(form.get("CallSid") or ""),
        purpose=purpose,
        question=question,
        recording_sid=sid,
        recording_url=url,
        duration_s=int(duration) if duration.isdigit() else 0,
    )
    if recording.status == TranscriptStatus.pending and recording.id is not None:
        # Runs after the response, once the request's transaction has committed.
        background.add_task(enqueue_after_response, recording.id)


@router.post("/reason")
def voice_reason(
    attempt: int,
    q: str,
    form: Form,
    session: SessionDep,
    settings: IvrSettingsDep,
    background: BackgroundTasks,
) -> Response:
    """The recorded reason for an 不满意 (or none): keep it, then go on with the survey."""
    question = _known(q, prompts.REASON)
    order = service.questions_of(session, attempt_id=attempt)
    _known(q, order)
    _keep_free_speech(
        session,
        background,
        attempt=attempt,
        form=form,
        purpose=RecordingPurpose.reason,
        question=question,
    )
    if str(form.get("Digits") or "") == HANGUP:
        return twiml(survey.hang_up())
    step = Step(session=session, settings=settings, attempt=attempt, order=order)
    return twiml(_next_step(step, question=question))


@router.post("/suggestion")
def voice_suggestion(
    attempt: int,
    form: Form,
    session: SessionDep,
    settings: IvrSettingsDep,
    background: BackgroundTasks,
) -> Response:
    """The recorded suggestion (or none): keep it, close the survey, thank and say goodbye."""
    _keep_free_speech(
        session,
        background,
        attempt=attempt,
        form=form,
        purpose=RecordingPurpose.suggestion,
        question=None,
    )
    service.finish_survey(session, attempt_id=attempt)
    if str(form.get("Digits") or "") == HANGUP:
        return twiml(survey.hang_up())
    return twiml(survey.goodbye(settings, text=prompts.THANKS))


@router.post("/status")
def voice_status(attempt: int, form: Form, session: SessionDep) -> Response:
    """A call progress event; stale (by SequenceNumber) and repeated events change nothing."""
    callbacks.get_attempt(session, attempt_id=attempt)  # 404 for an attempt we never made
    callbacks.record_call_event(session, attempt_id=attempt, event=call_event(form))
    return Response(status_code=204)


@router.post("/amd")
def voice_amd(
    attempt: int, form: Form, session: SessionDep, background: BackgroundTasks
) -> Response:
    """Asynchronous answering-machine detection's verdict; a machine's call is ended.

    `unknown` (detection could not tell) is treated as a person: the survey goes on, and
    one who never answers leaves an unanswered call that is retried as usual.
    """
    answerer = answerer_of(str(form.get("AnsweredBy") or "") or None) or Answerer.unknown
    first = service.mark_answerer(session, attempt_id=attempt, answerer=answerer)
    call_sid = str(form.get("CallSid") or "")
    if first and answerer == Answerer.machine and call_sid:
        background.add_task(end_call, call_sid)
    return Response(status_code=204)


@router.post("/fallback")
def voice_fallback(form: Form, settings: IvrSettingsDep) -> Response:
    """Twilio's FallbackUrl: our webhook failed; a short apology in Chinese, never Twilio's
    English error message, and the call ends (it counts as unanswered and is retried)."""
    return twiml(survey.goodbye(settings, text=prompts.FALLBACK_APOLOGY))
