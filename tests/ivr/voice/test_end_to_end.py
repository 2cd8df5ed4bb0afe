"""Phone surveys end to end: the app and the Twilio emulator really listening, people scripted."""

import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from callbacks.jobs import run_attempt
from callbacks.models import (
    CallAttempt,
    CallbackException,
    CallbackTask,
    SurveyAnswer,
    TaskStatus,
)
from huifang.worker import wire
from ivr.config import get_ivr_settings
from ivr.voice.jobs import transcribe_recording
from ivr.voice.models import VoiceRecording
from kernel.clock import local, utcnow
from scoring.models import CallbackRating
from tests.conftest import Bind, Stack
from tests.ivr.voice.support import a_task, set_speech


@pytest.fixture(autouse=True)
def speech(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Spoken answers on (the default with the model present); a test may switch them off."""
    set_speech(monkeypatch, "vosk")
    yield lambda mode: set_speech(monkeypatch, mode)
    set_speech(monkeypatch, "vosk")


def call(stack: Stack, engine: Bind, phone: str, script: dict[str, object]) -> int:
    """Script the person, open their task and place the call as the worker would; task id."""
    stack.emulator("PUT", f"/_emulator/people/{phone}", json=script)
    with Session(engine) as session:
        task = a_task(session, phone=phone)
        session.commit()
        task_id = task.id or 0
    wire()
    assert run_attempt(task_id, 1) is not None
    return task_id


def settle(stack: Stack, engine: Bind, task_id: int, done: Callable[[CallbackTask], bool]) -> None:
    """Wait for the emulator to finish and the task to reach the expected state."""
    stack.wait_idle()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with Session(engine) as session:
            task = session.get(CallbackTask, task_id)
            if task is not None and done(task):
                return
        time.sleep(0.05)
    raise AssertionError(f"task {task_id} did not settle: {task}")


def answers(engine: Bind, task_id: int) -> dict[str, tuple[str | None, str]]:
    with Session(engine) as session:
        rows = session.exec(select(SurveyAnswer).where(SurveyAnswer.task_id == task_id))
        return {row.question: (row.value, row.source) for row in rows}


def attempt_of(engine: Bind, task_id: int) -> CallAttempt:
    with Session(engine) as session:
        return session.exec(select(CallAttempt).where(CallAttempt.task_id == task_id)).one()


def steps(stack: Stack, engine: Bind, task_id: int) -> list[dict[str, object]]:
    sid = attempt_of(engine, task_id).provider_sid
    transcript = stack.emulator("GET", f"/_emulator/calls/{sid}/transcript")
    assert isinstance(transcript, dict)
    return list(transcript["steps"])


def webhooks(stack: Stack, engine: Bind, task_id: int) -> list[dict[str, object]]:
    return [s for s in steps(stack, engine, task_id) if s["kind"] == "webhook"]


def test_a_full_keypad_survey(stack: Stack, engine: Bind, speech: Callable[[str], None]) -> None:
    speech("off")
    # 是本人, then 非常满意, 满意, 没有, 没有: key 1 is the favourable answer to every question.
    task_id = call(stack, engine, "+8613800000001", {"inputs": ["1", "1", "2", "1", "1"]})
    settle(stack, engine, task_id, lambda t: t.status == TaskStatus.completed)
    assert answers(engine, task_id) == {
        "attitude": ("very_satisfied", "dtmf"),
        "efficiency": ("satisfied", "dtmf"),
        "repeat_trip": ("no", "dtmf"),
        "favour_asked": ("no", "dtmf"),
    }
    said = [s["text"] for s in steps(stack, engine, task_id) if s["kind"] == "say"]
    assert said[-1] == "感谢您的评价，祝您生活愉快，再见。"
    assert all(int(str(w["http_status"])) < 300 for w in webhooks(stack, engine, task_id))
    assert attempt_of(engine, task_id).status == "completed"


def test_a_full_spoken_survey_uses_every_clip(stack: Stack, engine: Bind) -> None:
    pleased = call(
        stack,
        engine,
        "+8613800000002",
        {
            "inputs": [
                {"speech": "shi.wav"},  # 是本人
                {"speech": "feichang_manyi.wav"},
                {"speech": "yiban.wav"},  # asked again among the three tiers
                {"speech": "manyi.wav"},
                {"speech": "you.wav"},
                {"speech": "meiyou.wav"},
                {"speech": "manyi.wav", "press": "#"},  # the suggestion
            ]
        },
    )
    unhappy = call(
        stack,
        engine,
        "+8613800000003",
        {
            "inputs": [
                "1",  # 是本人
                {"speech": "manyi.wav"},
                {"speech": "bu_manyi.wav"},
                {"speech": "bu_manyi.wav", "press": "#"},  # the reason
                {"speech": "you.wav"},
                {"speech": "fou.wav"},  # 否 for 没有, forgivingly
                "#",  # no suggestion
            ]
        },
    )
    for task_id in (pleased, unhappy):
        settle(stack, engine, task_id, lambda t: t.status == TaskStatus.completed)
    assert answers(engine, pleased) == {
        "attitude": ("very_satisfied", "speech"),
        "efficiency": ("satisfied", "speech"),
        "repeat_trip": ("yes", "speech"),
        "favour_asked": ("no", "speech"),
    }
    assert answers(engine, unhappy) == {
        "attitude": ("satisfied", "speech"),
        "efficiency": ("unsatisfied", "speech"),
        "repeat_trip": ("yes", "speech"),
        "favour_asked": ("no", "speech"),
    }
    # Reasons and suggestions are transcribed by the worker's job, off the call (run here
    # in-process: the queueing itself is tested in test_speech_in_call).
    with Session(engine) as session:
        pending = session.exec(select(VoiceRecording.id).where(VoiceRecording.status == "pending"))
        for recording_id in pending.all():
            transcribe_recording(recording_id or 0)
    with Session(engine) as session:
        kept = session.exec(select(VoiceRecording).order_by(VoiceRecording.id)).all()  # type: ignore[arg-type]
        free = sorted(
            (r.task_id, r.purpose, r.question, r.status, r.transcript)
            for r in kept
            if r.purpose != "answer"
        )
        pleased_task = session.get(CallbackTask, pleased)
        assert pleased_task is not None
    assert free == [
        (pleased, "suggestion", None, "done", "满意"),
        (unhappy, "reason", "efficiency", "done", "不满意"),
    ]
    assert pleased_task.suggestion == "满意"
    assert sum(r.purpose == "answer" for r in kept) == 9  # the identity answer is not kept


def cases(engine: Bind, task_id: int) -> list[str]:
    with Session(engine) as session:
        query = select(CallbackException).where(CallbackException.task_id == task_id)
        return sorted(case.reason for case in session.exec(query))


def test_pressing_1_to_everything_reports_nothing_against_anyone(
    stack: Stack, engine: Bind, speech: Callable[[str], None]
) -> None:
    speech("off")
    task_id = call(stack, engine, "+8613800000011", {"inputs": ["1"] * 6 + ["#"]})
    settle(stack, engine, task_id, lambda t: t.status == TaskStatus.completed)
    assert set(answers(engine, task_id).values()) == {("very_satisfied", "dtmf"), ("no", "dtmf")}
    assert cases(engine, task_id) == []


def test_a_favour_asked_and_confirmed_opens_its_case(
    stack: Stack, engine: Bind, speech: Callable[[str], None]
) -> None:
    speech("off")
    inputs = ["1", "1", "1", "1", "2", "1", "#"]  # ... 有, 确认
    task_id = call(stack, engine, "+8613800000012", {"inputs": inputs})
    settle(stack, engine, task_id, lambda t: t.status == TaskStatus.completed)
    assert answers(engine, task_id)["favour_asked"] == ("yes", "dtmf")
    assert cases(engine, task_id) == ["favour_asked"]
    said = [s["text"] for s in steps(stack, engine, task_id) if s["kind"] == "say"]
    assert "您反映工作人员向您索要财物，确认请按1，重新选择请按2。" in said


def test_a_favour_asked_then_chosen_again_is_not_filed(
    stack: Stack, engine: Bind, speech: Callable[[str], None]
) -> None:
    speech("off")
    inputs = ["1", "1", "1", "1", "2", "2", "1", "#"]  # ... 有, 重新选择, 没有
    task_id = call(stack, engine, "+8613800000013", {"inputs": inputs})
    settle(stack, engine, task_id, lambda t: t.status == TaskStatus.completed)
    assert answers(engine, task_id)["favour_asked"] == ("no", "dtmf")
    assert cases(engine, task_id) == []


def test_someone_else_answering_is_a_case_and_nothing_is_counted(
    stack: Stack, engine: Bind
) -> None:
    task_id = call(stack, engine, "+8613800000014", {"inputs": ["2"]})
    settle(stack, engine, task_id, lambda t: t.status == TaskStatus.exception)
    assert answers(engine, task_id) == {} and cases(engine, task_id) == ["wrong_person"]
    with Session(engine) as session:
        rated = session.exec(select(CallbackRating).where(CallbackRating.task_id == task_id))
        assert rated.all() == []
    said = [s["text"] for s in steps(stack, engine, task_id) if s["kind"] == "say"]
    assert said[-1] == "抱歉，打扰您了。祝您生活愉快，再见。"
    assert not any("城东网点" in str(text) for text in said)  # the business is never named


@pytest.mark.parametrize("mode", ["vosk", "off"])
def test_the_recording_notice_precedes_the_first_record(
    stack: Stack, engine: Bind, speech: Callable[[str], None], mode: str
) -> None:
    speech(mode)
    inputs = ["1", "3", "#", "1", "1", "1", "#"]  # 不满意: the reason is recorded
    task_id = call(stack, engine, f"+86138000000{20 + len(mode)}", {"inputs": inputs})
    settle(stack, engine, task_id, lambda t: t.status == TaskStatus.completed)
    kinds = [
        ("notice" if "本次通话将录音" in str(s.get("text")) else s["kind"])
        for s in steps(stack, engine, task_id)
    ]
    assert kinds.count("notice") == 1
    assert "record" in kinds and kinds.index("notice") < kinds.index("record")


def test_hang_up_mid_survey_keeps_the_answers_given(stack: Stack, engine: Bind) -> None:
    task_id = call(
        stack,
        engine,
        "+8613800000004",
        {"inputs": ["1", "1", {"speech": "manyi.wav"}, "hangup"]},
    )
    settle(stack, engine, task_id, lambda t: t.status == TaskStatus.exception)
    assert answers(engine, task_id) == {
        "attitude": ("very_satisfied", "dtmf"),
        "efficiency": ("satisfied", "speech"),
    }
    assert attempt_of(engine, task_id).status == "completed"


def test_wrong_keys_are_re_asked_then_marked_unclear(stack: Stack, engine: Bind) -> None:
    inputs = ["1", "7", "1", "8", "*", "0", "1", "", "", "", "1", "#"]
    task_id = call(stack, engine, "+8613800000005", {"inputs": inputs})
    settle(stack, engine, task_id, lambda t: t.status == TaskStatus.completed)
    assert answers(engine, task_id) == {
        "attitude": ("very_satisfied", "dtmf"),
        "efficiency": (None, "dtmf"),
        "repeat_trip": ("no", "dtmf"),
        "favour_asked": (None, "speech"),
    }
    said = [s["text"] for s in steps(stack, engine, task_id) if s["kind"] == "say"]
    assert sum(str(text).startswith("抱歉，没有听清。") for text in said) == 5


def test_pressing_nine_reschedules_to_another_day(stack: Stack, engine: Bind) -> None:
    task_id = call(stack, engine, "+8613800000006", {"inputs": ["1", "9"]})
    settle(stack, engine, task_id, lambda t: t.status == TaskStatus.scheduled)
    with Session(engine) as session:
        task = session.get(CallbackTask, task_id)
        assert task is not None and task.due_at is not None
    assert local(task.due_at).date() > local(utcnow()).date()
    assert answers(engine, task_id) == {}
    said = [s["text"] for s in steps(stack, engine, task_id) if s["kind"] == "say"]
    assert said[-1] == "好的，不打扰您了，我们改天再联系您。再见。"


def test_an_answering_machine_is_hung_up_on_and_tried_again(stack: Stack, engine: Bind) -> None:
    # Asynchronous detection: the greeting starts at once, the verdict ends the call.
    task_id = call(stack, engine, "+8613800000007", {"answer": "machine"})
    settle(stack, engine, task_id, lambda t: t.status == TaskStatus.scheduled)
    attempt = attempt_of(engine, task_id)
    assert (attempt.status, attempt.answered_by) == ("completed", "machine")
    kinds = [s["kind"] for s in steps(stack, engine, task_id)]
    assert kinds.index("say") < kinds.index("amd_callback")  # no silence before the greeting
    assert answers(engine, task_id) == {}


def _resend(url: str, params: dict[str, str]) -> httpx.Response:
    signature = RequestValidator(get_ivr_settings().twilio_auth_token).compute_signature(
        url, params
    )
    return httpx.post(url, data=params, headers={"X-Twilio-Signature": signature})


def test_duplicate_and_out_of_order_webhooks_change_nothing(stack: Stack, engine: Bind) -> None:
    # 不满意 with its reason, and a favour asked and confirmed: every kind of step retried.
    inputs: list[object] = ["1", "3", {"speech": "bu_manyi.wav", "press": "#"}, "1", "1", "2", "1"]
    task_id = call(stack, engine, "+8613800000008", {"inputs": inputs})
    settle(stack, engine, task_id, lambda t: t.status == TaskStatus.completed)
    before = (answers(engine, task_id), attempt_of(engine, task_id).last_sequence)
    with Session(engine) as session:
        kept = len(session.exec(select(VoiceRecording)).all())
    for hook in webhooks(stack, engine, task_id):
        params = {k: str(v) for k, v in dict(hook["params"]).items()}  # type: ignore[call-overload]
        again = _resend(str(hook["url"]), params)
        assert again.status_code == 200
        assert again.text == hook["twiml"]  # Twilio's retry gets the very same TwiML
    status = f"{stack.app_url}/twilio/voice/status?attempt={attempt_of(engine, task_id).id}"
    for sequence, value in (("1", "ringing"), ("2", "in-progress"), ("0", "initiated")):
        late = {"CallSid": "CA1", "CallStatus": value, "SequenceNumber": sequence}
        assert _resend(status, late).status_code == 204
    assert (answers(engine, task_id), attempt_of(engine, task_id).last_sequence) == before
    with Session(engine) as session:
        assert len(session.exec(select(VoiceRecording)).all()) == kept
        task = session.get(CallbackTask, task_id)
        assert task is not None and task.status == TaskStatus.completed
    assert attempt_of(engine, task_id).status == "completed"


def test_forged_requests_to_the_live_app_are_refused(stack: Stack, engine: Bind) -> None:
    task_id = call(stack, engine, "+8613800000009", {"answer": "busy"})
    settle(stack, engine, task_id, lambda t: t.status == TaskStatus.scheduled)
    attempt = attempt_of(engine, task_id)
    url = f"{stack.app_url}/twilio/voice/answer?attempt={attempt.id}&q=attitude&try=0"
    forged = RequestValidator("not-our-token").compute_signature(url, {"Digits": "1"})
    refused = httpx.post(url, data={"Digits": "1"}, headers={"X-Twilio-Signature": forged})
    assert refused.status_code == 403
    # Signed for our public URL, but sent with a changed query: still refused.
    signed = RequestValidator(get_ivr_settings().twilio_auth_token).compute_signature(
        url, {"Digits": "1"}
    )
    moved = url.replace("try=0", "try=1")
    assert (
        httpx.post(moved, data={"Digits": "1"}, headers={"X-Twilio-Signature": signed}).status_code
        == 403
    )
    assert answers(engine, task_id) == {}
