"""RQ jobs of the phone survey: free-form transcription of reasons and suggestions (转写).

Transcribing a minute of speech takes seconds, so it never runs inside a webhook: the webhook
stores the recording as pending and queues this job; a reconciler re-queues what was lost.
"""

import logging
from datetime import timedelta

from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from sqlmodel import col, select

from ivr.asr.audio import UnreadableAudio
from ivr.asr.decoder import AsrUnavailable, transcribe
from ivr.config import get_ivr_settings
from ivr.twilio.client import RecordingUnavailable, fetch_recording
from ivr.voice.models import TranscriptStatus, VoiceRecording
from ivr.voice.provider_copy import delete_at_provider
from ivr.voice.service import keep_transcript
from kernel.clock import as_utc, utcnow
from kernel.db import session_scope
from kernel.queue import get_queue, make_room

log = logging.getLogger(__name__)
# A pending recording younger than this is still in the hands of its webhook's own enqueue.
_GRACE = timedelta(minutes=2)
ABSENT = "录音一直无法取得（可能过短或无声，已被服务商删除）"
JOB_TIMEOUT = 600  # seconds; a transcription started twice as long ago died with its worker


def transcription_job_id(recording_id: int) -> str:
    """The one job id a recording's transcription may have."""
    return f"transcribe-{recording_id}"


def enqueue_transcription(recording_id: int, queue: Queue | None = None) -> bool:
    """Queue a recording's transcription unless a live job for it exists; True if queued."""
    queue = queue or get_queue()
    job_id = transcription_job_id(recording_id)
    if not make_room(queue, job_id, started_longer_than=2 * JOB_TIMEOUT):
        return False
    try:
        queue.enqueue(
            transcribe_recording,
            recording_id,
            job_id=job_id,
            unique=True,
            result_ttl=3600,
            job_timeout=JOB_TIMEOUT,
            retry=Retry(max=3, interval=[10, 60, 300]),
        )
    except DuplicateJobError:
        return False
    return True


def enqueue_after_response(recording_id: int) -> None:
    """Queue from a webhook's background task; a Redis outage is left to the reconciler."""
    try:
        enqueue_transcription(recording_id)
    except Exception:  # the row stays pending and queue_pending_transcriptions finds it
        log.warning("could not queue transcription of recording %s", recording_id, exc_info=True)


def queue_pending_transcriptions(queue: Queue | None = None) -> int:
    """Re-queue recordings left pending past the grace period (the reconciler); return count."""
    with session_scope() as session:
        ids = session.exec(
            select(VoiceRecording.id)
            .where(VoiceRecording.status == TranscriptStatus.pending)
            .where(col(VoiceRecording.created_at) < utcnow() - _GRACE)
            .order_by(col(VoiceRecording.id))
            .limit(500)
        ).all()
    return sum(enqueue_transcription(i, queue) for i in ids if i is not None)


def transcribe_recording(recording_id: int) -> str | None:
    """Fetch a recording, transcribe it free-form and store the text; a repeat does nothing."""
    with session_scope() as session:
        recording = session.get(VoiceRecording, recording_id)
        if recording is None or recording.status != TranscriptStatus.pending:
            return None
        url, made = recording.recording_url, as_utc(recording.created_at)
    settings = get_ivr_settings()
    try:
        wav = fetch_recording(settings, url=url)
    except RecordingUnavailable as error:
        give_up = made < utcnow() - timedelta(minutes=settings.recording_give_up_minutes)
        if error.permanent or give_up:
            _fail(recording_id, str(error) if error.permanent else ABSENT)
            return None
        raise  # not there yet, a network fault or a 5xx: RQ retries, then the reconciler
    try:
        transcript = transcribe(wav=wav)
    except (UnreadableAudio, AsrUnavailable) as error:
        _fail(recording_id, str(error), audio=wav)
        return None
    text = transcript.text.replace(" ", "")
    with session_scope() as session:
        recording = session.get(VoiceRecording, recording_id, with_for_update=True)
        if recording is None or recording.status != TranscriptStatus.pending:
            return None
        _hold(recording, wav)
        keep_transcript(session, recording=recording, text=text, confidence=transcript.confidence)
        kept = recording.transcript
    delete_at_provider(recording_id)  # we hold the audio and its words: Twilio's copy goes
    return kept


def _hold(recording: VoiceRecording, audio: bytes) -> None:
    """Keep the audio we fetched, sealed at rest, so the provider's copy can go."""
    if recording.audio is None and recording.audio_purged_at is None:
        recording.audio = audio
        recording.audio_fetched_at = utcnow()


def _fail(recording_id: int, error: str, *, audio: bytes | None = None) -> None:
    """Mark a recording as not transcribable; operators can still listen to it."""
    with session_scope() as session:
        recording = session.get(VoiceRecording, recording_id)
        if recording is not None and recording.status == TranscriptStatus.pending:
            recording.status = TranscriptStatus.failed
            recording.error = error[:500]
            if audio is not None:
                _hold(recording, audio)
            session.add(recording)
