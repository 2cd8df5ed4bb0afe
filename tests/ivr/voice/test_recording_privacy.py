"""Recordings: held sealed once fetched, heard only through an audited route, purged when due."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client import generate_latest
from sqlalchemy import text
from sqlmodel import Session, select

from huifang.ops import registry
from huifang.settings import clear_caches
from huifang.worker import purge_recordings
from ivr.voice.models import RecordingPurpose, VoiceRecording
from ivr.voice.provider_copy import delete_held_recordings
from ivr.voice.retention import purge_expired, retention_counts
from ivr.voice.service import store_recording
from kernel.audit import AuditEvent
from tests.callbacks.factories import business, start
from tests.conftest import Bind, make_user, serve_in_thread
from tests.ivr.voice.support import RecordingServer
from twilio_emulator import EmulatorConfig, create_emulator_app

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def recording_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingServer]:
    """The emulator serving recordings, and our Twilio API base URL pointed at it."""
    app = create_emulator_app(EmulatorConfig())
    server = serve_in_thread(app)
    monkeypatch.setenv("HUIFANG_TWILIO_API_BASE_URL", server.url)
    clear_caches()
    yield RecordingServer(url=server.url, app=app)
    server.stop()
    clear_caches()


def _recording(engine: Bind, params: dict[str, str], phone: str, *, made: datetime) -> int:
    with Session(engine) as session:
        (task,) = business(session, at=made, phone=phone)
        attempt = start(session, task)
        recording, _ = store_recording(
            session,
            attempt_id=attempt.id or 0,
            call_sid=attempt.provider_sid or "",
            purpose=RecordingPurpose.suggestion,
            question=None,
            recording_sid=params["RecordingSid"],
            recording_url=params["RecordingUrl"],
            duration_s=2,
            transcript="希望多开一个窗口",
            confidence=0.9,
        )
        recording.created_at = made
        session.add(recording)
        session.commit()
        return recording.id or 0


def _bearer(client: TestClient, engine: Bind, role: str) -> dict[str, str]:
    password = make_user(engine, username=role, role=role)
    answer = client.post("/api/auth/token", data={"username": role, "password": password})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_an_operator_hears_a_recording_with_a_reason_and_the_audio_is_then_held_sealed(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    recording_id = _recording(engine, recording_server.add("manyi.wav"), "+8613811120001", made=NOW)
    url = f"/api/recordings/{recording_id}/audio"
    assert client.get(url, params={"reason": "核实"}).status_code == 401
    teller = _bearer(client, engine, "teller")
    assert client.get(url, params={"reason": "核实"}, headers=teller).status_code == 403
    operator = _bearer(client, engine, "operator")
    no_reason = client.get(url, headers=operator)
    assert no_reason.status_code == 422 and "收听录音的原因" in no_reason.json()["detail"]
    heard = client.get(url, params={"reason": "核实工单 7"}, headers=operator)
    assert heard.status_code == 200 and heard.content[:4] == b"RIFF"
    assert "no-store" in heard.headers["cache-control"]
    with Session(engine) as session:
        raw = session.execute(
            text("select audio from voice_recording where id = :id"), {"id": recording_id}
        ).scalar_one()
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "play_recording"))
        seen = [(e.actor, e.subject, e.reason) for e in events]
    assert bytes(raw).startswith(b"hf1$") and b"RIFF" not in bytes(raw)  # sealed at rest
    assert seen == [("operator", f"voice_recording:{recording_id}", "核实工单 7")]
    recording_server.app.state.emulator.store.recordings.clear()  # type: ignore[attr-defined]
    again = client.get(url, params={"reason": "复核"}, headers=operator)
    assert again.status_code == 200 and again.content == heard.content  # our sealed copy
    assert (
        client.get(
            "/api/recordings/999999/audio", params={"reason": "x"}, headers=operator
        ).status_code
        == 404
    )


def test_the_purge_deletes_what_is_due_once_and_counts_it(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    old = _recording(
        engine, recording_server.add("manyi.wav"), "+8613811120002", made=NOW - timedelta(days=200)
    )
    older = _recording(
        engine, recording_server.add("manyi.wav"), "+8613811120003", made=NOW - timedelta(days=1100)
    )
    fresh = _recording(
        engine, recording_server.add("manyi.wav"), "+8613811120004", made=NOW - timedelta(days=3)
    )
    with Session(engine) as session:
        for recording in session.exec(select(VoiceRecording)):
            recording.audio = b"RIFF-held-audio"
            session.add(recording)
        session.commit()
        first = purge_expired(session, now=NOW)
        session.commit()
        second = purge_expired(session, now=NOW)
        session.commit()
        assert (first.recordings, first.transcripts) == (2, 1)
        assert (second.recordings, second.transcripts) == (0, 0)  # idempotent
        rows = {r.id: r for r in session.exec(select(VoiceRecording))}
        assert rows[old].audio is None and rows[old].transcript == "希望多开一个窗口"
        assert rows[old].recording_url == ""  # nothing can fetch it back from the provider
        assert rows[older].audio is None and rows[older].transcript is None
        assert rows[fresh].audio == b"RIFF-held-audio" and rows[fresh].audio_purged_at is None
        assert retention_counts(session) == {
            "recordings_held": 1,
            "recordings_purged": 2,
            "transcripts_purged": 1,
        }
    # The provider's copy goes: of the two retention deleted, and of the one we hold.
    store = recording_server.app.state.emulator.store  # type: ignore[attr-defined]
    before = len(store.recordings)
    assert delete_held_recordings() == 3 and len(store.recordings) == before - 3
    assert delete_held_recordings() == 0
    scraped = generate_latest(registry()).decode()  # what /metrics serves
    assert "huifang_recordings_purged 2.0" in scraped
    assert "huifang_transcripts_purged 1.0" in scraped
    operator = _bearer(client, engine, "operator")
    gone = client.get(f"/api/recordings/{old}/audio", params={"reason": "复核"}, headers=operator)
    assert gone.status_code == 410 and "超过保存期限（180 天）" in gone.json()["detail"]


def test_the_worker_purge_reads_the_retention_settings(
    engine: Bind, recording_server: RecordingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    _recording(
        engine, recording_server.add("manyi.wav"), "+8613811120005", made=now - timedelta(days=20)
    )
    assert purge_recordings() == {"purged_recordings": 0, "purged_transcripts": 0}
    monkeypatch.setenv("HUIFANG_RETAIN_RECORDINGS_DAYS", "10")
    clear_caches()
    assert purge_recordings() == {"purged_recordings": 1, "purged_transcripts": 0}
    assert purge_recordings() == {"purged_recordings": 0, "purged_transcripts": 0}
