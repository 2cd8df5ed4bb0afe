"""The operator's and the outlet's main jobs in a real browser (Debian's chromium), shot by shot.

An operator works a complaint to closed while its recording plays from our signed-in route; a
teller reads their results and appeals one; an outlet head and the teller a finding names answer
an issue letter.
"""

import time
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page
from playwright.sync_api import Response as PageResponse
from sqlmodel import Session, select

from callbacks.jobs import run_attempt
from callbacks.models import CallbackException, CallbackTask, TaskStatus
from core_ledger.org.models import Outlet, Staff
from huifang.worker import wire
from ivr.voice.jobs import transcribe_recording
from ivr.voice.models import VoiceRecording
from kernel.audit import AuditEvent
from kernel.auth import User
from kernel.clock import local_date, utcnow
from scoring.exclusions.models import Appeal
from scoring.inspections import FindingIn, record_inspection
from scoring.models import RectificationStep
from scoring.rectification import issue_letter
from scoring.service import record_callback_rating
from tests.browser import Browsing
from tests.callbacks.factories import business
from tests.conftest import Bind, Stack, make_user
from tests.ivr.voice.support import a_task, set_speech

UNHAPPY = {
    "inputs": [
        "1",  # 是本人
        {"speech": "manyi.wav"},
        {"speech": "bu_manyi.wav"},  # 办事效率 不满意
        {"speech": "bu_manyi.wav", "press": "#"},  # the reason, kept as a recording
        {"speech": "meiyou.wav"},
        {"speech": "meiyou.wav"},
        "#",  # no suggestion
    ]
}


