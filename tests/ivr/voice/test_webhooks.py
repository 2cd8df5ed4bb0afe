"""Golden tests of the keypad phone survey: form in → exact TwiML out → rows in the database."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from callbacks.models import CallbackException, SurveyAnswer, TaskEvent, TaskStatus
from callbacks.triage import REASON_LABELS
from kernel.clock import local
from scoring.models import CallbackRating
from tests.conftest import Bind
from tests.ivr.voice.support import SAY, XML, an_attempt, post, recordings, state

BASE = "http://127.0.0.1:8000/twilio/voice/"
ATTITUDE = "请您评价工作人员的服务态度。非常满意请按1，满意请按2，不满意请按3。"
EFFICIENCY = "请您评价办事效率。非常满意请按1，满意请按2，不满意请按3。"
REPEAT_TRIP = "这次办事，您有没有来回跑、多跑路？没有请按1，有请按2。"
FAVOUR = "工作人员有没有向您索要财物、吃拿卡要？没有请按1，有请按2。"
OPENING = "您好，这里是住房公积金管理中心12329服务热线。"
IDENTITY = "请问您是王女士本人吗？是请按1，不是请按2。"
INTRODUCTION = (
    "您在11月3日到城东网点办理了公积金提取，想耽误您一分钟，听听您的评价。"
    "为准确记录您的意见，本次通话将录音。如果现在不方便，请按9，我们改天再打给您。"
)
CONFIRM = "您反映工作人员向您索要财物，确认请按1，重新选择请按2。"
SUGGESTION = (
    "最后，您对我们的工作还有什么意见或建议吗？请在提示音后说，说完请按井号键。"
    "没有的话，请直接按井号键。"
)
pytestmark = pytest.mark.usefixtures("keypad_only")


def gather(attempt: int, q: str, tries: int, text: str, *, step: str = "answer") -> str:
    text = text.replace("12329", '<say-as interpret-as="telephone">12329</say-as>')
    url = f"{BASE}{step}?attempt={attempt}&amp;q={q}&amp;try={tries}"
    if step == "identity":
        url = f"{BASE}identity?attempt={attempt}&amp;try={tries}"
    return (
        f'{XML}<Response><Gather action="{url}" input="dtmf" method="POST" numDigits="1" '
        f'timeout="6">{SAY}{text}</Say></Gather><Redirect method="POST">{url}</Redirect></Response>'
    )


def recording(url: str, text: str, max_length: int) -> str:
    return (
        f"{XML}<Response>{SAY}{text}</Say>"
        f'<Record action="{url}" finishOnKey="#" maxLength="{max_length}" method="POST" '
        f'playBeep="true" timeout="5" trim="trim-silence" />'
        f'<Redirect method="POST">{url}</Redirect></Response>'
    )


def suggestion(attempt: int) -> str:
    return recording(f"{BASE}suggestion?attempt={attempt}", SUGGESTION, 60)


def goodbye(text: str) -> str:
    return f"{XML}<Response>{SAY}{text}</Say><Hangup /></Response>"


def answers(engine: Bind) -> dict[str, tuple[str | None, str, str | None]]:
    with Session(engine) as session:
        rows = session.exec(select(SurveyAnswer))
        return {row.question: (row.value, row.source, row.raw) for row in rows}


def answer(client: TestClient, attempt: int, q: str, tries: int = 0, /, **form: str) -> str:
    response = post(client, f"/twilio/voice/answer?attempt={attempt}&q={q}&try={tries}", form)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/xml"
    return response.text


def identify(client: TestClient, attempt: int, tries: int = 0, /, **form: str) -> str:
    response = post(client, f"/twilio/voice/identity?attempt={attempt}&try={tries}", form)
    assert response.status_code == 200, response.text
    return response.text


def confirm(client: TestClient, attempt: int, tries: int = 0, /, **form: str) -> str:
    path = f"/twilio/voice/confirm?attempt={attempt}&q=favour_asked&try={tries}"
    response = post(client, path, form)
    assert response.status_code == 200, response.text
    return response.text


def cases(engine: Bind) -> list[str]:
    with Session(engine) as session:
        return sorted(c.reason for c in session.exec(select(CallbackException)))


def test_start_asks_for_the_person_by_surname_before_naming_any_business(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine)
    response = post(client, f"/twilio/voice/start?attempt={attempt}", {"AnsweredBy": "human"})
    assert response.text == gather(attempt, "", 0, OPENING + IDENTITY, step="identity")
    assert "王芳" not in response.text and "城东网点" not in response.text
    assert "元" not in response.text and "身份证" not in response.text
    assert answers(engine) == {}


def test_the_person_confirmed_hears_the_business_the_recording_notice_and_the_first_question(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine)
    assert identify(client, attempt, Digits="1") == gather(
        attempt, "attitude", 0, INTRODUCTION + ATTITUDE
    )
    assert identify(client, attempt, Digits="1") == gather(  # Twilio retried
        attempt, "attitude", 0, INTRODUCTION + ATTITUDE
    )
    assert state(engine, attempt)[0].status == TaskStatus.calling and cases(engine) == []


def test_someone_else_answering_ends_the_call_as_wrong_person_and_counts_nothing(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine)
    bye = goodbye("抱歉，打扰您了。祝您生活愉快，再见。")
    assert identify(client, attempt, Digits="2") == bye
    assert identify(client, attempt, Digits="2") == bye  # Twilio retried: one case
    post(client, f"/twilio/voice/status?attempt={attempt}", {"CallStatus": "completed"})
    task, call = state(engine, attempt)
    assert (task.status, call.status) == (TaskStatus.exception, "completed")
    assert cases(engine) == ["wrong_person"] and answers(engine) == {}
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(CallbackRating)).one() == 0
        [case] = session.exec(select(CallbackException)).all()
    assert REASON_LABELS[case.reason] == "非本人接听（号码可能已易主）"


def test_no_answer_to_the_identity_question_is_asked_again_then_the_call_ends_unanswered(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine)
    again = gather(attempt, "", 1, "抱歉，没有听清。" + IDENTITY, step="identity")
    assert identify(client, attempt, Digits="5") == again
    assert identify(client, attempt, 2) == goodbye("抱歉，没有听清。我们改天再联系您，再见。")
    post(client, f"/twilio/voice/status?attempt={attempt}", {"CallStatus": "completed"})
    task, _ = state(engine, attempt)
    assert task.status == TaskStatus.scheduled and cases(engine) == []  # tried again later


def test_answering_machine_is_hung_up_on_and_counts_as_unanswered(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine)
    started = post(
        client, f"/twilio/voice/start?attempt={attempt}", {"AnsweredBy": "machine_start"}
    )
    assert started.text == f"{XML}<Response><Hangup /></Response>"
    assert state(engine, attempt)[1].answered_by == "machine"  # Twilio's word, mapped
    done = {"CallStatus": "completed", "SequenceNumber": "3", "AnsweredBy": "machine_start"}
    post(client, f"/twilio/voice/status?attempt={attempt}", done)
    task, call = state(engine, attempt)
    assert (task.status, call.status) == (TaskStatus.scheduled, "completed")
    assert answers(engine) == {}


@pytest.mark.parametrize(
    ("q", "digits", "value", "following"),
    [
        ("attitude", "1", "very_satisfied", ("efficiency", EFFICIENCY)),
        ("efficiency", "2", "satisfied", ("repeat_trip", REPEAT_TRIP)),
        ("repeat_trip", "1", "no", ("favour_asked", FAVOUR)),
        ("repeat_trip", "2", "yes", ("favour_asked", FAVOUR)),
    ],
)
def test_a_key_is_kept_and_the_next_question_asked(
    client: TestClient, engine: Bind, q: str, digits: str, value: str, following: tuple[str, str]
) -> None:
    attempt = an_attempt(engine)
    assert answer(client, attempt, q, Digits=digits) == gather(
        attempt, *following[:1], 0, following[1]
    )
    assert answers(engine) == {q: (value, "dtmf", digits)}


def test_the_last_question_leads_to_the_suggestion_recording(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine)
    assert answer(client, attempt, "favour_asked", Digits="1") == suggestion(attempt)
    assert answers(engine) == {"favour_asked": ("no", "dtmf", "1")}


def test_a_favour_asked_is_confirmed_before_it_is_filed(client: TestClient, engine: Bind) -> None:
    attempt = an_attempt(engine)
    confirmation = gather(attempt, "favour_asked", 0, CONFIRM, step="confirm")
    assert answer(client, attempt, "favour_asked", Digits="2") == confirmation
    assert answer(client, attempt, "favour_asked", Digits="2") == confirmation  # retried
    assert answers(engine) == {"favour_asked": (None, "dtmf", "2")}  # unclear until confirmed
    assert confirm(client, attempt, Digits="1") == suggestion(attempt)
    assert confirm(client, attempt, Digits="1") == suggestion(attempt)  # retried
    assert answer(client, attempt, "favour_asked", Digits="2") == confirmation  # a late retry
    assert answers(engine) == {"favour_asked": ("yes", "dtmf", "2")}
    for q, digits in (("attitude", "1"), ("efficiency", "1"), ("repeat_trip", "1")):
        answer(client, attempt, q, Digits=digits)
    post(client, f"/twilio/voice/suggestion?attempt={attempt}", {})
    assert cases(engine) == ["favour_asked"]


def test_choosing_again_asks_the_question_again(client: TestClient, engine: Bind) -> None:
    attempt = an_attempt(engine)
    answer(client, attempt, "favour_asked", Digits="2")
    again = gather(attempt, "favour_asked", 1, "好的，请您重新选择。" + FAVOUR)
    assert confirm(client, attempt, Digits="2") == again
    assert confirm(client, attempt, Digits="2") == again  # retried
    assert answers(engine) == {}
    assert answer(client, attempt, "favour_asked", 1, Digits="1") == suggestion(attempt)
    assert answers(engine) == {"favour_asked": ("no", "dtmf", "1")}


@pytest.mark.parametrize("form", [{}, {"Digits": "7"}])
def test_no_confirmation_leaves_the_favour_unclear_for_an_operator(
    client: TestClient, engine: Bind, form: dict[str, str]
) -> None:
    attempt = an_attempt(engine)
    for q, digits in (("attitude", "1"), ("efficiency", "2"), ("repeat_trip", "1")):
        answer(client, attempt, q, Digits=digits)
    answer(client, attempt, "favour_asked", Digits="2")
    assert confirm(client, attempt, **form) == suggestion(attempt)
    post(client, f"/twilio/voice/suggestion?attempt={attempt}", {})
    assert answers(engine)["favour_asked"] == (None, "dtmf", "2")
    assert cases(engine) == ["unclear"]
    with Session(engine) as session:
        [rating] = session.exec(select(CallbackRating)).all()
    assert rating.favour_asked is None


def test_a_call_ending_at_the_confirmation_is_unclear_not_favour_asking(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine)
    for q, digits in (("attitude", "1"), ("efficiency", "1"), ("repeat_trip", "1")):
        answer(client, attempt, q, Digits=digits)
    answer(client, attempt, "favour_asked", Digits="2")
    post(client, f"/twilio/voice/status?attempt={attempt}", {"CallStatus": "completed"})
    assert state(engine, attempt)[0].status == TaskStatus.completed
    assert cases(engine) == ["unclear"]


def test_choosing_again_and_again_ends_unclear(client: TestClient, engine: Bind) -> None:
    attempt = an_attempt(engine)
    answer(client, attempt, "favour_asked", 2, Digits="2")
    assert confirm(client, attempt, 2, Digits="2") == suggestion(attempt)
    assert answers(engine) == {"favour_asked": (None, "dtmf", "2")}


@pytest.mark.parametrize(
    ("q", "text"),
    [
        ("attitude", "您对服务态度不满意，请在提示音后简单说说原因，说完请按井号键。"),
        ("efficiency", "您对办事效率不满意，请在提示音后简单说说原因，说完请按井号键。"),
    ],
)
def test_unsatisfied_asks_for_the_reason(
    client: TestClient, engine: Bind, q: str, text: str
) -> None:
    attempt = an_attempt(engine)
    url = f"{BASE}reason?attempt={attempt}&amp;q={q}"
    assert answer(client, attempt, q, Digits="3") == recording(url, text, 30)
    assert answers(engine) == {q: ("unsatisfied", "dtmf", "3")}


@pytest.mark.parametrize("digits", ["7", "*", "#", "0", ""])
def test_a_wrong_or_missing_key_is_asked_again_and_nothing_is_kept(
    client: TestClient, engine: Bind, digits: str
) -> None:
    attempt = an_attempt(engine)
    form = {"Digits": digits} if digits else {}
    assert answer(client, attempt, "repeat_trip", **form) == gather(
        attempt, "repeat_trip", 1, "抱歉，没有听清。" + REPEAT_TRIP
    )
    assert answer(client, attempt, "repeat_trip", 1, **form) == gather(
        attempt, "repeat_trip", 2, "抱歉，没有听清。" + REPEAT_TRIP
    )
    assert answers(engine) == {}


def test_after_two_re_asks_the_answer_is_unclear_and_the_survey_moves_on(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine)
    assert answer(client, attempt, "attitude", 2, Digits="5") == gather(
        attempt, "efficiency", 0, EFFICIENCY
    )
    assert answer(client, attempt, "efficiency", 2) == gather(
        attempt, "repeat_trip", 0, REPEAT_TRIP
    )
    assert answers(engine) == {"attitude": (None, "dtmf", "5"), "efficiency": (None, "dtmf", None)}


def test_nine_at_the_first_question_reschedules_to_another_day(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine)
    reply = answer(client, attempt, "attitude", Digits="9")
    assert reply == goodbye("好的，不打扰您了，我们改天再联系您。再见。")
    assert answer(client, attempt, "attitude", Digits="9") == reply  # Twilio retried
    task, _ = state(engine, attempt)
    assert task.status == TaskStatus.scheduled and task.due_at is not None
    assert local(task.due_at).date() > local(task.created_at).date()
    post(client, f"/twilio/voice/status?attempt={attempt}", {"CallStatus": "completed"})
    task, call = state(engine, attempt)
    assert (task.status, call.status) == (TaskStatus.scheduled, "completed")
    assert call.error_code == "rescheduled"  # the person was reached: not a used-up call
    with Session(engine) as session:
        notes = [e.note for e in session.exec(select(TaskEvent).order_by(TaskEvent.id))]  # type: ignore[arg-type]
    assert notes[-1] == "重新安排回访"
    assert answers(engine) == {}


def test_nine_later_in_the_survey_is_just_a_wrong_key(client: TestClient, engine: Bind) -> None:
    attempt = an_attempt(engine)
    assert answer(client, attempt, "efficiency", Digits="9") == gather(
        attempt, "efficiency", 1, "抱歉，没有听清。" + EFFICIENCY
    )
    assert state(engine, attempt)[0].status == TaskStatus.calling


def test_a_reason_recording_is_stored_pending_and_the_survey_goes_on(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine)
    form = {
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        "RecordingSid": "RE1",
        "RecordingDuration": "7",
        "Digits": "#",
    }
    path = f"/twilio/voice/reason?attempt={attempt}&q=attitude"
    first = post(client, path, form)
    again = post(client, path, form)
    assert first.text == again.text == gather(attempt, "efficiency", 0, EFFICIENCY)
    [kept] = recordings(engine)
    assert (kept.purpose, kept.question, kept.recording_sid, kept.duration_s, kept.status) == (
        "reason",
        "attitude",
        "RE1",
        7,
        "pending",
    )


def test_no_reason_recording_goes_on_without_a_row(client: TestClient, engine: Bind) -> None:
    attempt = an_attempt(engine)
    response = post(client, f"/twilio/voice/reason?attempt={attempt}&q=efficiency", {})
    assert response.text == gather(attempt, "repeat_trip", 0, REPEAT_TRIP)
    assert recordings(engine) == []


def test_the_suggestion_closes_the_survey_with_thanks(client: TestClient, engine: Bind) -> None:
    attempt = an_attempt(engine)
    for q, digits in (("attitude", "1"), ("efficiency", "1"), ("repeat_trip", "1")):
        answer(client, attempt, q, Digits=digits)
    answer(client, attempt, "favour_asked", Digits="1")
    form = {
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE9",
        "RecordingSid": "RE9",
        "RecordingDuration": "12",
        "Digits": "#",
    }
    path = f"/twilio/voice/suggestion?attempt={attempt}"
    assert post(client, path, form).text == goodbye("感谢您的评价，祝您生活愉快，再见。")
    assert post(client, path, form).text == goodbye("感谢您的评价，祝您生活愉快，再见。")
    task, _ = state(engine, attempt)
    assert task.status == TaskStatus.completed
    assert [(r.purpose, r.recording_sid, r.status) for r in recordings(engine)] == [
        ("suggestion", "RE9", "pending")
    ]
    with Session(engine) as session:
        completions = session.exec(
            select(func.count()).where(TaskEvent.to_status == TaskStatus.completed)
        ).one()
    assert completions == 1


def test_no_suggestion_still_closes_the_survey(client: TestClient, engine: Bind) -> None:
    attempt = an_attempt(engine)
    for q, digits in (("attitude", "2"), ("efficiency", "2"), ("repeat_trip", "1")):
        answer(client, attempt, q, Digits=digits)
    answer(client, attempt, "favour_asked", Digits="1")
    response = post(client, f"/twilio/voice/suggestion?attempt={attempt}", {})
    assert response.text == goodbye("感谢您的评价，祝您生活愉快，再见。")
    assert state(engine, attempt)[0].status == TaskStatus.completed
    assert recordings(engine) == []


def test_a_repeated_answer_gives_the_same_twiml_and_keeps_the_first(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine)
    first = answer(client, attempt, "attitude", Digits="3")
    assert answer(client, attempt, "attitude", Digits="3") == first
    assert answer(client, attempt, "attitude", Digits="1") == first  # the first answer stands
    assert answers(engine) == {"attitude": ("unsatisfied", "dtmf", "3")}


def test_hang_up_mid_survey_keeps_the_answers_as_partial(client: TestClient, engine: Bind) -> None:
    attempt = an_attempt(engine)
    answer(client, attempt, "attitude", Digits="1")
    answer(client, attempt, "efficiency", Digits="2")
    post(client, f"/twilio/voice/status?attempt={attempt}", {"CallStatus": "completed"})
    task, call = state(engine, attempt)
    assert call.status == "completed" and task.status == TaskStatus.exception
    assert set(answers(engine)) == {"attitude", "efficiency"}


def test_status_callbacks_out_of_order_keep_the_latest(client: TestClient, engine: Bind) -> None:
    attempt = an_attempt(engine)
    path = f"/twilio/voice/status?attempt={attempt}"
    assert post(client, path, {"CallStatus": "ringing", "SequenceNumber": "1"}).status_code == 204
    post(client, path, {"CallStatus": "in-progress", "SequenceNumber": "2"})
    post(client, path, {"CallStatus": "ringing", "SequenceNumber": "1"})  # late and repeated
    post(client, path, {"CallStatus": "initiated", "SequenceNumber": "0"})
    _, call = state(engine, attempt)
    assert (call.status, call.last_sequence) == ("in-progress", 2)


@pytest.mark.parametrize(
    "path",
    [
        "/twilio/voice/start?attempt={a}",
        "/twilio/voice/identity?attempt={a}&try=0",
        "/twilio/voice/answer?attempt={a}&q=attitude&try=0",
        "/twilio/voice/confirm?attempt={a}&q=favour_asked&try=0",
        "/twilio/voice/reason?attempt={a}&q=attitude",
        "/twilio/voice/suggestion?attempt={a}",
        "/twilio/voice/status?attempt={a}",
    ],
)
@pytest.mark.parametrize("forgery", ["", "bm90IGEgc2lnbmF0dXJl", "other-url"])
def test_a_forged_signature_gets_403_and_writes_nothing(
    client: TestClient, engine: Bind, path: str, forgery: str
) -> None:
    from tests.ivr.voice.support import sign

    attempt = an_attempt(engine)
    url = path.format(a=attempt)
    form = {
        "Digits": "9",
        "AnsweredBy": "machine_start",
        "CallStatus": "completed",
        "SequenceNumber": "5",
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        "RecordingSid": "RE1",
    }
    # "other-url": a real signature, but for another attempt's URL (a replayed request).
    signature = (
        sign(url.replace(str(attempt), str(attempt + 1)), form)
        if forgery == "other-url"
        else forgery
    )
    response = post(client, url, form, signature=signature)
    assert response.status_code == 403
    assert "签名" in response.json()["detail"]
    task, call = state(engine, attempt)
    assert (task.status, call.status, call.answered_by) == (TaskStatus.calling, "queued", None)
    assert answers(engine) == {} and recordings(engine) == []


def test_bad_query_values_are_refused_with_a_message(client: TestClient, engine: Bind) -> None:
    attempt = an_attempt(engine)
    unknown = post(
        client, f"/twilio/voice/answer?attempt={attempt}&q=salary&try=0", {"Digits": "1"}
    )
    assert unknown.status_code == 422 and "salary" in unknown.text
    too_many = post(client, f"/twilio/voice/answer?attempt={attempt}&q=attitude&try=7", {})
    assert too_many.status_code == 422
    missing = post(client, "/twilio/voice/start?attempt=999999", {})
    assert missing.status_code == 404
    assert answers(engine) == {}


RECTIFIED = (
    "您之前反映的11月3日在城东网点办理公积金提取的问题，网点已经整改，想听听您的看法。"
    "为准确记录您的意见，本次通话将录音。如果现在不方便，请按9，我们改天再打给您。"
)
RESOLUTION = "请问您对整改结果满意吗？非常满意请按1，满意请按2，不满意请按3。"


def test_a_rectification_callback_asks_one_question_and_thanks(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine, rectification=True)
    started = post(client, f"/twilio/voice/start?attempt={attempt}", {"AnsweredBy": "human"})
    assert started.text == gather(attempt, "", 0, OPENING + IDENTITY, step="identity")
    assert identify(client, attempt, Digits="1") == gather(
        attempt, "resolution", 0, RECTIFIED + RESOLUTION
    )
    thanks = goodbye("感谢您的评价，祝您生活愉快，再见。")
    assert answer(client, attempt, "resolution", Digits="2") == thanks
    assert answers(engine) == {"resolution": ("satisfied", "dtmf", "2")}
    assert state(engine, attempt)[0].status == TaskStatus.completed
    wrong = post(
        client, f"/twilio/voice/answer?attempt={attempt}&q=attitude&try=0", {"Digits": "1"}
    )
    assert wrong.status_code == 422 and "attitude" in wrong.text


def test_an_unsatisfied_rectification_asks_why_then_thanks(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine, rectification=True)
    url = f"{BASE}reason?attempt={attempt}&amp;q=resolution"
    reason = "您对整改结果不满意，请在提示音后简单说说原因，说完请按井号键。"
    assert answer(client, attempt, "resolution", Digits="3") == recording(url, reason, 30)
    assert state(engine, attempt)[0].status == TaskStatus.calling
    done = post(client, f"/twilio/voice/reason?attempt={attempt}&q=resolution", {})
    assert done.text == goodbye("感谢您的评价，祝您生活愉快，再见。")
    assert state(engine, attempt)[0].status == TaskStatus.completed


def test_a_project_contact_rates_the_outlets_service_to_their_buyers_in_two_questions(
    client: TestClient, engine: Bind
) -> None:
    attempt = an_attempt(engine, project=True)
    introduction = (
        "您是幸福里的公积金贷款业务联系人，想了解本月城东网点为贵楼盘购房人办理公积金贷款的"
        "服务情况，耽误您一分钟。为准确记录您的意见，本次通话将录音。"
        "如果现在不方便，请按9，我们改天再打给您。"
    )
    attitude = (
        "请您评价网点工作人员对贵楼盘购房人的服务态度。非常满意请按1，满意请按2，不满意请按3。"
    )
    efficiency = "请您评价网点为贵楼盘购房人办理贷款的效率。非常满意请按1，满意请按2，不满意请按3。"
    assert identify(client, attempt, Digits="1") == gather(
        attempt, "attitude", 0, introduction + attitude
    )
    assert answer(client, attempt, "attitude", Digits="1") == gather(
        attempt, "efficiency", 0, efficiency
    )
    assert answer(client, attempt, "efficiency", Digits="2") == suggestion(attempt)
    done = post(client, f"/twilio/voice/suggestion?attempt={attempt}", {"Digits": "#"})
    assert done.text == goodbye("感谢您的评价，祝您生活愉快，再见。")
    assert state(engine, attempt)[0].status == TaskStatus.completed
    with Session(engine) as session:
        (rating,) = session.exec(select(CallbackRating)).all()
    assert (rating.audience, rating.attitude, rating.efficiency) == (
        "project_contact",
        "very_satisfied",
        "satisfied",
    )
    assert rating.repeat_trip is None and cases(engine) == []
