"""What the phone survey writes: answers through callbacks, recordings here, reschedules.

Every verb is safe to repeat: Twilio retries webhooks, and a repeat changes nothing.
"""

from datetime import datetime, timedelta

from sqlmodel import Session, select

from callbacks import service as callbacks
from callbacks.events import Answerer
from callbacks.models import CallbackTask, SurveyAnswer, TaskStatus
from ivr.voice.models import RecordingPurpose, TranscriptStatus, VoiceRecording
from ivr.voice.survey import SurveyContext, addressee
from kernel.clock import centre_tz, local, utcnow
from kernel.vocabulary import Question


def survey_context(session: Session, *, attempt_id: int) -> SurveyContext:
    """What the call names: the person (surname only), the business, its local date, the outlet."""
    attempt = callbacks.get_attempt(session, attempt_id=attempt_id)
    task = callbacks.get_task(session, task_id=attempt.task_id)
    moment = local(task.business_at)
    return SurveyContext(
        attempt_id=attempt_id,
        business_kind=task.business_kind,
        business_date=f"{moment.month}月{moment.day}日",
        outlet_name=task.outlet_name,
        addressee=addressee(task.person_name, task.person_gender),
        questions=_questions(task),
        project_name=task.project_name or "",
    )


def questions_of(session: Session, *, attempt_id: int) -> tuple[Question, ...]:
    """The questions this call's task asks, in order (the survey, or a 整改回访)."""
    attempt = callbacks.get_attempt(session, attempt_id=attempt_id)
    return _questions(callbacks.get_task(session, task_id=attempt.task_id))


def _questions(task: CallbackTask) -> tuple[Question, ...]:
    return tuple(Question(question) for question in callbacks.questions_for(task))


def task_of(session: Session, *, attempt_id: int) -> int:
    """The id of the task a call belongs to."""
    return callbacks.get_attempt(session, attempt_id=attempt_id).task_id


def answer_of(session: Session, *, attempt_id: int, question: Question) -> SurveyAnswer | None:
    """The stored answer to a question of this attempt's task, if any (a retried webhook)."""
    attempt = callbacks.get_attempt(session, attempt_id=attempt_id)
    return session.exec(
        select(SurveyAnswer).where(
            SurveyAnswer.task_id == attempt.task_id, SurveyAnswer.question == question
        )
    ).first()


def mark_answerer(session: Session, *, attempt_id: int, answerer: Answerer) -> bool:
    """Note who answered (a machine's call ends unanswered); True the first time it is noted."""
    attempt = callbacks.get_attempt(session, attempt_id=attempt_id)
    if attempt.answered_by == answerer:
        return False
    attempt.answered_by = answerer
    session.add(attempt)
    return True


def reschedule_on_request(
    session: Session, *, attempt_id: int, now: datetime | None = None
) -> CallbackTask:
    """The person pressed 9 (不方便): call again in the first calling slot of another day."""
    attempt = callbacks.get_attempt(session, attempt_id=attempt_id)
    task = callbacks.get_task(session, task_id=attempt.task_id, for_update=True)
    if task.status != TaskStatus.calling:
        return task  # a retried webhook, or the task moved on already
    today = local(now or utcnow()).date()
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time(), centre_tz())
    callbacks.reschedule_by_person(session, task=task, attempt=attempt, at=tomorrow, actor="twilio")
    return task


def finish_survey(session: Session, *, attempt_id: int) -> None:
    """Close the task of a survey heard to the end (once, whatever Twilio retries)."""
    attempt = callbacks.get_attempt(session, attempt_id=attempt_id)
    task = callbacks.get_task(session, task_id=attempt.task_id, for_update=True)
    if task.status == TaskStatus.calling:
        callbacks.complete_survey(session, task=task)


def store_recording(
    session: Session,
    *,
    attempt_id: int,
    call_sid: str,
    purpose: RecordingPurpose,
    question: Question | None,
    recording_sid: str,
    recording_url: str,
    duration_s: int,
    transcript: str | None = None,
    audio: bytes | None = None,
    confidence: float | None = None,
) -> tuple[VoiceRecording, bool]:
    """Keep a recording's reference once per RecordingSid; True when it is new."""
    existing = session.exec(
        select(VoiceRecording).where(VoiceRecording.recording_sid == recording_sid)
    ).first()
    if existing is not None:
        return existing, False
    attempt = callbacks.get_attempt(session, attempt_id=attempt_id)
    done = transcript is not None
    recording = VoiceRecording(
        task_id=attempt.task_id,
        attempt_id=attempt_id,
        call_sid=call_sid,
        purpose=purpose,
        question=question,
        recording_sid=recording_sid,
        recording_url=recording_url,
        duration_s=duration_s,
        status=TranscriptStatus.done if done else TranscriptStatus.pending,
        transcript=transcript,
        confidence=confidence,
        transcribed_at=utcnow() if done else None,
        audio=audio,
        audio_fetched_at=utcnow() if audio is not None else None,
    )
    session.add(recording)
    session.flush()
    return recording, True


def recordings_for(session: Session, *, task_id: int) -> list[VoiceRecording]:
    """A task's recordings in the order they were made, for operators."""
    query = select(VoiceRecording).where(VoiceRecording.task_id == task_id)
    return list(session.exec(query.order_by(VoiceRecording.id)))  # type: ignore[arg-type]


REASON_LABEL = {
    Question.attitude: "服务态度不满意的原因",
    Question.efficiency: "办事效率不满意的原因",
    Question.resolution: "整改结果不满意的原因",
}


def keep_transcript(
    session: Session, *, recording: VoiceRecording, text: str, confidence: float
) -> None:
    """Store a transcript beside its audio and add the words to the task for operators."""
    recording.transcript = text[:4000]
    recording.confidence = confidence
    recording.status = TranscriptStatus.done
    recording.transcribed_at = utcnow()
    session.add(recording)
    if not text or recording.purpose == RecordingPurpose.answer:
        return
    task = callbacks.get_task(session, task_id=recording.task_id, for_update=True)
    label = None
    if recording.purpose == RecordingPurpose.reason and recording.question in REASON_LABEL:
        label = REASON_LABEL[Question(recording.question)]
    callbacks.record_suggestion(session, task=task, text=f"【{label}】{text}" if label else text)
