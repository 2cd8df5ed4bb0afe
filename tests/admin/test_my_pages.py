"""A teller's and an outlet head's own pages: results with intervals, anonymous answers, appeals,
complaints to rectify and issue letters only the named person can answer."""

import itertools
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from callbacks.models import CallbackException, CallbackTask, ExceptionStatus, TaskKind
from callbacks.triage import open_exception
from core_ledger.org.models import Outlet, Staff
from kernel.auth import User
from kernel.clock import local_date, utcnow
from kernel.periods import month_of
from scoring.exclusions.models import Appeal, Finding
from scoring.inspections import FindingIn, record_inspection
from scoring.models import CallbackRating, RectificationStep, StepKind, StepState
from scoring.rectification import issue_letter, steps_of
from scoring.service import record_callback_rating
from tests.callbacks.factories import business
from tests.conftest import Bind, make_user
from tests.scoring.factories import S, U, V, outlet, teller

CALLER = "+8613912345678"


def _seated(engine: Bind, username: str, role: str, staff_code: str) -> str:
    """A user linked to a member of staff; returns the password."""
    password = make_user(engine, username=username, role=role)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        staff = session.exec(select(Staff).where(Staff.code == staff_code)).one()
        user.staff_id = staff.id
        session.add(user)
        session.commit()
    return password


