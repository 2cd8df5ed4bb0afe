"""The emulator's <Record> behaves as Twilio's: keys, silence, trimming, hang-ups, offered keys."""

import httpx
import pytest
from twilio.rest import Client
from twilio.twiml.voice_response import VoiceResponse

from tests.twilio_emulator.harness import ACCOUNT_SID, AUTH_TOKEN, CENTRE, Harness
from twilio_emulator import EmulatorConfig
from twilio_emulator.clips import silence_wav

CLIPS = EmulatorConfig().emulator_clips_dir
ATTITUDE = "请您评价工作人员的服务态度。非常满意请按1，满意请按2，不满意请按3。"


def record_call(
    twilio: Client, harness: Harness, to: str, *, say: str = "请讲。", **record: object
) -> str:
    """A call that says one thing, records, and redirects to /voice/silent if nothing came."""
    response = VoiceResponse()
    response.say(say, language="cmn-CN")
    response.record(action=f"{harness.webhook_url}/voice/done", play_beep=False, **record)
    response.redirect(f"{harness.webhook_url}/voice/silent")
    call = twilio.calls.create(to=to, from_=CENTRE, twiml=str(response))
    harness.wait_idle()
    return str(call.sid)


def wav_at(url: str) -> bytes:
    with httpx.Client(auth=(ACCOUNT_SID, AUTH_TOKEN)) as http:
        answer = http.get(url + ".wav")
    assert answer.status_code == 200
    return answer.content


def test_a_key_before_any_sound_is_posted_when_silence_is_kept(
    twilio: Client, harness: Harness
) -> None:
    harness.script("+8613900000001", {"inputs": ["1"]})
    sid = record_call(
        twilio, harness, "+8613900000001", trim="do-not-trim", finish_on_key="0123456789*#"
    )
    [done] = harness.webhook.to("/voice/done", call_sid=sid)
    assert done["Digits"] == "1" and done["RecordingSid"].startswith("RE")
    assert wav_at(done["RecordingUrl"]) == silence_wav(1.0)
    assert harness.webhook.to("/voice/silent", call_sid=sid) == []


def test_a_key_before_any_sound_is_an_empty_recording_when_trimmed(
    twilio: Client, harness: Harness
) -> None:
    harness.script("+8613900000002", {"inputs": ["1"]})
    sid = record_call(twilio, harness, "+8613900000002", finish_on_key="0123456789*#")
    assert harness.webhook.to("/voice/done", call_sid=sid) == []
    assert len(harness.webhook.to("/voice/silent", call_sid=sid)) == 1


@pytest.mark.parametrize(("trim", "posted"), [("trim-silence", False), ("do-not-trim", True)])
def test_silence_is_posted_only_when_not_trimmed(
    twilio: Client, harness: Harness, trim: str, posted: bool
) -> None:
    phone = f"+861390000001{int(posted)}"
    harness.script(phone, {"inputs": [""]})
    sid = record_call(twilio, harness, phone, trim=trim, timeout=3)
    done = harness.webhook.to("/voice/done", call_sid=sid)
    assert bool(done) is posted
    if posted:
        assert "Digits" not in done[0] and done[0]["RecordingDuration"] == "3"
    assert bool(harness.webhook.to("/voice/silent", call_sid=sid)) is not posted


def test_speech_then_the_finish_key(twilio: Client, harness: Harness) -> None:
    harness.script("+8613900000003", {"inputs": [{"speech": "manyi.wav", "press": "#"}]})
    sid = record_call(twilio, harness, "+8613900000003", finish_on_key="#")
    [done] = harness.webhook.to("/voice/done", call_sid=sid)
    assert done["Digits"] == "#"
    assert wav_at(done["RecordingUrl"]) == (CLIPS / "manyi.wav").read_bytes()


def test_speech_then_a_hang_up_is_still_posted_with_digits_hangup(
    twilio: Client, harness: Harness
) -> None:
    harness.script("+8613900000004", {"inputs": [{"speech": "bu_manyi.wav", "hangup": True}]})
    sid = record_call(twilio, harness, "+8613900000004", finish_on_key="#")
    [done] = harness.webhook.to("/voice/done", call_sid=sid)
    assert done["Digits"] == "hangup" and done["CallStatus"] == "completed"
    assert wav_at(done["RecordingUrl"]) == (CLIPS / "bu_manyi.wav").read_bytes()
    assert harness.webhook.to("/voice/silent", call_sid=sid) == []
    assert twilio.calls(sid).fetch().status == "completed"
    assert harness.webhook.all_valid()


def test_a_hang_up_without_a_word_posts_nothing(twilio: Client, harness: Harness) -> None:
    harness.script("+8613900000005", {"inputs": ["hangup"]})
    sid = record_call(twilio, harness, "+8613900000005", trim="do-not-trim")
    assert harness.webhook.to("/voice/done", call_sid=sid) == []
    assert harness.webhook.to("/voice/silent", call_sid=sid) == []


def test_a_drawn_person_answers_a_recorded_question_by_key_or_voice(
    twilio: Client, harness: Harness
) -> None:
    answers = {"busy_rate": 0, "no_answer_rate": 0, "failed_rate": 0, "machine_rate": 0}
    keys_only = answers | {"wrong_key_rate": 0, "silence_rate": 0, "hangup_rate": 0}
    keys_only["speaker_rate"] = 0
    voices_only = keys_only | {"speaker_rate": 1}
    with harness.control() as control:
        control.put("/_emulator/mix", json=keys_only).raise_for_status()
        pressed = record_call(
            twilio, harness, "+8613900000006", say=ATTITUDE, trim="do-not-trim", max_length=8
        )
        control.put("/_emulator/mix", json=voices_only).raise_for_status()
        spoken = record_call(twilio, harness, "+8613900000007", say=ATTITUDE, max_length=8)
        control.put("/_emulator/mix", json={}).raise_for_status()
    assert harness.webhook.to("/voice/done", call_sid=pressed)[0]["Digits"] in {"1", "2", "3"}
    said = harness.webhook.to("/voice/done", call_sid=spoken)[0]
    assert "Digits" not in said
    assert wav_at(said["RecordingUrl"]) in {
        (CLIPS / name).read_bytes() for name in ("feichang_manyi.wav", "manyi.wav", "bu_manyi.wav")
    }
