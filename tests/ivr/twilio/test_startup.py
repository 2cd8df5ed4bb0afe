"""Point 10 of issue 15: start-up refuses a From number Twilio cannot use for +86, saying why."""

import pytest
import typer

from huifang.cli import require_twilio_ready
from huifang.settings import clear_caches
from ivr.config import get_ivr_settings
from ivr.twilio.startup import from_number_problems
from tests.conftest import Stack
from tests.ivr.twilio.support import set_account, use_settings


def test_a_chinese_from_number_is_refused_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HUIFANG_TWILIO_FROM_NUMBER", "+8657112329")
    monkeypatch.setenv("HUIFANG_TWILIO_CHECK_FROM_AT_STARTUP", "true")
    clear_caches()
    with pytest.raises(typer.Exit):
        require_twilio_ready()
    said = capsys.readouterr().out.replace("\n", "")
    assert "HUIFANG_TWILIO_FROM_NUMBER" in said and "Twilio 不提供中国大陆（+86）号码" in said
    clear_caches()


def test_a_from_number_the_account_does_not_own_is_refused(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_account(stack, owned_numbers=["+12025550188"])
    use_settings(monkeypatch, twilio_from_number="+12025550199")
    [problem] = from_number_problems(get_ivr_settings(), ask_account=True)
    assert "+12025550199" in problem and "21210" in problem
    use_settings(monkeypatch, twilio_from_number="+12025550188")
    assert from_number_problems(get_ivr_settings(), ask_account=True) == []
    clear_caches()


def test_the_emulators_demo_number_is_not_checked_unless_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUIFANG_TWILIO_API_BASE_URL", "http://127.0.0.1:8020")
    monkeypatch.setenv("HUIFANG_TWILIO_FROM_NUMBER", "+8657112329")
    clear_caches()
    require_twilio_ready()  # the emulator: the demo's +86 number is fine
    clear_caches()