@pytest.fixture(autouse=True)
def speech(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    set_speech(monkeypatch, "vosk")
    yield


def _unhappy_call(stack: Stack, engine: Bind, phone: str) -> int:
    """A real call through the emulator: the person is 不满意 and says why; the task id."""
    stack.emulator("PUT", f"/_emulator/people/{phone}", json=UNHAPPY)
    with Session(engine) as session:
        task = a_task(session, phone=phone)
        session.commit()
        task_id = task.id or 0
    wire()
    assert run_attempt(task_id, 1) is not None
    stack.wait_idle()
    _until(lambda: _task(engine, task_id).status == TaskStatus.completed)
    with Session(engine) as session:
        pending = session.exec(select(VoiceRecording.id).where(VoiceRecording.status == "pending"))
        for recording_id in pending.all():
            transcribe_recording(recording_id or 0)
    return task_id


def _task(engine: Bind, task_id: int) -> CallbackTask:
    with Session(engine) as session:
        task = session.get(CallbackTask, task_id)
        assert task is not None
        return task


def _submit(page: Page, button: str) -> None:
    """Press a form's button and wait for the page it answers with."""
    with page.expect_navigation():
        page.click(button)


def _until(done: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.1)


def test_an_operator_works_a_complaint_to_closed_while_its_recording_plays(
    browsing: Browsing, stack: Stack, engine: Bind
) -> None:
    task_id = _unhappy_call(stack, engine, "+8613800000201")
    with Session(engine) as session:
        case = session.exec(
            select(CallbackException).where(
                CallbackException.task_id == task_id, CallbackException.reason == "unsatisfied"
            )
        ).one()
        recording = session.exec(
            select(VoiceRecording).where(
                VoiceRecording.task_id == task_id, VoiceRecording.purpose == "reason"
            )
        ).one()
    browsing.sign_in("op", make_user(engine, username="op", role="operator"))
    page = browsing.open("/exceptions")
    assert "不满意" in page.inner_text("#queue")
    browsing.shoot("queue")
    _submit(page, f"a[href='/exceptions/{case.id}']")
    assert "待处理" in page.inner_text("#case-status")
    assert "不满意" in page.inner_text("#recordings") and recording.transcript
    assert recording.transcript in page.inner_text("#recordings")
    audio_url = f"/exceptions/{case.id}/recordings/{recording.id}"
    with page.expect_response(lambda r: audio_url in r.url) as answered:
        page.eval_on_selector(f"audio[src='{audio_url}']", "a => { a.load(); a.play(); }")
    response: PageResponse = answered.value
    assert response.status in (200, 206) and response.headers["content-type"] == "audio/wav"
    page.wait_for_function(
        "src => { const a = document.querySelector(`audio[src='${src}']`);"
        " return a.readyState >= 1 && a.duration > 0 && !a.error; }",
        arg=audio_url,
    )
    seconds = page.eval_on_selector(f"audio[src='{audio_url}']", "a => a.duration")
    assert seconds > 0.3, seconds  # the person's words, decoded by the browser
    page.wait_for_function(  # and it plays: the clock moves
        "src => document.querySelector(`audio[src='${src}']`).currentTime > 0",
        arg=audio_url,
        timeout=10_000,
    )
    browsing.shoot("case-playing")
    _submit(page, "button:has-text('认领')")
    assert "处理中" in page.inner_text("#case-status")
    page.select_option("select[name=finding]", label="非工作人员原因")
    page.fill("form[action$='/verify'] input[name=note]", "银行系统故障致退件，已向群众解释")
    _submit(page, "button:has-text('提交核实结论')")
    assert "已关闭" in page.inner_text("#case-status")
    browsing.shoot("case-closed")
    with Session(engine) as session:
        closed = session.get(CallbackException, case.id)
        audited = session.exec(select(AuditEvent.action, AuditEvent.actor)).all()
    assert closed is not None and (closed.status, closed.finding) == ("closed", "not_staff")
    assert ("play_recording", "op") in audited and ("case_close", "op") in audited


def _seat(engine: Bind, username: str, role: str, code: str) -> str:
    password = make_user(engine, username=username, role=role)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        user.staff_id = session.exec(select(Staff.id).where(Staff.code == code)).one()
        session.add(user)
        session.commit()
    return password


def _outlet(engine: Bind) -> int:
    """城东网点 with T1 and head H1, T1's ratings (one 不满意, with the reason) and a letter."""
    with Session(engine) as session:
        outlet = Outlet(code="WD01", name="城东网点")
        session.add(outlet)
        session.flush()
        t1 = Staff(code="T1", name="李柜员", outlet_id=outlet.id, phone="+8613900000011")
        h1 = Staff(code="H1", name="张主任", outlet_id=outlet.id, phone="+8613900000012")
        session.add_all([t1, h1])
        session.flush()
        for n, (attitude, efficiency) in enumerate(
            [("unsatisfied", "satisfied"), ("very_satisfied", "very_satisfied"), ("satisfied",) * 2]
        ):
            (task,) = business(session, at=utcnow(), phone=f"+861380000030{n}", outlet=outlet)
            task.teller_id = t1.id
            task.suggestion = "【服务态度不满意的原因】办理时一直在看手机" if n == 0 else None
            session.add(task)
            record_callback_rating(
                session,
                task_id=task.id or 0,
                audience="depositor",
                outlet_id=outlet.id or 0,
                teller_id=t1.id,
                business_at=utcnow(),
                answers={"attitude": attitude, "efficiency": efficiency, "repeat_trip": "no"},
            )
        today = local_date(utcnow())
        inspection = record_inspection(
            session,
            outlet_code="WD01",
            quarter=f"{today.year}-Q{(today.month - 1) // 3 + 1}",
            score=84,
            inspected_on=today,
            firm="湘评咨询",
            findings=[
                FindingIn("柜台未摆放服务监督牌"),
                FindingIn("柜员离岗未放暂停服务牌", staff_code="T1"),
            ],
            recorded_by="insp",
        )
        letter = issue_letter(
            session, inspection_id=inspection.id or 0, issued_on=today, issued_by="boss"
        )
        session.commit()
        return letter.id or 0


def test_a_teller_reads_their_results_and_the_outlet_answers_an_issue_letter(
    browsing: Browsing, engine: Bind
) -> None:
    letter_id = _outlet(engine)
    teller, head = _seat(engine, "t1", "teller", "T1"), _seat(engine, "h1", "outlet_head", "H1")
    browsing.sign_in("t1", teller)
    page = browsing.page
    assert page.url.endswith("/my/results")
    assert "我的评价" in page.inner_text("h2") and "李柜员" in page.inner_text("h2")
    assert "区间" in page.inner_text("#score") and "3" in page.inner_text("#score")
    assert "办理时一直在看手机" in page.inner_text("#ratings")
    assert "+86138" not in page.content() and "138****" not in page.content()
    browsing.shoot("my-results")
    page.fill("#ratings textarea[name=evidence]", "当日系统故障，等待期间并未看手机，有监控为证")
    _submit(page, "#ratings button[type=submit]")
    assert "待复核" in page.inner_text("#appeals")
    browsing.shoot("my-results-appealed")
    browsing.open("/my/inbox")
    assert "柜员离岗未放暂停服务牌" in page.inner_text("#letters")
    assert page.locator("#letters form").count() == 1  # only their own statement
    browsing.shoot("my-inbox-teller-waiting")
    browsing.sign_in("h1", head)
    browsing.open("/my/inbox")
    _submit(page, "button:has-text('签收交办函')")
    page.fill("#letters textarea[name=content]", "已摆放服务监督牌，并建立每日开门前自查制度")
    _submit(page, "button:has-text('提交问题整改报告')")
    browsing.shoot("my-inbox-head")
    browsing.sign_in("t1", teller)
    browsing.open("/my/inbox")
    page.fill("#letters textarea[name=content]", "本人离岗时未放置暂停服务牌，已深刻检查并改正")
    _submit(page, "button:has-text('提交个人检查')")
    assert "已提交待审核" in page.inner_text("#letters")
    browsing.shoot("my-inbox-teller-done")
    with Session(engine) as session:
        steps = session.exec(
            select(RectificationStep).where(RectificationStep.letter_id == letter_id)
        ).all()
        appeals = session.exec(select(Appeal.filed_by)).all()
    assert sorted((s.kind, s.state, s.submitted_by) for s in steps) == [
        ("issue_letter", "accepted", "h1"),
        ("personal_statement", "submitted", "t1"),
        ("rectification_report", "submitted", "h1"),
    ]
    assert appeals == ["t1"]
    assert all(shot.stat().st_size > 1000 for shot in browsing.shots)
