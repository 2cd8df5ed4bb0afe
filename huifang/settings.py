"""The composed settings of the whole system, validated once at start-up."""

from dataclasses import dataclass

from pydantic import ValidationError

from callbacks.config import (
    CallbackSettings,
    SettingsError,
    get_callback_settings,
    load_callback_settings,
)
from core_ledger.config import LedgerSettings, get_ledger_settings
from core_ledger.feed.config import FeedSettings, get_feed_settings
from ivr.asr.config import AsrSettings, get_asr_settings
from ivr.config import IvrSettings, get_ivr_settings
from kernel.clock import centre_tz
from kernel.config import KernelSettings, get_kernel_settings
from kernel.crypto import KeyringMissing, get_keyring
from scoring.config import ScoringSettings, get_scoring_settings


class StartupError(SystemExit):
    """A setting is wrong: say which, and stop."""


@dataclass(frozen=True)
class Settings:
    kernel: KernelSettings
    ivr: IvrSettings
    callbacks: CallbackSettings
    scoring: ScoringSettings
    ledger: LedgerSettings
    asr: AsrSettings
    feed: FeedSettings


def load_settings() -> Settings:
    """Read and check every package's settings; stop with a message naming a bad variable."""
    try:
        settings = Settings(
            kernel=get_kernel_settings(),
            ivr=get_ivr_settings(),
            callbacks=load_callback_settings(),
            scoring=get_scoring_settings(),
            ledger=get_ledger_settings(),
            asr=get_asr_settings(),
            feed=get_feed_settings(),
        )
        if settings.kernel.environment == "production":
            get_keyring()  # production never starts without its key (it never makes one)
        return settings
    except KeyringMissing as error:
        raise StartupError(f"配置错误 / bad setting: {error}") from error
    except ValidationError as error:
        raise StartupError(describe(error)) from error
    except (SettingsError, ValueError) as error:
        raise StartupError(f"配置错误 / bad setting: {error}") from error


def describe(error: ValidationError) -> str:
    """One line per bad variable, named as the operator sets it."""
    lines = []
    for problem in error.errors():
        name = "_".join(str(part) for part in problem["loc"]).upper()
        # A setting read under an alias (HUIFANG_MIN_PEOPLE) is already named in full.
        variable = (
            name if name.startswith("HUIFANG_") else f"HUIFANG_{name}" if name else "settings"
        )
        got = f" (got {problem['input']!r})" if not isinstance(problem["input"], dict) else ""
        lines.append(f"配置错误 / bad setting: {variable}: {problem['msg']}{got}")
    return "\n".join(lines)


def clear_caches() -> None:
    """Forget cached settings (tests, and the demo after it changes the environment)."""
    for getter in (
        get_kernel_settings,
        get_ivr_settings,
        get_callback_settings,
        get_scoring_settings,
        get_ledger_settings,
        get_asr_settings,
        get_feed_settings,
        get_keyring,
        centre_tz,
    ):
        getter.cache_clear()
