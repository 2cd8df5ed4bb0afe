"""申诉与复核: an outlet appeals a counted rating in time; a manager decides if it counts."""

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core_ledger.org.models import Outlet
from huifang.settings import clear_caches
from kernel.clock import centre_tz
from kernel.errors import Conflict, Forbidden, Invalid
from kernel.periods import parse_period
from scoring.drilldown import callback_drilldown
from scoring.evaluations import register_rater
from scoring.exclusions.appeals import appeal_due_on, decide_appeal, file_appeal
from scoring.exclusions.models import Appeal, AppealState
from scoring.models import CallbackRating
from scoring.rankings import callback_ranking
from tests.conftest import Bind, make_user
from tests.scoring.factories import S, U, V, outlet, rate, teller

FEB = parse_period("2026-02")


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=centre_tz())


# Recorded on Thursday 2026-02-12. Five working days: Fri 13, Sat 14 (调休), then the Spring
# Festival (02-15..02-23), Tue 24, Wed 25, Thu 26 — the last day to appeal is 2026-02-26.
RECORDED, LAST_DAY = at("2026-02-12 10:00"), date(2026, 2, 26)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(RECORDED, tick=False) as traveller:
        yield traveller


def counts(session: Session) -> tuple[int, int, int, int]:
    """(people, very satisfied, satisfied, unsatisfied) of WD01's February ranking."""
    rows = callback_ranking(session, kind="outlet", period=FEB, include_unrated=True)
    (row,) = [r for r in rows if r.subject.code == "WD01"]
    c = row.summary.counts
    return row.responses, c.very_satisfied, c.satisfied, c.unsatisfied


def unhappy(session: Session, at_outlet: Outlet) -> CallbackRating:
    rate(session, at_outlet, V, V, when=at("2026-02-12 09:00"))
    return rate(session, at_outlet, U, S, when=at("2026-02-12 09:30"))


def test_the_deadline_counts_working_days_from_the_day_recorded(
    session: Session, clock: time_machine.Traveller, monkeypatch: pytest.MonkeyPatch
) -> None:
    rating = unhappy(session, outlet(session, "WD01"))
    assert appeal_due_on(rating) == LAST_DAY
    monkeypatch.setenv("HUIFANG_APPEAL_DAYS", "2")
    clear_caches()
    assert appeal_due_on(rating) == date(2026, 2, 14)  # the worked Saturday counts
    monkeypatch.delenv("HUIFANG_APPEAL_DAYS")
    clear_caches()


def test_an_upheld_appeal_leaves_the_rating_out_of_every_score(
    session: Session, clock: time_machine.Traveller
) -> None:
    wd01 = outlet(session, "WD01")
    rating = unhappy(session, wd01)
    assert counts(session) == (2, 1, 0, 1)
    clock.move_to(at("2026-02-26 23:30"))  # the last day, late in the evening
    appeal = file_appeal(
        session, rating_id=rating.id or 0, outlet_id=wd01.id or 0, evidence="监控显示", by="t1"
    )
    assert (appeal.state, appeal.due_on, appeal.filed_by) == (AppealState.open, LAST_DAY, "t1")
    assert counts(session) == (2, 1, 0, 1)  # counted while the review is pending

    decide_appeal(session, appeal_id=appeal.id or 0, upheld=True, note="录像证实", by="boss")
    assert counts(session) == (1, 1, 0, 0)
    assert rating.excluded_reason == f"申诉第 {appeal.id} 号成立：录像证实"
    assert (rating.excluded_by, appeal.state, appeal.decided_by) == ("boss", "upheld", "boss")


