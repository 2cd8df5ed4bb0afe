"""The monthly ballot page: the window, the reason rule, one ballot per rater, anonymity."""

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from core_ledger.org.service import create_department, create_leader, create_manager
from kernel.clock import local, utcnow
from kernel.periods import month_of, parse_period, shift
from scoring.evaluations import open_round, register_rater
from scoring.models import EvaluationAnswer, EvaluationBallot
from tests.browser import Browsing
from tests.conftest import Bind, make_user
from tests.scoring.factories import outlet

ALL_CRITERIA = ("attitude", "work_quality", "efficiency")


def _centre(
    engine: Bind, *, opens_in: timedelta = timedelta(days=-1), outlet_exists: bool = False
) -> str:
    """Outlet WD01 seated as rater 'wd01' (a teller); two departments, a leader; the round."""
    password = make_user(engine, username="wd01", role="teller")
    with Session(engine) as session:
        if not outlet_exists:
            outlet(session, "WD01", "城东网点")
        create_department(session, code="KS1", name="归集科")
        create_department(session, code="KS2", name="信贷科")
        create_leader(session, code="LD1", name="张主任", title="主任", portfolio="全面工作")
        session.commit()
        register_rater(session, username="wd01", kind="outlet", code="WD01")
        opens = utcnow() + opens_in
        period = parse_period(month_of(utcnow()))
        open_round(session, period=period, opens_at=opens, closes_at=opens + timedelta(days=5))
        session.commit()
    return password


def _sign_in(client: TestClient, username: str, password: str) -> None:
    form = {"username": username, "password": password}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def _ballot(code: str, tiers: dict[str, str], reasons: dict[str, str] | None = None) -> dict:
    form = {"period": month_of(utcnow()), "subject_kind": "department", "subject_code": code}
    form |= {f"tier_{c}": t for c, t in tiers.items()}
    form |= {f"reason_{c}": r for c, r in (reasons or {}).items()}
    return form


def _ballots(engine: Bind) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(EvaluationBallot)).one()


@pytest.fixture
def rater(client: TestClient, engine: Bind) -> TestClient:
    _sign_in(client, "wd01", _centre(engine))
    return client


def test_the_sheet_shows_the_round_window_and_a_form_per_subject(rater: TestClient) -> None:
    page = rater.get("/ballots")
    assert page.status_code == 200
    assert "开放时间" in page.text and "进行中" in page.text and "匿名" in page.text
    assert page.text.count('action="/ballots"') == 3  # 归集科, 信贷科, 张主任
    # Favourable first, every value in Chinese.
    form = page.text[page.text.index('id="ballot-department-KS1"') :]
    values = [form.index(f'value="{t}"') for t in ("very_satisfied", "satisfied", "unsatisfied")]
    assert values == sorted(values)
    labels = [form.index(f"> {label}</label>") for label in ("非常满意", "满意", "不满意")]
    assert labels == sorted(labels)
    assert "very_satisfied</" not in page.text and "unsatisfied<" not in page.text


def test_unsatisfied_without_a_reason_is_refused_with_the_other_answers_kept(
    rater: TestClient, engine: Bind
) -> None:
    tiers = {"attitude": "very_satisfied", "work_quality": "satisfied"}
    tiers["efficiency"] = "unsatisfied"
    refused = rater.post("/ballots", data=_ballot("KS1", tiers, {"attitude": "窗口指引清楚"}))
    assert refused.status_code == 422
    assert "办事效率选择“不满意”时，请填写具体事项或缘由" in refused.text
    assert _ballots(engine) == 0
    form = refused.text[refused.text.index('id="ballot-department-KS1"') :]
    form = form[: form.index("</form>")]
    checked = re.findall(r'name="tier_(\w+)" value="(\w+)" required\s*checked', form)
    assert sorted(checked) == sorted(tiers.items())
    assert "窗口指引清楚</textarea>" in form

    reasons = {"efficiency": "提取审批退件未说明原因"}
    cast = rater.post("/ballots", data=_ballot("KS1", tiers, reasons), follow_redirects=False)
    assert cast.status_code == 303 and "done=KS1" in cast.headers["location"]
    assert _ballots(engine) == 1
    sheet = rater.get(cast.headers["location"])
    assert "已提交对 归集科 的测评" in sheet.text and sheet.text.count('action="/ballots"') == 2


