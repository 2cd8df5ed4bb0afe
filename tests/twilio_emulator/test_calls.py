"""Calls through the emulator behave like Twilio calls: lifecycle, TwiML, callbacks, signing."""

import httpx
import pytest
from twilio.rest import Client

from tests.twilio_emulator.harness import ACCOUNT_SID, AUTH_TOKEN, CENTRE, Harness
from twilio_emulator import clips

ALL_EVENTS = ["initiated", "ringing", "answered", "completed"]


def place(twilio: Client, harness: Harness, to: str, path: str = "/voice", **extra: object) -> str:
    """Create a call with every progress event subscribed; return its sid."""
    call = twilio.calls.create(
        to=to,
        from_=CENTRE,
        url=f"{harness.webhook_url}{path}",
        status_callback=f"{harness.webhook_url}/status",
        status_callback_event=ALL_EVENTS,
        **extra,
    )
    return str(call.sid)


def statuses(harness: Harness, sid: str) -> list[tuple[str, str]]:
    """(SequenceNumber, CallStatus) of the status callbacks of a call, in arrival order."""
    return [
        (p["SequenceNumber"], p["CallStatus"]) for p in harness.webhook.to("/status", call_sid=sid)
    ]


def test_keypad_survey_posts_each_answer_to_the_resolved_action(
    twilio: Client, harness: Harness
) -> None:
    harness.script("+8613811110001", {"inputs": ["2", "1", {"speech": "manyi.wav"}]})
    sid = place(twilio, harness, "+8613811110001")
    harness.wait_idle()
    webhook = harness.webhook
    assert webhook.to("/voice/q2", call_sid=sid)[0]["Digits"] == "2"
    assert webhook.to("/voice/opinion", call_sid=sid)[0]["Digits"] == "1"
    done = webhook.to("/voice/done", call_sid=sid)[0]
    assert done["RecordingSid"].startswith("RE") and int(done["RecordingDuration"]) >= 1
    assert webhook.to("/recording-status", call_sid=sid)[0]["RecordingStatus"] == "completed"
    assert statuses(harness, sid) == [
        ("0", "initiated"),
        ("1", "ringing"),
        ("2", "in-progress"),
        ("3", "completed"),
    ]
    completed = webhook.to("/status", call_sid=sid)[-1]
    assert completed["CallbackSource"] == "call-progress-events"
    assert int(completed["CallDuration"]) > 0
    assert webhook.all_valid()
    assert twilio.calls(sid).fetch().status == "completed"


def test_recording_wav_is_served_at_recording_url_with_basic_auth(
    twilio: Client, harness: Harness
) -> None:
    harness.script("+8613811110002", {"inputs": ["1", "2", {"speech": "bu_manyi.wav"}]})
    sid = place(twilio, harness, "+8613811110002")
    harness.wait_idle()
    url = harness.webhook.to("/voice/done", call_sid=sid)[0]["RecordingUrl"]
    with httpx.Client(auth=(ACCOUNT_SID, AUTH_TOKEN)) as http:
        wav = http.get(url + ".wav")
        denied = httpx.get(url + ".wav")
    assert wav.status_code == 200 and wav.headers["content-type"] == "audio/x-wav"
    assert wav.content == (clips.DIRECTORY / "bu_manyi.wav").read_bytes()
    assert denied.status_code == 401


def test_silence_falls_through_to_the_next_verb(twilio: Client, harness: Harness) -> None:
    harness.script("+8613811110003", {"inputs": [""]})
    sid = place(twilio, harness, "+8613811110003")
    harness.wait_idle()
    assert harness.webhook.to("/voice/q2", call_sid=sid) == []
    assert len(harness.webhook.to("/voice/silent", call_sid=sid)) == 1
    said = [step["text"] for step in harness.steps(sid) if step["kind"] == "say"]
    assert "抱歉，没有听清。" in said


def test_hangup_mid_survey_ends_the_call_without_an_action_request(
    twilio: Client, harness: Harness
) -> None:
    harness.script("+8613811110004", {"inputs": ["1", "hangup"]})
    sid = place(twilio, harness, "+8613811110004")
    harness.wait_idle()
    assert len(harness.webhook.to("/voice/q2", call_sid=sid)) == 1
    assert harness.webhook.to("/voice/opinion", call_sid=sid) == []
    assert statuses(harness, sid)[-1] == ("3", "completed")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("busy", [("0", "initiated"), ("1", "busy")]),
        ("no-answer", [("0", "initiated"), ("1", "ringing"), ("2", "no-answer")]),
        ("failed", [("0", "initiated"), ("1", "failed")]),
    ],
)
def test_unanswered_calls_report_their_status(
    twilio: Client, harness: Harness, answer: str, expected: list[tuple[str, str]]
) -> None:
    phone = f"+86138222{len(answer):05d}"
    harness.script(phone, {"answer": answer})
    sid = place(twilio, harness, phone)
    harness.wait_idle()
    assert statuses(harness, sid) == expected
    assert harness.webhook.to("/voice", call_sid=sid) == []
    assert twilio.calls(sid).fetch().status == answer


def test_machine_detection_reports_answered_by(twilio: Client, harness: Harness) -> None:
    harness.script("+8613811110005", {"answer": "machine"})
    sid = place(twilio, harness, "+8613811110005", machine_detection="Enable")
    harness.wait_idle()
    assert harness.webhook.to("/voice", call_sid=sid)[0]["AnsweredBy"] == "machine_start"
    assert harness.webhook.to("/voice/q2", call_sid=sid) == []
    assert harness.webhook.to("/status", call_sid=sid)[-1]["AnsweredBy"] == "machine_start"
    assert twilio.calls(sid).fetch().answered_by == "machine_start"


def test_application_error_ends_the_call_and_is_recorded(twilio: Client, harness: Harness) -> None:
    harness.script("+8613811110006", {"inputs": ["1"]})
    sid = place(twilio, harness, "+8613811110006", path="/voice/error")
    broken = place(twilio, harness, "+8613811110006", path="/voice/broken")
    harness.wait_idle()
    for call_sid, code in ((sid, 11200), (broken, 12100)):
        errors = [step["code"] for step in harness.steps(call_sid) if step["kind"] == "error"]
        assert errors == [str(code)]
        assert twilio.calls(call_sid).fetch().status == "completed"


def test_two_hundred_simultaneous_calls_all_finish(twilio: Client, harness: Harness) -> None:
    sids = [
        place(twilio, harness, f"+86139{n:08d}", machine_detection="Enable") for n in range(200)
    ]
    harness.wait_idle()
    final = {twilio.calls(sid).fetch().status for sid in sids}
    assert final <= {"completed", "busy", "no-answer"}
    answered = [p for sid in sids for p in harness.webhook.to("/voice/q2", call_sid=sid)]
    assert answered and all(p["Digits"] in "0123456789*#" for p in answered)
    assert harness.webhook.all_valid()
