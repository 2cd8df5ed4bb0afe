"""Settings of the local Twilio emulator (env prefix HUIFANG_)."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from twilio_emulator import clips


class EmulatorConfig(BaseSettings):
    """Everything the emulator needs: credentials, its own URL, pace, people and clips."""

    model_config = SettingsConfigDict(env_prefix="HUIFANG_", extra="ignore")

    twilio_account_sid: str = "AC1f0e6c0d6f3a4b2c9e8d7a6b5c4d3e2f"
    twilio_auth_token: str = "5e1f0a7c9b3d4e2f8a6c0b1d3e5f7a9c"
    emulator_public_url: str = "http://127.0.0.1:8020"
    emulator_speed: float = 0.01
    emulator_seed: int | None = None
    emulator_people_file: Path | None = None
    emulator_sms_url: str = "http://127.0.0.1:8000/twilio/sms/inbound"
    emulator_clips_dir: Path = clips.DIRECTORY
    # Twilio waits 15 s for a webhook answer before it gives up.
    emulator_webhook_timeout: float = 15.0