def test_a_second_ballot_on_the_same_subject_is_refused_politely(
    rater: TestClient, engine: Bind
) -> None:
    tiers = dict.fromkeys(ALL_CRITERIA, "satisfied")
    assert rater.post("/ballots", data=_ballot("KS2", tiers), follow_redirects=False).is_redirect
    again = rater.post("/ballots", data=_ballot("KS2", dict.fromkeys(ALL_CRITERIA, "unsatisfied")))
    assert again.status_code == 409 and "每轮只能投一次" in again.text
    assert _ballots(engine) == 1
    with Session(engine) as session:
        tiers_kept = session.exec(select(EvaluationAnswer.tier)).all()
    assert set(tiers_kept) == {"satisfied"}


def test_results_never_show_who_voted_what(
    rater: TestClient, client: TestClient, engine: Bind
) -> None:
    tiers = {"attitude": "unsatisfied", "work_quality": "satisfied", "efficiency": "satisfied"}
    reasons = {"attitude": "电话总是无人接听"}
    assert rater.post("/ballots", data=_ballot("KS1", tiers, reasons), follow_redirects=False)
    _sign_in(client, "boss", make_user(engine, username="boss", role="manager"))
    detail = client.get(f"/rankings/department/KS1?period={month_of(utcnow())}")
    assert detail.status_code == 200 and "电话总是无人接听" in detail.text
    assert "wd01" not in detail.text and "城东网点" not in detail.text


def test_outside_the_window_there_is_no_form_and_a_ballot_is_refused(
    client: TestClient, engine: Bind
) -> None:
    _sign_in(client, "wd01", _centre(engine, opens_in=timedelta(days=2)))
    page = client.get("/ballots")
    assert "未开始" in page.text and 'action="/ballots"' not in page.text
    refused = client.post("/ballots", data=_ballot("KS1", dict.fromkeys(ALL_CRITERIA, "satisfied")))
    assert refused.status_code == 409 and "当前不在测评时间内" in refused.text
    assert _ballots(engine) == 0


def test_an_account_without_a_rater_seat_is_told_whom_to_ask(
    client: TestClient, engine: Bind
) -> None:
    _sign_in(client, "t2", make_user(engine, username="t2", role="teller"))
    page = client.get("/ballots")
    assert page.status_code == 403 and "未登记为测评人，请联系管理员登记" in page.text


def test_inspectors_may_not_open_the_ballot(client: TestClient, engine: Bind) -> None:
    _sign_in(client, "insp", make_user(engine, username="insp", role="inspector"))
    assert client.get("/ballots").status_code == 403


def test_a_rater_casts_ballots_in_the_browser(browsing: Browsing, engine: Bind) -> None:
    password = _centre(engine)
    browsing.sign_in("wd01", password)
    page = browsing.open("/ballots")
    assert f"{local(utcnow() - timedelta(days=1)):%Y-%m-%d}" in page.inner_text("body")
    browsing.shoot("sheet")
    # A second tab with the same sheet open, to try a second ballot on 归集科 later.
    other = page.context.new_page()
    other.goto(browsing.app_url + "/ballots")

    ks1 = page.locator("#ballot-department-KS1")
    ks1.locator("input[name=tier_attitude][value=very_satisfied]").check()
    ks1.locator("input[name=tier_work_quality][value=satisfied]").check()
    ks1.locator("input[name=tier_efficiency][value=unsatisfied]").check()
    ks1.locator("textarea[name=reason_attitude]").fill("窗口指引清楚")
    ks1.locator("button[type=submit]").click()
    page.wait_for_load_state()
    ks1 = page.locator("#ballot-department-KS1")
    assert "办事效率选择“不满意”时，请填写具体事项或缘由" in ks1.inner_text()
    assert ks1.locator("input[name=tier_attitude][value=very_satisfied]").is_checked()
    assert ks1.locator("input[name=tier_work_quality][value=satisfied]").is_checked()
    assert ks1.locator("input[name=tier_efficiency][value=unsatisfied]").is_checked()
    assert ks1.locator("textarea[name=reason_attitude]").input_value() == "窗口指引清楚"
    browsing.shoot("reason-required")
    assert _ballots(engine) == 0

    ks1.locator("textarea[name=reason_efficiency]").fill("提取审批退件未说明原因")
    ks1.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已提交对 归集科 的测评" in page.inner_text("body")
    assert "本轮已提交" in page.locator("#ballot-department-KS1").inner_text()
    browsing.shoot("cast")
    assert _ballots(engine) == 1

    second = other.locator("#ballot-department-KS1")
    for criterion in ALL_CRITERIA:
        second.locator(f"input[name=tier_{criterion}][value=satisfied]").check()
    second.locator("button[type=submit]").click()
    other.wait_for_load_state()
    assert "每轮只能投一次" in other.locator("#ballot-department-KS1").inner_text()
    browsing.page = other
    browsing.shoot("second-ballot-refused")
    assert _ballots(engine) == 1


