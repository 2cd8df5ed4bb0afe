"""Point 7 of issue 15: recordings that appear late or never, Twilio's regional media hosts,
and the provider's copy deleted once we hold the audio and its transcript."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from callbacks.models import TaskStatus
from huifang.settings import clear_caches
from ivr.config import IvrSettings
from ivr.twilio.client import RecordingUnavailable, trusted_recording_url
from ivr.voice.jobs import ABSENT, transcribe_recording
from ivr.voice.models import TranscriptStatus, VoiceRecording
from ivr.voice.provider_copy import delete_held_recordings
from kernel.clock import utcnow
from tests.conftest import Bind, Stack
from tests.ivr.twilio.support import account_stats, place, set_account, settled, use_settings
from tests.ivr.voice.support import set_speech

SUGGESTION = {"inputs": ["1", "1", "2", "1", "1", {"speech": "manyi.wav", "press": "#"}]}


@pytest.fixture
def twilio(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    set_speech(monkeypatch, "vosk")  # keys answer the questions; the suggestion is spoken
    use_settings(monkeypatch, recording_fetch_wait_seconds="0")
    yield stack
    clear_caches()


def _suggestion(engine: Bind, task_id: int) -> VoiceRecording:
    with Session(engine) as session:
        query = select(VoiceRecording).where(VoiceRecording.task_id == task_id)
        return session.exec(query).one()


def test_a_late_recording_is_fetched_again_then_held_and_deleted_at_twilio(
    twilio: Stack, engine: Bind
) -> None:
    set_account(twilio, recording_late_fetches=1)
    task_id = place(twilio, engine, "+8613800000501", SUGGESTION)
    settled(twilio, engine, task_id, lambda t: t.status == TaskStatus.completed)
    recording = _suggestion(engine, task_id)
    with pytest.raises(RecordingUnavailable) as late:
        transcribe_recording(recording.id or 0)  # 404: not there yet; RQ asks again
    assert not late.value.permanent
    assert _suggestion(engine, task_id).status == TranscriptStatus.pending
    assert transcribe_recording(recording.id or 0) is not None
    held = _suggestion(engine, task_id)
    assert held.status == TranscriptStatus.done and held.audio is not None
    assert held.provider_deleted_at is not None
    assert account_stats(twilio)["recordings_deleted"] == [held.recording_sid]
    assert delete_held_recordings() == 0  # once


def test_an_absent_recording_is_given_up_after_a_while_and_the_survey_stands(
    twilio: Stack, engine: Bind
) -> None:
    set_account(twilio, recordings_absent=True)  # too short or silent: Twilio kept nothing
    task_id = place(twilio, engine, "+8613800000502", SUGGESTION)
    settled(twilio, engine, task_id, lambda t: t.status == TaskStatus.completed)
    recording = _suggestion(engine, task_id)
    with pytest.raises(RecordingUnavailable):
        transcribe_recording(recording.id or 0)
    with Session(engine) as session:
        row = session.get(VoiceRecording, recording.id)
        assert row is not None
        row.created_at = utcnow() - timedelta(hours=2)
        session.add(row)
        session.commit()
    assert transcribe_recording(recording.id or 0) is None
    failed = _suggestion(engine, task_id)
    assert (failed.status, failed.error) == (TranscriptStatus.failed, ABSENT)
    assert failed.provider_deleted_at is None and account_stats(twilio)["recordings_deleted"] == []


def test_with_the_setting_off_twilio_keeps_its_copy(
    twilio: Stack, engine: Bind, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, delete_recordings_at_provider="false")
    task_id = place(twilio, engine, "+8613800000503", SUGGESTION)
    settled(twilio, engine, task_id, lambda t: t.status == TaskStatus.completed)
    assert transcribe_recording(_suggestion(engine, task_id).id or 0) is not None
    assert delete_held_recordings() == 0
    assert account_stats(twilio)["recordings_deleted"] == []


REAL = IvrSettings(twilio_account_sid="AC" + "1" * 32, twilio_auth_token="x" * 32)
PATH = "/2010-04-01/Accounts/AC" + "1" * 32 + "/Recordings/RE" + "2" * 32


@pytest.mark.parametrize(
    ("url", "trusted"),
    [
        (f"https://api.twilio.com{PATH}", True),
        (f"https://api.dublin.ie1.twilio.com{PATH}", True),
        (f"https://api.sydney.au1.twilio.com{PATH}", True),
        (f"http://api.dublin.ie1.twilio.com{PATH}", False),  # never over plain http
        (f"https://api.twilio.com.evil.example{PATH}", False),
        (f"https://media.example.com{PATH}", False),
        ("https://api.dublin.ie1.twilio.com/2010-04-01/Accounts/ACother/Recordings/RE1", False),
    ],
)
def test_regional_media_hosts_are_trusted_and_nothing_else(url: str, trusted: bool) -> None:
    assert trusted_recording_url(REAL, url) is trusted
