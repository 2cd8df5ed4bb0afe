"""The web survey link (网页问卷): the page, the rules of the phone, once and only once."""

import re
from collections.abc import Callable
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from admin.dashboard.figures import funnel
from callbacks.models import CallbackException, TaskEvent, TaskStatus
from callbacks.weblink import link_token
from ivr.config import IvrSettings
from ivr.sms.texts import render_invitation, render_link_invitation, segments
from kernel.periods import parse_period
from tests.conftest import Bind
from tests.ivr.sms.support import PHONE
from tests.ivr.web.support import (
    EVERYTHING_FINE,
    answers,
    expire,
    link_row,
    linked_task,
    task,
)

FORGED = "AAAAAAAAAAAA"


def _post(client: TestClient, token: str, form: dict[str, str]) -> str:
    response = client.post(f"/s/{token}", data=form)
    return f"{response.status_code} {response.text}"


def test_the_page_names_the_business_and_nothing_personal(client: TestClient, engine: Bind) -> None:
    _, token = linked_task(engine)
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    html = page.text
    assert "您于11月3日在城东网点办理了公积金提取业务" in html
    assert "<title>服务评价</title>" in html
    for personal in ("王芳", "王女士", PHONE, PHONE[3:], "5678"):
        assert personal not in html
    assert 'name="viewport"' in html and "<script" not in html
    # The favourable option first, for every question, as on the phone.
    firsts = re.findall(r'<fieldset id="q-(\w+)".*?value="(\w+)"', html, flags=re.S)
    assert firsts == [
        ("attitude", "very_satisfied"),
        ("efficiency", "very_satisfied"),
        ("repeat_trip", "no"),
        ("favour_asked", "no"),
    ]
    assert "非常满意" in html and "没有" in html and "very_satisfied<" not in html
    assert page.headers["cache-control"] == "no-store"


def test_answers_are_recorded_once_as_web_answers(client: TestClient, engine: Bind) -> None:
    task_id, token = linked_task(engine)
    assert client.get(f"/s/{token}").status_code == 200
    done = _post(client, token, {**EVERYTHING_FINE, "suggestion": "窗口服务很好"})
    assert done.startswith("200") and "提交成功" in done
    assert answers(engine, task_id) == {q: (v, "web") for q, v in EVERYTHING_FINE.items()}
    stored = task(engine, task_id)
    assert stored.status == TaskStatus.completed and stored.suggestion == "窗口服务很好"
    link = link_row(engine, task_id)
    assert link.answered_at is not None and link.opened_at is not None and link.open_count == 1
    # Submitting again (a double tap, the back button) changes nothing and says so politely.
    again = _post(
        client, token, {**EVERYTHING_FINE, "attitude": "unsatisfied", "reason_attitude": "x"}
    )
    assert again.startswith("200") and "您已完成本次评价" in again
    assert answers(engine, task_id)["attitude"] == ("very_satisfied", "web")
    assert "您已完成本次评价" in client.get(f"/s/{token}").text


def test_a_missing_answer_is_shown_and_nothing_is_written(client: TestClient, engine: Bind) -> None:
    task_id, token = linked_task(engine)
    partial = {k: v for k, v in EVERYTHING_FINE.items() if k != "efficiency"}
    shown = _post(client, token, {**partial, "suggestion": "留言"})
    assert shown.startswith("422")
    assert "请选择“办事效率”的答案" in shown
    # What they chose and wrote is kept on the page.
    assert 'value="very_satisfied" checked' in shown and "留言" in shown
    assert answers(engine, task_id) == {}
    assert task(engine, task_id).status == TaskStatus.sms_sent


def test_unsatisfied_needs_a_reason_which_reaches_the_operator(
    client: TestClient, engine: Bind
) -> None:
    task_id, token = linked_task(engine)
    form = {**EVERYTHING_FINE, "attitude": "unsatisfied"}
    refused = _post(client, token, form)
    assert refused.startswith("422") and "请简单写一下原因" in refused
    assert answers(engine, task_id) == {}
    done = _post(client, token, {**form, "reason_attitude": "窗口人员玩手机"})
    assert "提交成功" in done and "安排专人核实" in done
    assert "【服务态度不满意的原因】窗口人员玩手机" in (task(engine, task_id).suggestion or "")
    with Session(engine) as session:
        reasons = session.exec(
            select(CallbackException.reason).where(CallbackException.task_id == task_id)
        ).all()
    assert reasons == ["unsatisfied"]


