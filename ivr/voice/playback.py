"""Listening to a call recording (通话录音) from a page: the audio fetched here, never linked.

Only Twilio's RecordingUrl is stored; the audio stays with the provider. A page asks this module
for the WAV, which fetches it with the account credentials (ivr.twilio.client) so that the
browser never sees the provider's address or our credentials, and every listen goes through an
authenticated, audited route of ours.
"""

import logging

from sqlmodel import Session

from ivr.config import get_ivr_settings
from ivr.twilio.client import RecordingUnavailable, fetch_recording
from ivr.voice.models import RecordingPurpose, TranscriptStatus, VoiceRecording
from kernel.errors import DomainError, NotFound

log = logging.getLogger(__name__)

PURPOSE_LABELS = {
    RecordingPurpose.answer: "口头回答",
    RecordingPurpose.reason: "不满意原因",
    RecordingPurpose.suggestion: "意见建议",
}
TRANSCRIPT_STATUS_LABELS = {
    TranscriptStatus.pending: "转写中",
    TranscriptStatus.done: "已转写",
    TranscriptStatus.failed: "无法转写",
}


class AudioUnavailable(DomainError):
    """The provider would not give us the audio just now (or ever)."""

    status_code = 502
    code = "audio_unavailable"


def recording_of_task(session: Session, *, task_id: int, recording_id: int) -> VoiceRecording:
    """A task's recording; another task's recording is not found from here."""
    recording = session.get(VoiceRecording, recording_id)
    if recording is None or recording.task_id != task_id:
        raise NotFound(f"本工单没有第 {recording_id} 号录音")
    return recording


def audio_of(recording: VoiceRecording) -> bytes:
    """The recording's WAV, fetched from the provider now."""
    try:
        return fetch_recording(get_ivr_settings(), url=recording.recording_url)
    except RecordingUnavailable as error:
        # The provider's address and status stay in the log, not on the operator's page.
        log.warning("recording %s unavailable: %s", recording.id, error)
        raise AudioUnavailable("暂时无法取得录音，请稍后再试") from error
