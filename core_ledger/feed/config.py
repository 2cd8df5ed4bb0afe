"""Settings of the core-system feed (env prefix HUIFANG_)."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class FeedSettings(BaseSettings):
    """HUIFANG_FEED_MAX_AGE_DAYS: how old a fed record may be and still get its callback."""

    model_config = SettingsConfigDict(env_prefix="HUIFANG_", extra="ignore")

    # A callback weeks after the visit asks about something the person has forgotten; older
    # records are refused rather than called.
    feed_max_age_days: int = Field(default=30, ge=1, le=3650)
    # What the feed calls the sender when none is named (idempotency is per source).
    feed_default_source: str = Field(default="core", min_length=1, max_length=32)


@lru_cache
def get_feed_settings() -> FeedSettings:
    """The process-wide feed settings; tests clear the cache after patching."""
    return FeedSettings()