def test_a_favour_report_is_confirmed_before_it_is_filed(client: TestClient, engine: Bind) -> None:
    task_id, token = linked_task(engine)
    grave = {**EVERYTHING_FINE, "favour_asked": "yes"}
    asked = _post(client, token, grave)
    assert asked.startswith("200") and "确认属实，提交评价" in asked
    assert "工作人员有索要财物、吃拿卡要等行为" in asked
    assert answers(engine, task_id) == {}  # nothing filed before the confirmation
    done = _post(client, token, {**grave, "confirmed": "1"})
    assert "提交成功" in done
    assert answers(engine, task_id)["favour_asked"] == ("yes", "web")
    with Session(engine) as session:
        cases = session.exec(
            select(CallbackException.reason).where(CallbackException.task_id == task_id)
        ).all()
    assert cases == ["favour_asked"]


def test_changing_a_favour_report_back_before_confirming(client: TestClient, engine: Bind) -> None:
    task_id, token = linked_task(engine)
    assert "确认属实" in _post(client, token, {**EVERYTHING_FINE, "favour_asked": "yes"})
    assert "提交成功" in _post(client, token, EVERYTHING_FINE)
    assert answers(engine, task_id)["favour_asked"] == ("no", "web")


def test_an_answer_that_is_not_an_option_is_refused(client: TestClient, engine: Bind) -> None:
    task_id, token = linked_task(engine)
    shown = _post(client, token, {**EVERYTHING_FINE, "repeat_trip": "very_satisfied"})
    assert shown.startswith("422") and "“是否跑回头路”的答案无效" in shown
    long = _post(client, token, {**EVERYTHING_FINE, "suggestion": "长" * 1001})
    assert long.startswith("422") and "1000 字以内" in long
    nul = _post(client, token, {**EVERYTHING_FINE, "suggestion": "好\x00的"})
    assert "提交成功" in nul and task(engine, task_id).suggestion == "好的"


@pytest.mark.parametrize("token", [FORGED, "short", "x" * 40, "AAAA%2FAAAAAAA", "啊" * 12])
def test_a_forged_or_broken_link_is_a_polite_404(
    client: TestClient, engine: Bind, token: str
) -> None:
    linked_task(engine)
    page = client.get(f"/s/{token}")
    assert page.status_code == 404 and "链接无效" in page.text
    assert client.post(f"/s/{token}", data=EVERYTHING_FINE).status_code == 404


def test_an_expired_link_changes_nothing(client: TestClient, engine: Bind) -> None:
    task_id, token = linked_task(engine)
    expire(engine, task_id)
    page = client.get(f"/s/{token}")
    assert page.status_code == 410 and "链接已过期" in page.text
    assert _post(client, token, EVERYTHING_FINE).startswith("410")
    assert answers(engine, task_id) == {}


def test_a_survey_answered_by_sms_or_phone_closes_the_link(
    client: TestClient, engine: Bind
) -> None:
    task_id, token = linked_task(engine)
    with Session(engine) as session:
        stored = session.get(type(task(engine, task_id)), task_id)
        assert stored is not None
        stored.status = TaskStatus.completed
        session.add(stored)
        session.commit()
    assert "本次评价已经结束" in client.get(f"/s/{token}").text
    assert "本次评价已经结束" in _post(client, token, EVERYTHING_FINE)
    assert answers(engine, task_id) == {}


def test_a_post_without_the_pages_token_is_refused(client: TestClient, engine: Bind) -> None:
    task_id, token = linked_task(engine)
    client.cookies.clear()
    response = client.post(f"/s/{token}", data=EVERYTHING_FINE, headers={"X-CSRF-Token": ""})
    assert response.status_code == 403
    foreign = client.post(
        f"/s/{token}", data=EVERYTHING_FINE, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    assert answers(engine, task_id) == {}


def _until_refused(fetch: Callable[[int], int], *, budget: int) -> list[int]:
    """Statuses until the first 429; budgets are per clock minute, so a minute that turns
    mid-test splits the count once: a 429 must still come within two budgets."""
    statuses: list[int] = []
    for n in range(2 * budget + 1):
        statuses.append(fetch(n))
        if statuses[-1] == 429:
            break
    return statuses


def test_guessing_links_is_rate_limited(client: TestClient, engine: Bind) -> None:
    linked_task(engine)
    statuses = _until_refused(lambda n: client.get(f"/s/B{n:011d}").status_code, budget=20)
    assert statuses[-1] == 429 and set(statuses[:-1]) == {404}
    assert 20 <= len(statuses) - 1 <= 40


def test_one_link_is_rate_limited(client: TestClient, engine: Bind) -> None:
    _, token = linked_task(engine)
    statuses = _until_refused(lambda _: client.get(f"/s/{token}").status_code, budget=30)
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}
    assert 30 <= len(statuses) - 1 <= 60


