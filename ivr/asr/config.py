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
    # Min word confidence to accept an answer. Measured on the 8 phone-line clips with white
    # noise (8 seeds x SNR 5..-10 dB, 384 decodes): clean and 5 dB answers all score 1.0;
    # at 0.7, 220 right / 9 wrong are accepted (0.5: 237 / 10; 0.9: 191 / 4). Below 0.7 an
    # answer is a coin toss between re-asking and mishearing, so we re-ask.
    asr_min_confidence: float = Field(default=0.7, ge=0.0, le=1.0)
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
