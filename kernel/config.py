"""Settings every layer shares: where the database and Redis are, and the centre's zone."""

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class KernelSettings(BaseSettings):
    """HUIFANG_DATABASE_URL, HUIFANG_REDIS_URL, HUIFANG_TIMEZONE, HUIFANG_VAR_DIR, keys.

    HUIFANG_KEYS (the key ring as JSON) or HUIFANG_KEY_FILE (a file holding it) encrypt personal
    data at rest (kernel.crypto); HUIFANG_ENVIRONMENT=production refuses to make a key itself.
    """

    model_config = SettingsConfigDict(env_prefix="HUIFANG_", extra="ignore")

    var_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str = ""
    timezone: str = "Asia/Shanghai"
    queue_name: str = "callbacks"
    environment: str = "development"  # development | demo | test | production
    keys: str = ""
    key_file: Path | None = None
    log_format: Literal["json", "text"] = "json"  # one JSON object a line (kernel.logs)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Shanghai)") from error
        return value

    def cookies_secure(self, scheme: str) -> bool:
        """Whether cookies carry Secure: over https, and always in production (behind a proxy
        that does not say it terminated TLS, the request still looks like plain http)."""
        return scheme == "https" or self.environment == "production"

    def effective_database_url(self) -> str:
        """The configured database, or an SQLite file under the var dir."""
        return self.database_url or f"sqlite:///{self.var_dir.resolve() / 'huifang.db'}"


@lru_cache
def get_kernel_settings() -> KernelSettings:
    """The process's kernel settings, read once."""
    return KernelSettings()
