import os
from collections.abc import Iterator
from datetime import time, timedelta

import pytest

from callbacks.config import (
    CallbackSettings,
    DailyWindow,
    SettingsError,
    get_callback_settings,
    load_callback_settings,
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("HUIFANG_"):
            monkeypatch.delenv(name)
    get_callback_settings.cache_clear()
    yield
    get_callback_settings.cache_clear()


def test_defaults_match_the_documented_contract() -> None:
    settings = load_callback_settings()

    assert settings.callback_delay_minutes == 120
    assert settings.calling_windows == (
        DailyWindow(time(9), time(12)),
        DailyWindow(time(14), time(20)),
    )
    assert settings.calling_days == "workdays"
    assert settings.voice_attempts == 3
    assert settings.retry_delays_minutes == (180, 1440)
    assert settings.sms_answer_hours == 24
    assert settings.suppression_days is None
    assert settings.office_hours == (
        DailyWindow(time(9), time(12)),
        DailyWindow(time(13, 30), time(17, 30)),
    )
    assert settings.sla_verify_working_days == 1
    assert settings.sla_rectify_working_days == 5
    assert settings.sla_favour_working_hours == 4


def test_plain_env_strings_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIFANG_CALLBACK_DELAY_MINUTES", "30")
    monkeypatch.setenv("HUIFANG_CALLING_WINDOWS", "18:00-21:30, 08:30-11:00")
    monkeypatch.setenv("HUIFANG_CALLING_DAYS", "all")
    monkeypatch.setenv("HUIFANG_VOICE_ATTEMPTS", "5")
    monkeypatch.setenv("HUIFANG_RETRY_DELAYS_MINUTES", "60")
    monkeypatch.setenv("HUIFANG_SMS_ANSWER_HOURS", "48")
    monkeypatch.setenv("HUIFANG_SUPPRESSION_DAYS", "30")
    monkeypatch.setenv("HUIFANG_OFFICE_HOURS", "08:30-17:00")
    monkeypatch.setenv("HUIFANG_SLA_FAVOUR_WORKING_HOURS", "2")

    settings = load_callback_settings()

    assert settings.callback_delay_minutes == 30
    # Written out of order, kept in the order of the day.
    assert settings.calling_windows == (
        DailyWindow(time(8, 30), time(11)),
        DailyWindow(time(18), time(21, 30)),
    )
    assert settings.calling_days == "all"
    assert settings.voice_attempts == 5
    assert settings.retry_delays_minutes == (60,)
    assert settings.sms_answer_hours == 48
    assert settings.suppression_days == 30
    assert settings.office_hours == (DailyWindow(time(8, 30), time(17)),)
    assert settings.sla_favour_working_hours == 2


def test_all_day_window_runs_to_midnight(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIFANG_CALLING_WINDOWS", "00:00-24:00")

    (window,) = load_callback_settings().calling_windows

    assert window.label == "00:00-24:00"
    assert window.length == timedelta(hours=24)


def test_windows_may_touch_and_run_to_midnight(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIFANG_CALLING_WINDOWS", "20:00-24:00,00:00-02:00,18:00-20:00")

    windows = load_callback_settings().calling_windows

    assert [w.label for w in windows] == ["00:00-02:00", "18:00-20:00", "20:00-24:00"]


def test_empty_suppression_days_means_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIFANG_SUPPRESSION_DAYS", "")

    assert load_callback_settings().suppression_days is None


def test_last_retry_delay_repeats_when_attempts_outnumber_delays() -> None:
    settings = CallbackSettings(voice_attempts=5, retry_delays_minutes="180,1440")

    delays = [settings.retry_delay(attempt=n) for n in range(2, 6)]

    assert delays == [timedelta(minutes=m) for m in (180, 1440, 1440, 1440)]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("HUIFANG_CALLING_WINDOWS", "25:00-26:00", "'25:00-26:00' is not a time range"),
        ("HUIFANG_CALLING_WINDOWS", "abc", "'abc' is not a time range like 09:00-12:00"),
        ("HUIFANG_CALLING_WINDOWS", "09:00-24:30", "'09:00-24:30' is not a time range"),
        ("HUIFANG_CALLING_WINDOWS", "09:60-10:00", "'09:60-10:00' is not a time range"),
        ("HUIFANG_CALLING_WINDOWS", "09:00-12:00,11:00-13:00", "'09:00-12:00' overlaps"),
        ("HUIFANG_CALLING_WINDOWS", "22:00-02:00", "'22:00-02:00' does not end after"),
        ("HUIFANG_CALLING_WINDOWS", ",", "names no time range"),
        ("HUIFANG_OFFICE_HOURS", "9-17", "'9-17' is not a time range"),
        ("HUIFANG_CALLING_DAYS", "sometimes", "'sometimes'"),
        ("HUIFANG_VOICE_ATTEMPTS", "0", "'0'"),
        ("HUIFANG_VOICE_ATTEMPTS", "abc", "'abc'"),
        ("HUIFANG_RETRY_DELAYS_MINUTES", "180,-5", "'-5' is not a whole number of minutes"),
        ("HUIFANG_RETRY_DELAYS_MINUTES", "3h", "'3h' is not a whole number of minutes"),
        ("HUIFANG_CALLBACK_DELAY_MINUTES", "-1", "'-1'"),
        ("HUIFANG_SMS_ANSWER_HOURS", "0", "'0'"),
        ("HUIFANG_SUPPRESSION_DAYS", "0", "'0'"),
        ("HUIFANG_SLA_VERIFY_WORKING_DAYS", "none", "'none'"),
        ("HUIFANG_SLA_RECTIFY_WORKING_DAYS", "0", "'0'"),
        ("HUIFANG_SLA_FAVOUR_WORKING_HOURS", "-4", "'-4'"),
    ],
)
def test_bad_value_stops_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)

    with pytest.raises(SettingsError) as caught:
        load_callback_settings()

    assert str(caught.value).startswith(f"{name}: ")
    assert message in str(caught.value)


def test_the_example_message_reads_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIFANG_CALLING_WINDOWS", "25:00-26:00")

    with pytest.raises(SettingsError, match="^HUIFANG_CALLING_WINDOWS: '25:00-26:00' is not"):
        load_callback_settings()


def test_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)


def test_every_bad_variable_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIFANG_CALLING_DAYS", "sometimes")
    monkeypatch.setenv("HUIFANG_OFFICE_HOURS", "abc")

    with pytest.raises(SettingsError) as caught:
        load_callback_settings()

    assert "HUIFANG_CALLING_DAYS" in str(caught.value)
    assert "HUIFANG_OFFICE_HOURS" in str(caught.value)


def test_settings_are_cached_until_cleared(monkeypatch: pytest.MonkeyPatch) -> None:
    first = get_callback_settings()
    monkeypatch.setenv("HUIFANG_VOICE_ATTEMPTS", "7")

    assert get_callback_settings() is first
    get_callback_settings.cache_clear()
    assert get_callback_settings().voice_attempts == 7