def test_a_rejected_appeal_keeps_the_rating_and_another_may_follow_in_time(
    session: Session, clock: time_machine.Traveller
) -> None:
    wd01 = outlet(session, "WD01")
    rating = unhappy(session, wd01)
    first = file_appeal(
        session, rating_id=rating.id or 0, outlet_id=wd01.id or 0, evidence="不认可", by="t1"
    )
    decide_appeal(session, appeal_id=first.id or 0, upheld=False, note="无证据", by="boss")
    assert (first.state, rating.excluded_reason, counts(session)) == (
        AppealState.rejected,
        None,
        (2, 1, 0, 1),
    )
    second = file_appeal(
        session, rating_id=rating.id or 0, outlet_id=wd01.id or 0, evidence="补充录像", by="t1"
    )
    assert second.state == AppealState.open


def test_a_late_appeal_is_refused_saying_until_when(
    session: Session, clock: time_machine.Traveller
) -> None:
    wd01 = outlet(session, "WD01")
    rating = unhappy(session, wd01)
    clock.move_to(at("2026-02-27 00:01"))
    with pytest.raises(Conflict) as refused:
        file_appeal(
            session, rating_id=rating.id or 0, outlet_id=wd01.id or 0, evidence="x", by="t1"
        )
    assert refused.value.message == (
        f"已超过申诉期限：回访评价 #{rating.id} 于 2026-02-12 记录，"
        "须在 5 个工作日内（2026-02-26 前，含当日）申诉"
    )