def _sign_in(client: TestClient, username: str, password: str) -> None:
    client.cookies.delete("huifang_token")
    form = {"username": username, "password": password}
    answer = client.post("/login", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text


_task_ids = itertools.count(100_000)  # callbacks of other tests' making: never a real task's id


def _rate(
    session: Session, at: Outlet, by: Staff, attitude: str, efficiency: str
) -> CallbackRating:
    return record_callback_rating(
        session,
        task_id=next(_task_ids),
        audience="depositor",
        outlet_id=at.id or 0,
        teller_id=by.id,
        business_at=utcnow(),
        answers={"attitude": attitude, "efficiency": efficiency, "repeat_trip": "no"},
    )


def _outlet_with_ratings(engine: Bind) -> dict[str, int]:
    """WD01 with tellers T1 (one 不满意 among three) and T2, and a head H1; rating ids."""
    with Session(engine) as session:
        wd = outlet(session, "WD01", "城东网点")
        t1, t2 = teller(session, wd, "T1"), teller(session, wd, "T2")
        teller(session, wd, "H1")
        now = utcnow()
        (task,) = business(session, at=now, phone=CALLER, outlet=session.get(Outlet, wd.id))
        task.suggestion = "【办事效率不满意的原因】材料退回了两次"
        task.teller_id = t1.id
        session.add(task)
        unhappy = record_callback_rating(
            session,
            task_id=task.id or 0,
            audience="depositor",
            outlet_id=wd.id or 0,
            teller_id=t1.id,
            business_at=now,
            answers={"attitude": S, "efficiency": U, "repeat_trip": "yes", "favour_asked": "no"},
            phone=CALLER,
        )
        _rate(session, wd, t1, V, V)
        _rate(session, wd, t1, V, S)
        other = _rate(session, wd, t2, U, U)
        session.commit()
        return {"unhappy": unhappy.id or 0, "other": other.id or 0, "task": task.id or 0}


def test_a_teller_reads_their_own_results_anonymously(client: TestClient, engine: Bind) -> None:
    ids = _outlet_with_ratings(engine)
    _sign_in(client, "t1", _seated(engine, "t1", "teller", "T1"))
    assert client.get("/", follow_redirects=False).headers["location"] == "/my/results"
    page = client.get("/my/results")
    assert page.status_code == 200
    text = page.text
    assert "我的评价" in text and "柜员T1" in text and month_of(utcnow()) in text
    assert "95% 区间" in text and "评价明细（3 条）" in text
    assert "材料退回了两次" in text  # the reason in their words
    # Anonymous: neither the caller's name nor any form of their number.
    assert "王芳" not in text and CALLER not in text and "139****5678" not in text
    assert f"<td>{ids['other']}</td>" not in text  # T2's rating is not T1's to see


def test_an_outlet_head_reads_the_outlet(client: TestClient, engine: Bind) -> None:
    ids = _outlet_with_ratings(engine)
    _sign_in(client, "h1", _seated(engine, "h1", "outlet_head", "H1"))
    text = client.get("/my/results").text
    assert "本网点评价" in text and "评价明细（4 条）" in text
    assert f"<td>{ids['other']}</td>" in text and "柜员T2" in text


def test_an_account_without_a_staff_record_is_told_what_to_ask_for(
    client: TestClient, engine: Bind
) -> None:
    _sign_in(client, "loose", make_user(engine, username="loose", role="teller"))
    page = client.get("/my/results")
    assert page.status_code == 409 and "未关联员工档案" in page.text
    assert client.get("/my/inbox").status_code == 409


def test_a_teller_appeals_their_own_counted_rating_and_no_one_elses(
    client: TestClient, engine: Bind
) -> None:
    ids = _outlet_with_ratings(engine)
    _sign_in(client, "t1", _seated(engine, "t1", "teller", "T1"))
    empty = client.post("/my/appeals", data={"rating_id": ids["unhappy"], "evidence": " "})
    assert empty.status_code == 422 and "请填写申诉理由和证据" in empty.text
    foreign = client.post("/my/appeals", data={"rating_id": ids["other"], "evidence": "不是我"})
    assert foreign.status_code == 403 and "只能对本人的评价申诉" in foreign.text
    done = client.post(
        "/my/appeals",
        data={"rating_id": ids["unhappy"], "evidence": "材料不全系单位原因，有补件记录"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    again = client.post("/my/appeals", data={"rating_id": ids["unhappy"], "evidence": "再次"})
    assert again.status_code == 409 and "已有待复核的申诉" in again.text
    with Session(engine) as session:
        appeals = session.exec(select(Appeal)).all()
    assert [(a.rating_id, a.filed_by, a.state) for a in appeals] == [(ids["unhappy"], "t1", "open")]
    assert "待复核" in client.get("/my/results").text


def _letter(engine: Bind) -> list[int]:
    """An inspection of WD01 naming T1, and its issue letter; the step ids in order."""
    with Session(engine) as session:
        wd = outlet(session, "WD01", "城东网点")
        for code in ("T1", "T2", "H1"):
            teller(session, wd, code)
        today = local_date(utcnow())
        inspection = record_inspection(
            session,
            outlet_code="WD01",
            quarter=f"{today.year}-Q{(today.month - 1) // 3 + 1}",
            score=82,
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
        return [s.id or 0 for s in steps_of(session, letter_id=letter.id or 0)]


def test_only_the_named_person_writes_their_personal_statement(
    client: TestClient, engine: Bind
) -> None:
    receipt, report, statement = _letter(engine)
    t1 = _seated(engine, "t1", "teller", "T1")
    t2 = _seated(engine, "t2", "teller", "T2")
    h1 = _seated(engine, "h1", "outlet_head", "H1")
    _sign_in(client, "t2", t2)
    assert "没有问题交办函" in client.get("/my/inbox").text  # the letter does not name T2
    refused = client.post(f"/my/steps/{statement}", data={"content": "代写"})
    assert refused.status_code == 403 and "个人检查只能由本人（柜员T1（T1））提交" in refused.text
    _sign_in(client, "t1", t1)
    inbox = client.get("/my/inbox").text
    assert "柜员离岗未放暂停服务牌" in inbox and "个人检查" in inbox and "待提交" in inbox
    not_mine = client.post(f"/my/steps/{report}", data={"content": "整改完毕"})
    assert not_mine.status_code == 403 and "问题整改报告由网点负责人提交" in not_mine.text
    too_soon = client.post(f"/my/steps/{statement}", data={"content": "本人已改正"})
    assert too_soon.status_code == 409 and "请先完成上一步：问题交办函（签收）" in too_soon.text
    _sign_in(client, "h1", h1)
    assert client.post(f"/my/steps/{receipt}", follow_redirects=False).status_code == 303
    blank = client.post(f"/my/steps/{report}", data={"content": "  "})
    assert blank.status_code == 422 and "请填写报告内容" in blank.text
    written = client.post(
        f"/my/steps/{report}", data={"content": "已摆放监督牌"}, follow_redirects=False
    )
    assert written.status_code == 303
    _sign_in(client, "t1", t1)
    done = client.post(
        f"/my/steps/{statement}",
        data={"content": "本人离岗未放暂停牌，已改正"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "已提交待审核" in client.get("/my/inbox").text
    with Session(engine) as session:
        letter_id = session.get(RectificationStep, receipt).letter_id  # type: ignore[union-attr]
        steps = {s.kind: (s.state, s.submitted_by) for s in steps_of(session, letter_id=letter_id)}
    assert steps == {
        StepKind.issue_letter: (StepState.accepted, "h1"),
        StepKind.rectification_report: (StepState.submitted, "h1"),
        StepKind.personal_statement: (StepState.submitted, "t1"),
    }


def test_an_outlet_head_reports_a_complaint_rectified(client: TestClient, engine: Bind) -> None:
    with Session(engine) as session:
        wd = outlet(session, "WD01", "城东网点")
        teller(session, wd, "H1")
        (task,) = business(session, at=datetime.now(UTC), phone=CALLER, outlet=wd)
        case = open_exception(session, task=task, reason="unsatisfied", actor="system")
        case.status, case.finding = ExceptionStatus.verified, Finding.true
        session.add(case)
        session.commit()
        case_id = case.id or 0
    _sign_in(client, "h1", _seated(engine, "h1", "outlet_head", "H1"))
    inbox = client.get("/my/inbox").text
    assert f"工单 {case_id}" in inbox and "已核实，待网点整改" in inbox and CALLER not in inbox
    blank = client.post(f"/my/complaints/{case_id}/rectify", data={"text": ""})
    assert blank.status_code == 422 and "请填写整改情况" in blank.text
    done = client.post(
        f"/my/complaints/{case_id}/rectify",
        data={"text": "已向群众致歉并一次性告知所需材料"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with Session(engine) as session:
        assert session.get(CallbackException, case_id).status == "rectified"  # type: ignore[union-attr]
        second = session.exec(
            select(CallbackTask).where(CallbackTask.kind == TaskKind.rectification)
        ).one()
    assert second.parent_task_id is not None


def test_the_api_holds_the_same_rule(client: TestClient, engine: Bind) -> None:
    receipt, report, statement = _letter(engine)
    passwords = {
        name: _seated(engine, name, role, code)
        for name, role, code in (("t2", "teller", "T2"), ("h1", "outlet_head", "H1"))
    }

    def token(name: str) -> dict[str, str]:
        form = {"username": name, "password": passwords[name]}
        answer = client.post("/api/auth/token", data=form)
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    client.cookies.clear()
    teller = token("t2")
    refused = client.post(
        f"/api/inspections/steps/{receipt}/submit", json={"content": ""}, headers=teller
    )
    assert refused.status_code == 403 and "由网点负责人提交" in refused.json()["detail"]
    head = token("h1")
    signed = client.post(
        f"/api/inspections/steps/{receipt}/submit", json={"content": ""}, headers=head
    )
    assert signed.status_code == 200
    not_theirs = client.post(
        f"/api/inspections/steps/{statement}/submit", json={"content": "代写"}, headers=head
    )
    assert not_theirs.status_code == 403 and "只能由本人" in not_theirs.json()["detail"]
