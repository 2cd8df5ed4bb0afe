"""Listening to a call recording (通话录音) from a page: the audio served here, never linked.

Once fetched (by the transcription job, or the first listen) the audio is held sealed at rest in
`voice_recording.audio` and the provider's copy can go; until then it is fetched from the
provider with the account credentials (ivr.twilio.client) so that the browser never sees the
provider's address or our credentials. Every listen goes through an authenticated, audited route
of ours: the case page's, or GET /api/recordings/{id}/audio. Past its retention the audio is
gone (ivr.voice.retention), and the route says so.
"""

import logging
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlmodel import Session

from ivr.config import get_ivr_settings
from ivr.twilio.client import RecordingUnavailable, fetch_recording
from ivr.voice.models import RecordingPurpose, TranscriptStatus, VoiceRecording
from kernel.audit import AuditAction, record_audit
from kernel.auth import Capability, User, require
from kernel.clock import utcnow
from kernel.db import SessionDep
from kernel.errors import DomainError, Invalid, NotFound

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


class AudioPurged(DomainError):
    """The audio was deleted when its retention ran out."""

    status_code = 410
    code = "audio_purged"


def audio_of(recording: VoiceRecording) -> bytes:
    """The recording's WAV: the copy we hold, or fetched from the provider now (then held)."""
    if recording.audio_purged_at is not None:
        days = get_ivr_settings().retain_recordings_days
        raise AudioPurged(f"该录音已超过保存期限（{days} 天）并已删除，只保留转写文字和回答")
    if recording.audio is not None:
        return recording.audio
    try:
        audio = fetch_recording(get_ivr_settings(), url=recording.recording_url)
    except RecordingUnavailable as error:
        # The provider's address and status stay in the log, not on the operator's page.
        log.warning("recording %s unavailable: %s", recording.id, error)
        raise AudioUnavailable("暂时无法取得录音，请稍后再试") from error
    recording.audio, recording.audio_fetched_at = audio, utcnow()  # the caller's session keeps it
    return audio


api_router = APIRouter(prefix="/api/recordings", tags=["recordings"])
CaseWorker = Annotated[User, Depends(require(Capability.work_cases))]


@api_router.get("/{recording_id}/audio")
def recording_audio(
    recording_id: int, session: SessionDep, user: CaseWorker, reason: str = ""
) -> Response:
    """A recording's audio for an operator; who listened, and why, goes in the audit log."""
    if not reason.strip():
        raise Invalid("请填写收听录音的原因（reason），例如：核实工单 12")
    recording = session.get(VoiceRecording, recording_id)
    if recording is None:
        raise NotFound(f"没有第 {recording_id} 号录音")
    audio = audio_of(recording)
    record_audit(
        session,
        actor=user.username,
        action=AuditAction.play_recording,
        subject=f"voice_recording:{recording_id}",
        reason=reason.strip()[:500],
    )
    return Response(
        audio,
        media_type="audio/wav",
        headers={"Cache-Control": "no-store, private", "Content-Disposition": "inline"},
    )


class RangeNotSatisfiable(DomainError):
    """A Range header outside the audio."""

    status_code = 416
    code = "range_not_satisfiable"


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) bytes a player asked for (Range: bytes=a-b), or None for all of it.

    Browsers ask for ranges to seek within a recording; one range is all they ask for, and
    anything we cannot read is answered with the whole file, as a server may.
    """
    match = _RANGE.match((header or "").strip())
    if match is None or (not match[1] and not match[2]):
        return None
    if not match[1]:  # the last n bytes
        return max(0, size - int(match[2])), size - 1
    first = int(match[1])
    last = min(int(match[2]), size - 1) if match[2] else size - 1
    if first >= size or last < first:
        raise RangeNotSatisfiable(f"请求的录音范围超出录音长度（{size} 字节）")
    return first, last
