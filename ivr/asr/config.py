"""Speech-recognition settings (语音识别配置), all under the HUIFANG_ prefix."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MODEL_NAME = "vosk-model-small-cn-0.22"


class AsrSettings(BaseSettings):
    """Where the Vosk model lives, whether to use it, and how sure it must be."""

    model_config = SettingsConfigDict(env_prefix="HUIFANG_", extra="ignore")

    # None means "vosk when the model is present": a fresh checkout still serves keypad answers.
    asr: Literal["vosk", "off"] | None = None
    vosk_model_path: Path | None = None
    # Measured on the phone-line clips: right answers score >= 0.78 per word, [unk]-padded
    # noise and mumbles fall below; see bench/asr.py and the report in ivr/asr/__init__.py.
    asr_min_confidence: float = Field(default=0.6, ge=0.0, le=1.0)
    models_dir: Path = Path("var/models")

    @property
    def model_dir(self) -> Path:
        """The model directory to load: VOSK_MODEL_PATH as-is, else the fetched model."""
        return self.vosk_model_path or self.models_dir / MODEL_NAME

    @property
    def enabled(self) -> bool:
        """Whether answers are decoded by speech at all."""
        if self.asr is None:
            return self.model_dir.is_dir()
        return self.asr == "vosk"


@lru_cache
def get_asr_settings() -> AsrSettings:
    """The process's ASR settings, read once; tests call get_asr_settings.cache_clear()."""
    return AsrSettings()
