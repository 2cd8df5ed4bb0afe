"""Call recordings (通话录音) kept for operators: the audio reference beside what was said."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from kernel.clock import utcnow
from kernel.columns import utc_timestamp
from kernel.crypto import EncryptedBytes


class RecordingPurpose(StrEnum):
    answer = "answer"  # a spoken answer to a rating or yes/no question, decoded in the call
    reason = "reason"  # why the person was 不满意 (question names which rating)
    suggestion = "suggestion"  # 意见建议 at the end of the survey


class TranscriptStatus(StrEnum):
    pending = "pending"  # waiting for the transcription job
    done = "done"
    failed = "failed"  # the audio could not be fetched or read; error says why


class VoiceRecording(SQLModel, table=True):
    """One Twilio recording of a survey call, with its transcript once decoded."""

    __tablename__ = "voice_recording"
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="callback_task.id", index=True)
    attempt_id: int = Field(foreign_key="call_attempt.id", index=True)
    call_sid: str = Field(max_length=64)
    purpose: RecordingPurpose = Field(sa_type=String(12))
    question: str | None = Field(default=None, max_length=20)
    recording_sid: str = Field(max_length=64, unique=True)
    recording_url: str = Field(max_length=500)
    duration_s: int = 0
    status: TranscriptStatus = Field(default=TranscriptStatus.pending, sa_type=String(8))
    transcript: str | None = Field(default=None, max_length=4000)
    confidence: float | None = None
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = utc_timestamp(default_factory=utcnow)
    transcribed_at: datetime | None = utc_timestamp(default=None)
    # The audio once we hold it, sealed (kernel.crypto); operators hear it only through the
    # audited /api/recordings/{id}/audio, never a provider URL. Retention (ivr.voice.retention)
    # deletes it after HUIFANG_RETAIN_RECORDINGS_DAYS and the transcript after
    # HUIFANG_RETAIN_TRANSCRIPTS_DAYS, and says when.
    audio: bytes | None = Field(default=None, sa_type=EncryptedBytes("voice_recording.audio"))
    audio_fetched_at: datetime | None = utc_timestamp(default=None)
    audio_purged_at: datetime | None = utc_timestamp(default=None)
    transcript_purged_at: datetime | None = utc_timestamp(default=None)
    # When the provider's copy was deleted (we hold the audio and its transcript): no voice
    # stays with the provider (HUIFANG_DELETE_RECORDINGS_AT_PROVIDER).
    provider_deleted_at: datetime | None = utc_timestamp(default=None)