def test_a_manager_opens_a_round_and_sees_turnout_without_names(
    rater: TestClient, client: TestClient, engine: Bind
) -> None:
    tiers = dict.fromkeys(ALL_CRITERIA, "satisfied")
    assert rater.post("/ballots", data=_ballot("KS1", tiers), follow_redirects=False).is_redirect
    assert rater.get("/ballots/rounds").status_code == 403  # a teller votes, never runs rounds
    rater.cookies.delete("huifang_token")
    _sign_in(client, "boss", make_user(engine, username="boss", role="manager"))
    page = client.get("/ballots/rounds")
    assert page.status_code == 200
    row = page.text[page.text.index("<tbody>") :].split("</tr>")[0]
    assert month_of(utcnow()) in row and "进行中" in row
    assert "<td>1 / 1</td>" in row and "<td>0 / 0</td>" in row  # 网点 1 of 1; no 科室 seated
    assert "wd01" not in page.text and "城东网点" not in page.text

    later = shift(month_of(utcnow()), 1)
    form = {"period": later, "opens_at": f"{later}-03T09:00", "closes_at": f"{later}-01T09:00"}
    refused = client.post("/ballots/rounds", data=form)
    assert refused.status_code == 422 and "截止时间必须晚于开始时间" in refused.text
    assert f'value="{later}-01T09:00"' in refused.text  # what was typed is kept
    form["closes_at"] = f"{later}-08T18:00"
    assert client.post("/ballots/rounds", data=form, follow_redirects=False).is_redirect
    listed = client.get("/ballots/rounds").text
    assert f"{later}-03 09:00 至 {later}-08 18:00" in listed and "未开始" in listed
    again = client.post("/ballots/rounds", data=form)
    assert again.status_code == 409 and "测评轮次已存在" in again.text


def test_an_administrator_seats_a_rater_who_then_votes(client: TestClient, engine: Bind) -> None:
    _centre(engine)  # wd01 is seated already
    head = make_user(engine, username="ks1-head", role="department")
    make_user(engine, username="insp", role="inspector")  # never offered: inspectors do not vote
    with Session(engine) as session:
        create_manager(session, code="M1", name="李科长", grade="section", department_code="KS1")
        session.commit()
    _sign_in(client, "root", make_user(engine, username="root", role="admin"))
    page = client.get("/ballots/raters")
    assert page.status_code == 200 and "城东网点（WD01）" in page.text  # wd01's seat
    offered = page.text[page.text.index('name="username"') : page.text.index('name="seat"')]
    assert "ks1-head" in offered and "insp" not in offered and ">wd01<" not in offered
    assert 'value="department:KS1"' in page.text and 'value="manager:M1"' in page.text
    missing = client.post("/ballots/raters", data={"username": "ks1-head", "seat": ""})
    assert missing.status_code == 422 and "请选择账号和测评身份" in missing.text
    form = {"username": "ks1-head", "seat": "department:KS1"}
    assert client.post("/ballots/raters", data=form, follow_redirects=False).status_code == 303
    again = client.post("/ballots/raters", data=form)
    assert again.status_code == 409 and "已登记为测评人" in again.text
    listed = client.get("/ballots/raters").text
    assert "ks1-head" in listed and "归集科（KS1）" in listed

    client.cookies.delete("huifang_token")
    _sign_in(client, "ks1-head", head)
    sheet = client.get("/ballots")
    assert "您以“科室”的身份参加测评" in sheet.text
    assert 'id="ballot-leader-LD1"' in sheet.text and 'id="ballot-department-' not in sheet.text
    assert client.get("/ballots/raters").status_code == 403