def test_one_open_appeal_per_rating(session: Session, clock: time_machine.Traveller) -> None:
    wd01 = outlet(session, "WD01")
    rating = unhappy(session, wd01)
    first = file_appeal(
        session, rating_id=rating.id or 0, outlet_id=wd01.id or 0, evidence="a", by="t1"
    )
    with pytest.raises(Conflict, match=f"已有待复核的申诉（第 {first.id} 号）"):
        file_appeal(
            session, rating_id=rating.id or 0, outlet_id=wd01.id or 0, evidence="b", by="t2"
        )
    # Two requests that both passed the check at once still leave one: the database refuses.
    session.add(
        Appeal(
            rating_id=rating.id or 0,
            outlet_id=wd01.id or 0,
            evidence="c",
            due_on=LAST_DAY,
            filed_by="t3",
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_only_an_outlets_own_counted_ratings_can_be_appealed(
    session: Session, clock: time_machine.Traveller
) -> None:
    wd01, wd02 = outlet(session, "WD01"), outlet(session, "WD02")
    rating = unhappy(session, wd01)
    with pytest.raises(Forbidden, match="不属于本网点"):
        file_appeal(
            session, rating_id=rating.id or 0, outlet_id=wd02.id or 0, evidence="x", by="t2"
        )
    with pytest.raises(Invalid, match="请填写申诉理由和证据"):
        file_appeal(
            session, rating_id=rating.id or 0, outlet_id=wd01.id or 0, evidence="  ", by="t1"
        )
    content = rate(session, wd01, V, S, repeat_trip="no", when=at("2026-02-12 09:35"))
    with pytest.raises(Conflict, match="没有计入的“不满意”或“跑回头路”"):
        file_appeal(
            session, rating_id=content.id or 0, outlet_id=wd01.id or 0, evidence="x", by="t1"
        )
    trip = rate(session, wd01, V, V, repeat_trip="yes", when=at("2026-02-12 09:36"))
    file_appeal(session, rating_id=trip.id or 0, outlet_id=wd01.id or 0, evidence="x", by="t1")
    staff = teller(session, wd01, "G01")
    held = rate(session, wd01, U, U, phone=staff.phone, when=at("2026-02-12 09:40"))
    assert held.held
    with pytest.raises(Conflict, match="因异常号码待核实"):
        file_appeal(session, rating_id=held.id or 0, outlet_id=wd01.id or 0, evidence="x", by="t1")
    first = file_appeal(
        session, rating_id=rating.id or 0, outlet_id=wd01.id or 0, evidence="x", by="t1"
    )
    decide_appeal(session, appeal_id=first.id or 0, upheld=True, note="成立", by="boss")
    with pytest.raises(Conflict, match="已不计入评分"):
        file_appeal(
            session, rating_id=rating.id or 0, outlet_id=wd01.id or 0, evidence="y", by="t1"
        )


def test_a_review_is_made_once_and_says_why(
    session: Session, clock: time_machine.Traveller
) -> None:
    wd01 = outlet(session, "WD01")
    rating = unhappy(session, wd01)
    appeal = file_appeal(
        session, rating_id=rating.id or 0, outlet_id=wd01.id or 0, evidence="x", by="t1"
    )
    with pytest.raises(Invalid, match="请填写复核意见"):
        decide_appeal(session, appeal_id=appeal.id or 0, upheld=True, note="", by="boss")
    decide_appeal(session, appeal_id=appeal.id or 0, upheld=False, note="维持", by="boss")
    with pytest.raises(Conflict, match="已复核（维持原评价）"):
        decide_appeal(session, appeal_id=appeal.id or 0, upheld=True, note="改判", by="boss2")


def test_every_step_is_in_the_drilldown_behind_the_score(
    session: Session, clock: time_machine.Traveller
) -> None:
    wd01 = outlet(session, "WD01")
    rating = unhappy(session, wd01)
    appeal = file_appeal(
        session, rating_id=rating.id or 0, outlet_id=wd01.id or 0, evidence="监控录像", by="t1"
    )
    (pending,) = [
        line
        for line in callback_drilldown(session, kind="outlet", code="WD01", period=FEB).lines
        if line.rating_id == rating.id
    ]
    assert (pending.counted, pending.open_appeal_id, pending.appeal_due_on) == (
        True,
        appeal.id,
        LAST_DAY,
    )
    clock.move_to(at("2026-02-24 10:00"))
    decide_appeal(session, appeal_id=appeal.id or 0, upheld=True, note="录像证实", by="boss")
    drill = callback_drilldown(session, kind="outlet", code="WD01", period=FEB)
    (line,) = [line for line in drill.lines if line.rating_id == rating.id]
    assert (drill.row.responses, line.counted, line.open_appeal_id) == (1, False, None)
    assert [(h.actor, h.label, h.note, f"{h.at:%m-%d}") for h in line.history] == [
        ("t1", "网点申诉", f"申诉第 {appeal.id} 号：监控录像", "02-12"),
        ("boss", "复核：申诉成立", f"申诉第 {appeal.id} 号：录像证实", "02-24"),
    ]


# Over HTTP: who may do what, and the 4xx answers in Chinese.


def _login(client: TestClient, engine: Bind, username: str, role: str) -> dict[str, str]:
    password = make_user(engine, username=username, role=role)
    answer = client.post("/api/auth/token", data={"username": username, "password": password})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


@pytest.fixture
def rated(engine: Bind, clock: time_machine.Traveller) -> int:
    """WD01 with a 不满意 recorded on 2026-02-12, and WD02; the rating's id."""
    with Session(engine) as session:
        rating = unhappy(session, outlet(session, "WD01", "城东网点"))
        outlet(session, "WD02", "城西网点")
        session.commit()
        return rating.id or 0


def test_appeals_over_http(
    client: TestClient, engine: Bind, rated: int, clock: time_machine.Traveller
) -> None:
    teller_ = _login(client, engine, "wd01-teller", "teller")
    with Session(engine) as session:
        register_rater(session, username="wd01-teller", kind="outlet", code="WD01")
        session.commit()
    boss = _login(client, engine, "boss", "manager")
    operator = _login(client, engine, "op", "operator")
    body = {"rating_id": rated, "evidence": "当日系统故障，有运维记录"}

    for who in (operator, boss):
        refused = client.post("/api/appeals", json=body, headers=who)
        assert refused.status_code == 403 and "无权执行此操作" in refused.json()["detail"]
    filed = _ok(client.post("/api/appeals", json=body, headers=teller_), 201)
    assert (filed["outlet_code"], filed["state"], filed["state_label"], filed["due_on"]) == (
        "WD01",
        "open",
        "待复核",
        "2026-02-26",
    )
    twice = client.post("/api/appeals", json=body, headers=teller_)
    assert twice.status_code == 409 and "已有待复核的申诉" in twice.json()["detail"]

    decision = {"upheld": True, "note": "运维记录属实"}
    url = f"/api/appeals/{filed['id']}/decision"
    assert client.post(url, json=decision, headers=teller_).status_code == 403
    decided = _ok(client.post(url, json=decision, headers=boss))
    assert (decided["state_label"], decided["decided_by"]) == ("申诉成立", "boss")
    assert decided["rating_excluded_reason"] == f"申诉第 {filed['id']} 号成立：运维记录属实"

    ranking = _ok(client.get("/api/rankings/outlets", params={"period": "2026-02"}, headers=boss))
    assert [(r["outlet_code"], r["answers"], r["unsatisfied"]) for r in ranking] == [("WD01", 1, 0)]
    drill = _ok(client.get("/api/rankings/outlets/WD01?period=2026-02", headers=boss))
    (line,) = [r for r in drill["ratings"] if r["rating_id"] == rated]
    assert line["counted"] is False and line["excluded_reason"].startswith("申诉第")
    assert [h["label"] for h in line["history"]] == ["网点申诉", "复核：申诉成立"]
    assert [h["actor"] for h in line["history"]] == ["wd01-teller", "boss"]


def test_a_teller_appeals_for_their_own_outlet_or_the_one_named(
    client: TestClient, engine: Bind, rated: int, clock: time_machine.Traveller
) -> None:
    seated = _login(client, engine, "wd02-teller", "teller")
    with Session(engine) as session:
        register_rater(session, username="wd02-teller", kind="outlet", code="WD02")
        session.commit()
    body = {"rating_id": rated, "evidence": "x"}
    other = client.post("/api/appeals", json={**body, "outlet_code": "WD01"}, headers=seated)
    assert other.status_code == 403 and "只能为本网点申诉" in other.json()["detail"]
    own = client.post("/api/appeals", json=body, headers=seated)
    assert own.status_code == 403 and "不属于本网点" in own.json()["detail"]

    unseated = _login(client, engine, "floater", "teller")
    unnamed = client.post("/api/appeals", json=body, headers=unseated)
    assert unnamed.status_code == 422 and "请注明为哪个网点申诉" in unnamed.json()["detail"]
    empty = client.post(
        "/api/appeals", json={**body, "outlet_code": "WD01", "evidence": " "}, headers=unseated
    )
    assert empty.status_code == 422 and empty.json()["detail"] == "请填写申诉理由和证据"
    _ok(client.post("/api/appeals", json={**body, "outlet_code": "WD01"}, headers=unseated), 201)

    assert _ok(client.get("/api/appeals", headers=seated)) == []
    mine = _ok(client.get("/api/appeals?outlet_code=WD01", headers=unseated))
    assert [a["rating_id"] for a in mine] == [rated]
    boss = _login(client, engine, "boss", "manager")
    assert len(_ok(client.get("/api/appeals?state=open", headers=boss))) == 1
    bad = client.get("/api/appeals?state=pending", headers=boss)
    assert bad.status_code == 422 and "state 应为" in bad.json()["detail"]


def test_a_late_appeal_over_http_is_a_409_naming_the_deadline(
    client: TestClient, engine: Bind, rated: int, clock: time_machine.Traveller
) -> None:
    clock.move_to(at("2026-03-02 09:00"))
    late = client.post(
        "/api/appeals",
        json={"rating_id": rated, "outlet_code": "WD01", "evidence": "x"},
        headers=_login(client, engine, "t", "teller"),
    )
    assert late.status_code == 409
    assert "已超过申诉期限" in late.json()["detail"] and "2026-02-26" in late.json()["detail"]
