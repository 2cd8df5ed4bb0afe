"""Points 5, 6 and 9 of issue 15 against the emulator: asynchronous AMD that answers
`unknown`, keys pressed while a question is read, the fallback apology, 12329 as a number."""

from collections.abc import Iterator

import pytest

from callbacks.models import TaskStatus
from huifang.settings import clear_caches
from ivr import prompts
from tests.conftest import Bind, Stack
from tests.ivr.twilio.support import (
    answers,
    attempts,
    place,
    set_account,
    settled,
    transcript,
    use_settings,
)
from tests.ivr.voice.support import set_speech

FULL = {"attitude": "very_satisfied", "efficiency": "satisfied", "repeat_trip": "no"}
FULL |= {"favour_asked": "no"}


@pytest.fixture
def twilio(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    set_speech(monkeypatch, "off")
    use_settings(monkeypatch)
    yield stack
    clear_caches()


def test_amd_that_cannot_tell_treats_the_callee_as_a_person(twilio: Stack, engine: Bind) -> None:
    set_account(twilio, amd="unknown")
    task_id = place(twilio, engine, "+8613800000201", {"inputs": ["1", "1", "2", "1", "1", "#"]})
    settled(twilio, engine, task_id, lambda t: t.status == TaskStatus.completed)
    [attempt] = attempts(engine, task_id)
    assert attempt.answered_by == "unknown" and answers(engine, task_id) == FULL
    steps = transcript(twilio, attempt.provider_sid)
    first = next(s for s in steps if s["kind"] == "webhook")
    assert "AnsweredBy" not in first["params"]  # async: the greeting did not wait for AMD
    assert any(s["kind"] == "amd_callback" and s["http_status"] == 204 for s in steps)


@pytest.mark.parametrize("speech", ["off", "vosk"])
def test_keys_pressed_while_a_question_is_read_count(
    twilio: Stack, engine: Bind, monkeypatch: pytest.MonkeyPatch, speech: str
) -> None:
    set_speech(monkeypatch, speech)
    # "!1": pressed before the prompt finished. Outside <Gather> the emulator drops it.
    script = {"inputs": ["!1", "!1", "!2", "!1", "!1", "#"]}
    task_id = place(twilio, engine, "+8613800000202", script)
    settled(twilio, engine, task_id, lambda t: t.status == TaskStatus.completed)
    assert answers(engine, task_id) == FULL
    steps = transcript(twilio, attempts(engine, task_id)[0].provider_sid)
    assert not [s for s in steps if s["kind"] == "key_dropped"]


def test_a_webhook_that_times_out_ends_with_a_chinese_apology(twilio: Stack, engine: Bind) -> None:
    set_account(twilio, chaos={"webhook_timeout_rate": 1.0})
    task_id = place(twilio, engine, "+8613800000203", {"inputs": ["1"]})
    settled(twilio, engine, task_id, lambda t: t.status == TaskStatus.scheduled)
    steps = transcript(twilio, attempts(engine, task_id)[0].provider_sid)
    said = [s["text"] for s in steps if s["kind"] == "say"]
    assert said == [prompts.FALLBACK_APOLOGY]  # never Twilio's English application error
    fallback = [s for s in steps if s["kind"] == "webhook" and "/fallback" in str(s["url"])]
    assert fallback and fallback[0]["params"]["ErrorCode"] == "11200"


def test_the_hotline_is_read_as_a_telephone_number(twilio: Stack, engine: Bind) -> None:
    task_id = place(twilio, engine, "+8613800000204", {"inputs": ["2"]})
    settled(twilio, engine, task_id, lambda t: t.status == TaskStatus.exception)
    steps = transcript(twilio, attempts(engine, task_id)[0].provider_sid)
    opening = next(s for s in steps if s["kind"] == "say")
    assert "12329" in opening["text"]
    assert {"tag": "say-as", "attrs": {"interpret-as": "telephone"}, "text": "12329"} in opening[
        "ssml"
    ]
