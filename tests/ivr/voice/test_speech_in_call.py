"""Spoken answers in the call: recording in → Vosk grammar decode → exact TwiML out → rows."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlmodel import Session, select

from callbacks.models import SurveyAnswer, TaskEvent
from ivr.twilio.client import RecordingUnavailable
from ivr.voice.jobs import ABSENT, queue_pending_transcriptions, transcribe_recording
from ivr.voice.models import VoiceRecording
from kernel.clock import utcnow
from kernel.queue import get_queue
from tests.conftest import Bind
from tests.ivr.voice.support import (
    SAY,
    XML,
    RecordingServer,
    an_attempt,
    post,
    recordings,
    state,
)

BASE = "http://127.0.0.1:8000/twilio/voice/"
HOTLINE = '<say-as interpret-as="telephone">12329</say-as>'
ATTITUDE = "请您评价工作人员的服务态度。非常满意请按1，满意请按2，不满意请按3。"
EFFICIENCY = "请您评价办事效率。非常满意请按1，满意请按2，不满意请按3。"
REPEAT_TRIP = "这次办事，您有没有来回跑、多跑路？没有请按1，有请按2。"
FAVOUR = "工作人员有没有向您索要财物、吃拿卡要？没有请按1，有请按2。"
FOLLOWING = {"attitude": ("efficiency", EFFICIENCY), "repeat_trip": ("favour_asked", FAVOUR)}
pytestmark = pytest.mark.usefixtures("speech_on")


def ask(
    attempt: int, q: str, tries: int, text: str, *, unsure: bool = False, step: str = "answer"
) -> str:
    url = f"{BASE}{step}?attempt={attempt}&amp;q={q}&amp;try={tries}"
    if step == "identity":
        url = f"{BASE}identity?attempt={attempt}&amp;try={tries}"
    if unsure:
        url += "&amp;unsure=1"
    text = text.replace("12329", HOTLINE)  # read as a telephone number
    return (
        f'{XML}<Response><Gather action="{url}" input="dtmf" method="POST" numDigits="1" '
        f'timeout="1">{SAY}{text}</Say></Gather>'
        f'<Record action="{url}" finishOnKey="0123456789*#" maxLength="8" method="POST" '
        f'playBeep="false" timeout="3" trim="do-not-trim" />'
        f'<Redirect method="POST">{url}</Redirect></Response>'
    )


def answer(client: TestClient, attempt: int, q: str, tries: int = 0, /, **form: str) -> str:
    path = f"/twilio/voice/answer?attempt={attempt}&q={q}&try={tries}"
    if form.pop("unsure", None):
        path += "&unsure=1"
    response = post(client, path, form)
    assert response.status_code == 200, response.text
    return response.text


def answers(engine: Bind) -> dict[str, tuple[str | None, str, str | None]]:
    with Session(engine) as session:
        rows = session.exec(select(SurveyAnswer))
        return {row.question: (row.value, row.source, row.raw) for row in rows}


def test_with_speech_on_the_opening_says_the_call_is_recorded_before_the_first_record(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine)
    response = post(client, f"/twilio/voice/start?attempt={attempt}", {"AnsweredBy": "human"})
    opening = (
        "您好，这里是住房公积金管理中心12329服务热线。为准确记录您的意见，本次通话将录音。"
        "回答时，您可以按键，也可以直接说。请问您是王女士本人吗？是请按1，不是请按2。"
    )
    assert response.text == ask(attempt, "", 0, opening, step="identity")
    introduction = (
        "您在11月3日到城东网点办理了公积金提取，想耽误您一分钟，听听您的评价。"
        "如果现在不方便，请按9，我们改天再打给您。"
    )
    said = post(client, f"/twilio/voice/identity?attempt={attempt}&try=0", {"Digits": "1"})
    assert said.text == ask(attempt, "attitude", 0, introduction + ATTITUDE)


@pytest.mark.parametrize(("clip", "wrong_person"), [("shi.wav", False), ("fou.wav", True)])
def test_the_identity_question_takes_a_spoken_yes_or_no(
    client: TestClient,
    engine: Bind,
    recording_server: RecordingServer,
    clip: str,
    wrong_person: bool,
) -> None:
    attempt = an_attempt(engine)
    path = f"/twilio/voice/identity?attempt={attempt}&try=0"
    reply = post(client, path, recording_server.add(clip)).text
    assert ("抱歉，打扰您了" in reply) is wrong_person
    assert (ATTITUDE in reply) is not wrong_person
    assert state(engine, attempt)[0].status == ("exception" if wrong_person else "calling")
    assert recordings(engine) == []  # who answers is not kept as a recording


@pytest.mark.parametrize(
    ("clip", "q", "value", "words"),
    [
        ("feichang_manyi.wav", "attitude", "very_satisfied", "非常 满意"),
        ("manyi.wav", "attitude", "satisfied", "满意"),
        ("shi.wav", "repeat_trip", "yes", "是"),
        ("you.wav", "repeat_trip", "yes", "有"),
        ("fou.wav", "repeat_trip", "no", "否"),
        ("meiyou.wav", "repeat_trip", "no", "没有"),
    ],
)
def test_each_spoken_answer_is_decoded_kept_and_the_survey_goes_on(
    client: TestClient,
    engine: Bind,
    recording_server: RecordingServer,
    clip: str,
    q: str,
    value: str,
    words: str,
) -> None:
    attempt = an_attempt(engine)
    spoken = recording_server.add(clip)
    following, text = FOLLOWING[q]
    assert answer(client, attempt, q, **spoken) == ask(attempt, following, 0, text)
    assert answers(engine) == {q: (value, "speech", words)}
    [kept] = recordings(engine)
    assert (kept.purpose, kept.question, kept.recording_sid, kept.status) == (
        "answer",
        q,
        spoken["RecordingSid"],
        "done",
    )
    assert kept.transcript == words.replace(" ", "") and (kept.confidence or 0) >= 0.7


def test_a_spoken_in_between_rating_is_asked_again_among_the_three_tiers(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    attempt = an_attempt(engine)
    first = answer(client, attempt, "efficiency", **recording_server.add("yiban.wav"))
    again = "请您在非常满意、满意、不满意中选一个。" + EFFICIENCY
    assert first == ask(attempt, "efficiency", 1, again, unsure=True)
    assert answers(engine) == {}  # not guessed as 满意
    second = answer(
        client, attempt, "efficiency", 1, unsure="1", **recording_server.add("manyi.wav")
    )
    assert second == ask(attempt, "repeat_trip", 0, REPEAT_TRIP)
    assert answers(engine) == {"efficiency": ("satisfied", "speech", "满意")}
    assert [r.transcript for r in recordings(engine)] == ["一般", "满意"]  # the words are kept
    with Session(engine) as session:
        notes = [e.note for e in session.exec(select(TaskEvent))]
    assert "办事效率回答“一般”，不是三档之一" in notes


def test_in_between_twice_is_unclear_with_the_words_kept(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    attempt = an_attempt(engine)
    answer(client, attempt, "attitude", **recording_server.add("yiban.wav"))
    second = answer(client, attempt, "attitude", 1, unsure="1", **recording_server.add("yiban.wav"))
    assert second == ask(attempt, "efficiency", 0, EFFICIENCY)
    assert answers(engine) == {"attitude": (None, "speech", "一般")}


def test_a_spoken_favour_asked_is_confirmed_by_key_or_voice(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    attempt = an_attempt(engine)
    confirmation = "您反映工作人员向您索要财物，确认请按1，重新选择请按2。"
    first = answer(client, attempt, "favour_asked", **recording_server.add("you.wav"))
    assert first == ask(attempt, "favour_asked", 0, confirmation, step="confirm")
    assert answers(engine) == {"favour_asked": (None, "speech", "有")}
    path = f"/twilio/voice/confirm?attempt={attempt}&q=favour_asked&try=0"
    confirmed = post(client, path, recording_server.add("shi.wav")).text
    assert "最后，您对我们的工作还有什么意见或建议吗？" in confirmed
    assert answers(engine) == {"favour_asked": ("yes", "speech", "有")}


def test_spoken_unsatisfied_asks_for_the_reason(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    attempt = an_attempt(engine)
    reply = answer(client, attempt, "efficiency", **recording_server.add("bu_manyi.wav"))
    assert "您对办事效率不满意" in reply and f"reason?attempt={attempt}&amp;q=efficiency" in reply
    assert answers(engine) == {"efficiency": ("unsatisfied", "speech", "不 满意")}


def test_an_unclear_spoken_answer_is_asked_once_more_then_marked_unclear(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    attempt = an_attempt(engine)
    # "是" to a rating question: heard, but it is no rating.
    first = answer(client, attempt, "attitude", **recording_server.add("shi.wav"))
    again = "抱歉，没有听清楚，请您再说一遍，或者按键回答。" + ATTITUDE
    assert first == ask(attempt, "attitude", 1, again, unsure=True)
    assert answers(engine) == {}
    second = answer(client, attempt, "attitude", 1, unsure="1", **recording_server.add("fou.wav"))
    assert second == ask(attempt, "efficiency", 0, EFFICIENCY)
    assert answers(engine) == {"attitude": (None, "speech", "[unk]")}
    assert [r.transcript for r in recordings(engine)] == ["是", "[unk]"]


def test_after_an_unclear_answer_a_key_still_counts(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    attempt = an_attempt(engine)
    answer(client, attempt, "repeat_trip", **recording_server.add("manyi.wav"))
    silent_before_key = recording_server.add("fou.wav") | {"Digits": "1"}
    reply = answer(client, attempt, "repeat_trip", 1, unsure="1", **silent_before_key)
    assert reply == ask(attempt, "favour_asked", 0, FAVOUR)
    assert answers(engine) == {"repeat_trip": ("no", "dtmf", "1")}
    assert [r.question for r in recordings(engine)] == ["repeat_trip"]  # the key's is not kept


def test_silence_is_no_answer_and_is_re_asked(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    from twilio_emulator.clips import silence_wav

    attempt = an_attempt(engine)
    silent = recording_server.add("manyi.wav")
    store = recording_server.app.state.emulator.store  # type: ignore[attr-defined]
    store.recordings[silent["RecordingSid"]].wav = silence_wav(3)
    reply = answer(client, attempt, "favour_asked", **silent)
    assert reply == ask(attempt, "favour_asked", 1, "抱歉，没有听清。" + FAVOUR)
    assert answers(engine) == {}


def test_a_recording_url_off_the_twilio_api_is_never_fetched(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    attempt = an_attempt(engine)
    spoken = recording_server.add("manyi.wav")
    spoken["RecordingUrl"] = spoken["RecordingUrl"].replace("127.0.0.1", "localhost")
    reply = answer(client, attempt, "attitude", **spoken)
    again = "抱歉，没有听清楚，请您再说一遍，或者按键回答。" + ATTITUDE
    assert reply == ask(attempt, "attitude", 1, again, unsure=True)
    assert answers(engine) == {}


def test_a_spoken_answer_then_a_hang_up_is_kept(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    attempt = an_attempt(engine)
    spoken = recording_server.add("meiyou.wav") | {"Digits": "hangup"}
    reply = answer(client, attempt, "favour_asked", **spoken)
    assert reply == f"{XML}<Response><Hangup /></Response>"
    assert answers(engine) == {"favour_asked": ("no", "speech", "没有")}


def test_a_spoken_favour_asked_then_a_hang_up_is_kept_unconfirmed(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    attempt = an_attempt(engine)
    spoken = recording_server.add("you.wav") | {"Digits": "hangup"}
    assert (
        answer(client, attempt, "favour_asked", **spoken) == f"{XML}<Response><Hangup /></Response>"
    )
    with Session(engine) as session:
        [kept] = session.exec(select(SurveyAnswer)).all()
    assert (kept.value, kept.unconfirmed) == (None, "yes")


def test_a_repeated_spoken_answer_is_not_decoded_twice(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    attempt = an_attempt(engine)
    spoken = recording_server.add("feichang_manyi.wav")
    first = answer(client, attempt, "attitude", **spoken)
    del recording_server.app.state.emulator.store.recordings[spoken["RecordingSid"]]  # type: ignore[attr-defined]
    assert answer(client, attempt, "attitude", **spoken) == first
    assert answers(engine) == {"attitude": ("very_satisfied", "speech", "非常 满意")}
    assert len(recordings(engine)) == 1


def test_a_reason_is_transcribed_by_the_job_and_stored_beside_its_audio(
    client: TestClient, engine: Bind, recording_server: RecordingServer
) -> None:
    attempt = an_attempt(engine)
    spoken = recording_server.add("bu_manyi.wav") | {"Digits": "#"}
    post(client, f"/twilio/voice/reason?attempt={attempt}&q=attitude", spoken)
    [pending] = recordings(engine)
    assert (pending.status, pending.transcript) == ("pending", None)
    assert transcribe_recording(pending.id or 0) == "不满意"
    assert transcribe_recording(pending.id or 0) is None  # a repeat does nothing
    [done] = recordings(engine)
    assert (done.status, done.transcript, done.recording_url) == (
        "done",
        "不满意",
        spoken["RecordingUrl"],
    )
    assert done.transcribed_at is not None
    assert state(engine, attempt)[0].suggestion == "【服务态度不满意的原因】不满意"


def test_a_recording_that_is_gone_is_marked_failed_for_operators(
    client: TestClient,
    engine: Bind,
    recording_server: RecordingServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from huifang.settings import clear_caches

    monkeypatch.setenv("HUIFANG_RECORDING_FETCH_WAIT_SECONDS", "0")
    clear_caches()
    attempt = an_attempt(engine)
    spoken = recording_server.add("manyi.wav")
    post(client, f"/twilio/voice/suggestion?attempt={attempt}", spoken)
    del recording_server.app.state.emulator.store.recordings[spoken["RecordingSid"]]  # type: ignore[attr-defined]
    [pending] = recordings(engine)
    # A 404 may be a recording not there yet: asked again, until it is clearly gone.
    with pytest.raises(RecordingUnavailable):
        transcribe_recording(pending.id or 0)
    with Session(engine) as session:
        row = session.get(VoiceRecording, pending.id)
        assert row is not None
        row.created_at = utcnow() - timedelta(hours=2)
        session.add(row)
        session.commit()
    assert transcribe_recording(pending.id or 0) is None
    [failed] = recordings(engine)
    assert failed.status == "failed" and failed.error == ABSENT


def test_the_reconciler_queues_transcriptions_left_pending_once(
    client: TestClient, engine: Bind, redis: Redis
) -> None:
    attempt = an_attempt(engine)
    form = {"RecordingUrl": "https://api.twilio.com/x/Recordings/RE5", "RecordingSid": "RE5"}
    post(client, f"/twilio/voice/suggestion?attempt={attempt}", form)
    redis.flushdb()  # as if Redis had lost the webhook's job
    queue = get_queue(redis)
    assert queue_pending_transcriptions(queue) == 0  # still within its webhook's grace period
    with Session(engine) as session:
        [recording] = session.exec(select(VoiceRecording)).all()
        recording.created_at = utcnow() - timedelta(minutes=10)
        session.add(recording)
        session.commit()
        recording_id = recording.id
    assert queue_pending_transcriptions(queue) == 1
    assert queue_pending_transcriptions(queue) == 0  # its job is live: not queued twice
    assert queue.job_ids == [f"transcribe-{recording_id}"]


def test_a_reason_webhook_queues_its_transcription_after_answering(
    client: TestClient, engine: Bind, recording_server: RecordingServer, redis: Redis
) -> None:
    attempt = an_attempt(engine)
    spoken = recording_server.add("bu_manyi.wav") | {"Digits": "#"}
    post(client, f"/twilio/voice/reason?attempt={attempt}&q=efficiency", spoken)
    [pending] = recordings(engine)
    assert get_queue(redis).job_ids == [f"transcribe-{pending.id}"]
