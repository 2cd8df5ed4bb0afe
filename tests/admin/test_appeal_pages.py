"""Appeal pages: an outlet appeals from the ratings behind its score; a manager reviews."""

from collections.abc import Iterator
from datetime import datetime

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlmodel import Session

from kernel.clock import centre_tz
from scoring.evaluations import register_rater
from tests.conftest import Bind, make_user
from tests.scoring.factories import S, U, V, outlet, rate


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=centre_tz())


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(at("2026-02-12 10:00"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def rated(engine: Bind, clock: time_machine.Traveller) -> int:
    """WD01 with a 非常满意 and a 不满意 recorded on 2026-02-12; the 不满意's id."""
    with Session(engine) as session:
        wd01 = outlet(session, "WD01", "城东网点")
        rate(session, wd01, V, V, when=at("2026-02-12 09:00"))
        rating = rate(session, wd01, U, S, when=at("2026-02-12 09:30"))
        session.commit()
        return rating.id or 0


def sign_in(client: TestClient, engine: Bind, username: str, role: str) -> None:
    password = make_user(engine, username=username, role=role)
    form = {"username": username, "password": password}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def test_an_outlet_appeals_from_its_ratings_and_a_manager_upholds_it(
    client: TestClient, engine: Bind, rated: int
) -> None:
    sign_in(client, engine, "wd01", "teller")
    with Session(engine) as session:
        register_rater(session, username="wd01", kind="outlet", code="WD01")
        session.commit()
    page = client.get("/appeals/outlet?period=2026-02")
    assert page.status_code == 200
    assert "城东网点" in page.text and page.text.count("提出申诉</button>") == 1
    assert "截止 2026-02-26" in page.text and "网点申诉" in page.text

    empty = client.post("/appeals", data={"rating_id": rated, "period": "2026-02"})
    assert empty.status_code == 422 and "请填写申诉理由和证据" in empty.text
    form = {"rating_id": rated, "period": "2026-02", "evidence": "当日系统故障"}
    filed = client.post("/appeals", data=form, follow_redirects=False)
    assert (filed.status_code, filed.headers["location"]) == (303, "/appeals/outlet?period=2026-02")
    page = client.get("/appeals/outlet?period=2026-02")
    assert "已申诉（第 1 号）" in page.text and "申诉待复核" in page.text
    assert "当日系统故障" in page.text and "待复核" in page.text
    assert client.get("/appeals").status_code == 403

    client.cookies.delete("huifang_token")
    sign_in(client, engine, "boss", "manager")
    queue = client.get("/appeals")
    assert queue.status_code == 200 and "当日系统故障" in queue.text and "提交复核" in queue.text
    unchosen = client.post("/appeals/1/decision", data={"note": "x"})
    assert unchosen.status_code == 422 and "请选择复核结论" in unchosen.text
    done = client.post(
        "/appeals/1/decision",
        data={"decision": "upheld", "note": "运维记录属实"},
        follow_redirects=False,
    )
    assert (done.status_code, done.headers["location"]) == (303, "/appeals")
    queue = client.get("/appeals")
    assert (
        "申诉成立" in queue.text and "运维记录属实" in queue.text and "提交复核" not in queue.text
    )

    drill = client.get("/rankings/outlet/WD01?period=2026-02")
    assert drill.status_code == 200
    assert "申诉第 1 号成立：运维记录属实" in drill.text
    assert "处理记录（2）" in drill.text and "复核：申诉成立" in drill.text


def test_a_late_rating_shows_its_deadline_passed(
    client: TestClient, engine: Bind, rated: int, clock: time_machine.Traveller
) -> None:
    clock.move_to(at("2026-03-02 09:00"))
    sign_in(client, engine, "floater", "teller")
    asked = client.get("/appeals/outlet")
    assert asked.status_code == 200 and "请注明为哪个网点申诉" in asked.text
    page = client.get("/appeals/outlet?outlet=WD01&period=2026-02")
    assert page.status_code == 200
    assert page.text.count("已过申诉期（2026-02-26）") == 1 and "提出申诉</button>" not in page.text
    late = client.post(
        "/appeals",
        data={"rating_id": rated, "outlet": "WD01", "period": "2026-02", "evidence": "x"},
    )
    assert late.status_code == 409 and "已超过申诉期限" in late.text


@pytest.mark.parametrize(
    ("role", "path"), [("operator", "/appeals"), ("operator", "/appeals/outlet")]
)
def test_others_get_a_page_that_says_their_role_may_not_see_it(
    client: TestClient, engine: Bind, role: str, path: str
) -> None:
    sign_in(client, engine, f"page-{role}", role)
    answer = client.get(path)
    assert answer.status_code == 403 and "无权查看此页面" in answer.text
