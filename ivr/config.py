"""Twilio and survey settings (HUIFANG_ prefix). Defaults point at the local emulator."""

from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import Depends
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The emulator's development account: not a secret, never valid at Twilio.
DEV_ACCOUNT_SID = "AC1f0e6c0d6f3a4b2c9e8d7a6b5c4d3e2f"
DEV_AUTH_TOKEN = "5e1f0a7c9b3d4e2f8a6c0b1d3e5f7a9c"
# Signs the web survey links in development; production sets its own HUIFANG_LINK_SECRET.
DEV_LINK_SECRET = "huifang-dev-link-secret-not-for-production"
SurveyMode = Literal["link", "digits", "both"]


class IvrSettings(BaseSettings):
    """Where Twilio reaches us, how we reach Twilio, and how the survey sounds."""

    model_config = SettingsConfigDict(env_prefix="HUIFANG_", extra="ignore")

    public_url: str = "http://127.0.0.1:8000"
    twilio_account_sid: str = DEV_ACCOUNT_SID
    twilio_auth_token: str = DEV_AUTH_TOKEN
    twilio_from_number: str = "+8657112329"
    twilio_api_base_url: str = "https://api.twilio.com"
    # Every Twilio request gives up after this many seconds (a hung request would hold a
    # worker, and a call created by a request that timed out is found again, not doubled).
    twilio_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # Send SMS through a Messaging Service (its sender pool, opt-out handling) instead of From.
    twilio_messaging_service_sid: str | None = None
    # Delete a recording at Twilio once we hold its audio and its transcript (no voice stays
    # with the provider).
    delete_recordings_at_provider: bool = True
    # Ask the provider at start-up whether it owns the From number (default: when talking to
    # Twilio itself, not to the emulator). A +86 From is refused for Twilio whatever this says.
    twilio_check_from_at_startup: bool | None = None
    # A recording whose media is still missing this long after its call is given up (Twilio
    # deletes recordings that were too short or silent); until then it is asked for again.
    recording_give_up_minutes: int = Field(default=60, ge=1)
    voice: str = "Polly.Zhiyu"
    voice_language: str = "cmn-CN"
    centre_name: str = "住房公积金管理中心"
    sms_signature: str = "住房公积金"
    # How the SMS invitation asks: a web survey link only (one-way SMS, e.g. Chinese mobiles
    # through Twilio), digit replies only, or both (the link, and replying by digits still works).
    sms_survey_mode: SurveyMode = "both"
    link_secret: str = Field(default=DEV_LINK_SECRET, min_length=16)
    gather_timeout_seconds: int = 6
    # Spoken answers: seconds of silence that end a recorded answer (also how long we wait
    # for someone who says nothing), and the longest answer we record.
    answer_silence_seconds: int = Field(default=3, ge=1, le=10)
    answer_max_seconds: int = Field(default=8, ge=2, le=30)
    # The reason after an 不满意, and the closing suggestion (意见建议), up to a minute.
    reason_max_seconds: int = Field(default=30, ge=2, le=120)
    suggestion_max_seconds: int = Field(default=60, ge=2, le=300)
    recording_silence_seconds: int = Field(default=5, ge=1, le=10)
    # Fetching a recording from Twilio: per-request timeout, and how long to keep asking
    # while Twilio says 404 (a recording can lag its action request by a moment).
    recording_fetch_timeout_seconds: float = Field(default=3.0, gt=0)
    recording_fetch_wait_seconds: float = Field(default=2.0, ge=0)
    # Retention (PIPL: kept no longer than needed): a recording's audio for this many days
    # after the call, its transcript longer (the answers and suggestion stay with the task).
    retain_recordings_days: int = Field(default=180, ge=1, le=3650)
    retain_transcripts_days: int = Field(default=1095, ge=1, le=3650)

    def talks_to_twilio(self) -> bool:
        """Whether the API base URL is Twilio's own (not the emulator or another stand-in)."""
        host = urlsplit(self.twilio_api_base_url).hostname or ""
        return host == "twilio.com" or host.endswith(".twilio.com")

    def twilio_problems(self) -> list[str]:
        """What stops real Twilio from working with these settings (empty for the emulator)."""
        if not self.talks_to_twilio():
            return []
        problems = []
        if self.twilio_account_sid == DEV_ACCOUNT_SID:
            problems.append("HUIFANG_TWILIO_ACCOUNT_SID 仍是本地模拟器的开发账号，请设置真实账号")
        if self.twilio_auth_token == DEV_AUTH_TOKEN:
            problems.append("HUIFANG_TWILIO_AUTH_TOKEN 仍是本地模拟器的开发密钥，请设置真实密钥")
        if self.link_secret == DEV_LINK_SECRET and self.sms_survey_mode != "digits":
            problems.append("HUIFANG_LINK_SECRET 仍是开发用的链接密钥，请设置一个随机的长字符串")
        public = urlsplit(self.public_url)
        if public.hostname in (None, "localhost", "127.0.0.1", "::1", "0.0.0.0"):
            problems.append(
                f"HUIFANG_PUBLIC_URL 为 {self.public_url}，Twilio 无法访问；"
                "请设置为 Twilio 能访问到的 https 地址"
            )
        elif public.scheme != "https":
            problems.append(f"HUIFANG_PUBLIC_URL 应使用 https，收到 {self.public_url}")
        return problems

    def survey_link(self, token: str) -> str:
        """The web survey link a person opens: short, to fit one SMS with the greeting."""
        return self.public_url.rstrip("/") + f"/s/{token}"

    def webhook_url(self, path: str) -> str:
        """The absolute URL Twilio will call (and sign) for a path of ours."""
        return self.public_url.rstrip("/") + path


@lru_cache
def get_ivr_settings() -> IvrSettings:
    """The process's IVR settings, read once."""
    return IvrSettings()


IvrSettingsDep = Annotated[IvrSettings, Depends(get_ivr_settings)]
