"""Fixtures of the voice tests: keypad only or spoken answers, and recordings Twilio serves."""

from collections.abc import Iterator

import pytest

from huifang.settings import clear_caches
from ivr.asr.config import get_asr_settings
from tests.conftest import serve_in_thread
from tests.ivr.voice.support import RecordingServer, set_speech
from twilio_emulator import EmulatorConfig, create_emulator_app


@pytest.fixture
def keypad_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    set_speech(monkeypatch, "off")
    yield
    get_asr_settings.cache_clear()


@pytest.fixture
def speech_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    set_speech(monkeypatch, "vosk")
    yield
    get_asr_settings.cache_clear()


@pytest.fixture
def recording_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingServer]:
    """The emulator listening, and our Twilio API base URL pointed at it."""
    app = create_emulator_app(EmulatorConfig())
    server = serve_in_thread(app)
    monkeypatch.setenv("HUIFANG_TWILIO_API_BASE_URL", server.url)
    clear_caches()
    yield RecordingServer(url=server.url, app=app)
    server.stop()
    clear_caches()
