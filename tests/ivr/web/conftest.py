"""Web survey tests: one call before the SMS survey, and fresh rate-limit budgets."""

from collections.abc import Iterator

import pytest
from redis import Redis

from huifang.settings import clear_caches


@pytest.fixture(autouse=True)
def one_call_then_sms(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tasks go to the SMS survey after one unanswered call."""
    monkeypatch.setenv("HUIFANG_VOICE_ATTEMPTS", "1")
    clear_caches()
    yield
    monkeypatch.delenv("HUIFANG_VOICE_ATTEMPTS")
    clear_caches()


@pytest.fixture(autouse=True)
def fresh_budgets(redis: Redis) -> None:
    """Each test starts with untouched per-minute budgets (the keys live one minute)."""
    for key in redis.scan_iter("huifang:web-survey:*"):
        redis.delete(key)
