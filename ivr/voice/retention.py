"""Retention of call recordings (保存期限): audio and transcripts deleted when they fall due.

The audio of a call goes after HUIFANG_RETAIN_RECORDINGS_DAYS (180 by default), its transcript
after HUIFANG_RETAIN_TRANSCRIPTS_DAYS (1095); the row stays, with when each part went, so the
case history still says a recording existed. The purge runs in the worker's reconciler, in
batches, and is idempotent: what it cleared it never counts again, and a second pass finds
nothing. After the purge the provider's address is forgotten too, so nothing can fetch it back.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from ivr.config import IvrSettings, get_ivr_settings
from ivr.voice.models import VoiceRecording
from kernel.clock import utcnow
from kernel.columns import rowcount

BATCH = 500


@dataclass(frozen=True)
class Purged:
    """What one purge cleared."""

    recordings: int = 0
    transcripts: int = 0


def purge_expired(
    session: Session,
    *,
    now: datetime | None = None,
    settings: IvrSettings | None = None,
    batch: int = BATCH,
) -> Purged:
    """Delete the audio and transcripts past their retention, up to `batch` of each."""
    now = now or utcnow()
    settings = settings or get_ivr_settings()
    audio_due = now - timedelta(days=settings.retain_recordings_days)
    text_due = now - timedelta(days=settings.retain_transcripts_days)
    audio_ids = _due(session, before=audio_due, purged=col(VoiceRecording.audio_purged_at), n=batch)
    text_ids = _due(
        session, before=text_due, purged=col(VoiceRecording.transcript_purged_at), n=batch
    )
    recordings = transcripts = 0
    if audio_ids:
        recordings = rowcount(
            session.execute(
                update(VoiceRecording)
                .where(col(VoiceRecording.id).in_(audio_ids))
                .where(col(VoiceRecording.audio_purged_at).is_(None))
                .values(audio=None, recording_url="", audio_purged_at=now)
            )
        )
    if text_ids:
        transcripts = rowcount(
            session.execute(
                update(VoiceRecording)
                .where(col(VoiceRecording.id).in_(text_ids))
                .where(col(VoiceRecording.transcript_purged_at).is_(None))
                .values(transcript=None, transcript_purged_at=now)
            )
        )
    return Purged(recordings=recordings, transcripts=transcripts)


def _due(session: Session, *, before: datetime, purged: object, n: int) -> list[int]:
    query = (
        select(VoiceRecording.id)
        .where(col(VoiceRecording.created_at) < before)
        .where(purged.is_(None))  # type: ignore[attr-defined]
        .order_by(col(VoiceRecording.id))
        .limit(n)
    )
    return [i for i in session.exec(query) if i is not None]


def retention_counts(session: Session) -> dict[str, int]:
    """Figures for the metrics: recordings held, and how many audio/transcripts were purged."""
    held = select(func.count()).where(col(VoiceRecording.audio).is_not(None))
    audio = select(func.count()).where(col(VoiceRecording.audio_purged_at).is_not(None))
    text = select(func.count()).where(col(VoiceRecording.transcript_purged_at).is_not(None))
    return {
        "recordings_held": session.exec(held).one(),
        "recordings_purged": session.exec(audio).one(),
        "transcripts_purged": session.exec(text).one(),
    }
