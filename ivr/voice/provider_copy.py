"""The provider's copy of a recording: deleted once we hold the audio and its transcript.

No voice stays with the provider (PIPL: kept only where needed, by whom it is needed). The
transcription job deletes the copy as soon as both are held; the reconciler deletes what a
failed request left behind, and the spoken answers decoded during the call.
"""

import logging

from sqlalchemy import and_, or_
from sqlmodel import col, select
from twilio.base.exceptions import TwilioRestException

from ivr.config import get_ivr_settings
from ivr.twilio.client import delete_recording
from ivr.twilio.errors import PROVIDER_ERRORS
from ivr.voice.models import TranscriptStatus, VoiceRecording
from kernel.clock import utcnow
from kernel.db import session_scope

log = logging.getLogger(__name__)


def _held(recording: VoiceRecording) -> bool:
    """Whether we hold the audio and have its transcript (or know it cannot be read), or its
    retention has run out (ivr.voice.retention): then no copy may stay anywhere."""
    if recording.audio_purged_at is not None:
        return True
    return recording.audio is not None and recording.status != TranscriptStatus.pending


def delete_at_provider(recording_id: int) -> bool:
    """Delete the provider's copy of a held recording, once; True when deleted now."""
    settings = get_ivr_settings()
    if not settings.delete_recordings_at_provider:
        return False
    with session_scope() as session:
        recording = session.get(VoiceRecording, recording_id)
        if recording is None or recording.provider_deleted_at is not None or not _held(recording):
            return False
        sid = recording.recording_sid
    try:
        delete_recording(settings, recording_sid=sid)
    except TwilioRestException as error:
        if error.status != 404:  # 404: gone already (deleted, or never kept)
            log.warning("recording %s not deleted at the provider: %s", recording_id, error)
            return False
    except PROVIDER_ERRORS as error:
        log.warning("recording %s not deleted at the provider: %s", recording_id, error)
        return False
    with session_scope() as session:
        recording = session.get(VoiceRecording, recording_id)
        if recording is not None and recording.provider_deleted_at is None:
            recording.provider_deleted_at = utcnow()
            session.add(recording)
    return True


def delete_held_recordings(*, batch: int = 200) -> int:
    """The reconciler's pass: delete every held recording still at the provider; count."""
    if not get_ivr_settings().delete_recordings_at_provider:
        return 0
    with session_scope() as session:
        ids = session.exec(
            select(VoiceRecording.id)
            .where(col(VoiceRecording.provider_deleted_at).is_(None))
            .where(
                or_(
                    col(VoiceRecording.audio_purged_at).is_not(None),
                    and_(
                        col(VoiceRecording.audio).is_not(None),
                        col(VoiceRecording.status) != TranscriptStatus.pending,
                    ),
                )
            )
            .order_by(col(VoiceRecording.id))
            .limit(batch)
        ).all()
    return sum(delete_at_provider(i) for i in ids if i is not None)
