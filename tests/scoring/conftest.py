"""Fixtures of the ranking tests."""

from collections.abc import Iterator

import pytest

from scoring.config import get_scoring_settings


@pytest.fixture
def no_shrinkage(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Rank by the raw score, as with HUIFANG_SHRINK_SMALL_SAMPLES=false."""
    monkeypatch.setenv("HUIFANG_SHRINK_SMALL_SAMPLES", "false")
    get_scoring_settings.cache_clear()
    yield
    monkeypatch.delenv("HUIFANG_SHRINK_SMALL_SAMPLES")
    get_scoring_settings.cache_clear()