def test_opening_is_logged_once_in_the_tasks_history(client: TestClient, engine: Bind) -> None:
    task_id, token = linked_task(engine)
    for _ in range(3):
        client.get(f"/s/{token}")
    with Session(engine) as session:
        notes = session.exec(select(TaskEvent.note).where(TaskEvent.task_id == task_id)).all()
    assert notes.count("已打开网页问卷链接") == 1
    assert link_row(engine, task_id).open_count == 3


def test_the_token_is_stable_unguessable_and_only_its_hash_is_kept(engine: Bind) -> None:
    task_id, token = linked_task(engine)
    link = link_row(engine, task_id)
    assert token == link_token(IvrSettings().link_secret, attempt_id=link.attempt_id)
    assert token != link_token("another-secret-of-the-centre", attempt_id=link.attempt_id)
    assert len(token) == 12 and token not in link.token_hash


@pytest.mark.parametrize(
    ("host", "outlet"),
    [
        ("https://12329.gjj.example.gov.cn", "城东网点"),
        ("https://hf.gjj.cn", "高新技术产业开发区管理部"),
        ("http://127.0.0.1:8000", "城东网点"),
    ],
)
def test_the_link_invitation_is_one_segment(host: str, outlet: str) -> None:
    link = f"{host}/s/{FORGED}"
    text = render_link_invitation(
        signature="住房公积金",
        link=link,
        business="withdrawal",
        on=date(2026, 12, 13),
        outlet=outlet,
    )
    assert segments(text) == 1 and link in text and text.startswith("【住房公积金】")
    # The business is named whenever the host leaves room for it (a long one leaves none).
    assert ("公积金提取" in text) == (len(host) <= 24)


def test_both_modes_offer_the_link_beside_the_digits() -> None:
    link = f"https://hf.gjj.cn/s/{FORGED}"
    text = render_invitation(
        signature="住房公积金", business="loan", on=date(2026, 11, 3), outlet="城东网点", link=link
    )
    assert "请直接回复4位数字" in text and f" {link} " in text and text.endswith("回复TD退订")
    assert segments(text) <= 3
    plain = render_invitation(
        signature="住房公积金", business="loan", on=date(2026, 11, 3), outlet="城东网点"
    )
    assert "/s/" not in plain


def test_the_funnel_counts_sent_opened_answered_and_expired(
    client: TestClient, engine: Bind
) -> None:
    from tests.conftest import make_user

    answered_id, answered = linked_task(engine, phone="+8613900000001")
    _, opened = linked_task(engine, phone="+8613900000002")
    expired_id, _ = linked_task(engine, phone="+8613900000003")
    linked_task(engine, phone="+8613900000004")
    client.get(f"/s/{answered}")
    assert "提交成功" in _post(client, answered, EVERYTHING_FINE)
    client.get(f"/s/{opened}")
    expire(engine, expired_id)
    password = make_user(engine, username="op", role="operator")
    token = client.post("/api/auth/token", data={"username": "op", "password": password})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    figures = client.get("/api/callbacks/metrics/web-links?period=2026-11", headers=bearer)
    assert figures.json() == {"sent": 4, "opened": 2, "answered": 1, "expired": 1}
    assert answered_id != expired_id
    client.post("/login", data={"username": "op", "password": password})
    page = client.get("/callbacks/metrics?period=2026-11").text
    card = page[page.index('id="web-links"') :]
    assert "<td>4</td><td>2</td><td>1</td><td>1</td>" in card and "25.0%" in card
    # The managers' dashboard funnel shows the same two web steps.
    with Session(engine) as session:
        steps = {row[0]: row[1] for row in funnel(session, period=parse_period("2026-11")).rows}
    assert steps["打开网页问卷"] == 2 and steps["网页问卷作答"] == 1
