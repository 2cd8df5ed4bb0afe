"""The ranking pages as a manager sees them: every kind, drill-down, the method, red flags."""

from datetime import datetime, timedelta
from io import BytesIO

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from core_ledger.org.service import create_department
from kernel.clock import centre_tz
from kernel.periods import parse_period
from scoring.evaluations import cast_ballot, open_round, register_rater
from tests.conftest import Bind, make_user
from tests.scoring.factories import S, U, V, outlet, rate, teller

NOV = datetime(2026, 11, 10, 10, 0, tzinfo=centre_tz())


def _sign_in(client: TestClient, engine: Bind, role: str = "manager") -> None:
    password = make_user(engine, username=f"web-{role}", role=role)
    answer = client.post(
        "/login", data={"username": f"web-{role}", "password": password}, follow_redirects=False
    )
    assert answer.status_code == 303


def test_pages_need_sign_in_and_a_reading_role(client: TestClient, engine: Bind) -> None:
    answer = client.get("/rankings", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    _sign_in(client, engine, role="teller")
    assert client.get("/rankings").status_code == 403


def test_outlet_page_shows_scores_intervals_small_samples_and_the_method(
    client: TestClient, engine: Bind
) -> None:
    with Session(engine) as session:
        a = outlet(session, "WD01", "城东网点")
        t1 = teller(session, a, "T1")
        rate(session, a, V, S, by=t1, when=NOV, phone="+8613812345678", favour_asked="yes")
        session.commit()
    _sign_in(client, engine)
    page = client.get("/rankings", params={"period": "2026-11"}).text
    assert "网点满意度排名 · 2026年11月" in page
    assert "城东网点" in page and "90.0" in page and "小样本" in page
    assert "评分方法说明" in page and "Dirichlet" in page
    assert "一次回访计一人次，得分为其服务态度、办事效率两项的平均" in page
    assert "<th>人次</th>" in page and "少于 20 人次" in page
    assert "按项计数" not in page and "有效回答" not in page  # the old per-answer notes are gone
    detail = client.get("/rankings/outlet/WD01", params={"period": "2026-11"}).text
    assert "138****5678" in detail and "13812345678" not in detail
    assert "得分 = (1×90) ÷ 1 人次 = 90.00" in detail
    red = client.get("/rankings/red-flags", params={"period": "2026-11"}).text
    assert "“索拿卡要”反映（1 条" in red
    teller_page = client.get("/rankings", params={"period": "2026-Q4", "kind": "teller"}).text
    assert "柜员T1" in teller_page
    bad = client.get("/rankings", params={"period": "2026-13"})
    assert bad.status_code == 422 and "YYYY-MM" in bad.text
    missing = client.get("/rankings/outlet/WD99", params={"period": "2026-11"})
    assert missing.status_code == 404


def test_department_detail_shows_reasons_not_raters(client: TestClient, engine: Bind) -> None:
    make_user(engine, username="rater-wd01", role="teller")
    with Session(engine) as session:
        outlet(session, "WD01", "城东网点")
        create_department(session, code="KS1", name="归集科")
        rater = register_rater(session, username="rater-wd01", kind="outlet", code="WD01")
        opens = datetime(2026, 11, 25, tzinfo=centre_tz())
        period = parse_period("2026-11")
        open_round(session, period=period, opens_at=opens, closes_at=opens + timedelta(days=3))
        answers = {"attitude": (U, "电话长期无人接听"), "work_quality": (S, None)}
        answers["efficiency"] = (S, None)
        cast_ballot(
            session,
            rater=rater,
            period=period,
            subject_kind="department",
            subject_code="KS1",
            answers=answers,
            now=opens + timedelta(hours=1),
        )
        session.commit()
    _sign_in(client, engine)
    page = client.get("/rankings/department/KS1", params={"period": "2026-11"}).text
    assert "电话长期无人接听" in page
    assert "rater-wd01" not in page and "城东网点" not in page


def test_alerts_page_raises_and_records_a_talk(client: TestClient, engine: Bind) -> None:
    with Session(engine) as session:
        a, b = outlet(session, "WD01", "城东网点"), outlet(session, "WD02", "城西网点")
        for when in (NOV - timedelta(days=31), NOV):
            for _ in range(8):  # enough people for 城西's interval to sit below the centre
                rate(session, a, V, V, when=when)
                rate(session, b, U, U, when=when)
        session.commit()
    _sign_in(client, engine)
    client.post("/rankings/alerts/check", data={"period": "2026-11"})
    page = client.get("/rankings/alerts", params={"period": "2026-11"}).text
    assert "城西网点连续两个月（2026年10月、2026年11月）回访满意度排名末位，且可信区间" in page
    assert "规则：网点连续两个月回访满意度排名末位，且可信区间整体低于全中心平均的" in page
    appraisal = client.get("/rankings/appraisal", params={"period": "2026-11"}).text
    assert "网点绩效考核" in appraisal and "本期无检查" in appraisal
    assert "回访仅 8 人次，少于 20 人次，不计入" in appraisal
    assert "8 人次" in appraisal
    wrong = client.get("/rankings/appraisal", params={"period": "2026-11", "weights": "callback=2"})
    assert wrong.status_code == 422


def test_a_manager_downloads_the_ranking_as_excel(client: TestClient, engine: Bind) -> None:
    with Session(engine) as session:
        a, b = outlet(session, "WD01", "城东网点"), outlet(session, "WD02", "城西网点")
        rate(session, a, V, S, when=NOV)
        rate(session, b, U, S, when=NOV)
        session.commit()
    assert client.get("/rankings/export.xlsx", follow_redirects=False).status_code == 303
    _sign_in(client, engine)
    page = client.get("/rankings", params={"period": "2026-11"}).text
    assert "/rankings/export.xlsx?kind=outlet&period=2026-11" in page
    answer = client.get("/rankings/export.xlsx", params={"period": "2026-11"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "ranking-outlet-2026-11.xlsx" in answer.headers["content-disposition"]
    book = load_workbook(BytesIO(answer.content))
    sheet = book["网点排名"]
    assert sheet["A1"].value == "网点满意度排名 · 2026年11月"
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[2], r[4], r[9]) for r in rows] == [(1, "WD01", 90.0, 1), (2, "WD02", 40.0, 1)]
    header = next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))
    assert header[9:13] == ("回访人次", "非常满意", "满意", "不满意")
    method = " ".join(str(r[0]) for r in book["评分方法"].iter_rows(values_only=True))
    assert "按人次" in method and "有效回答" not in method
    bad = client.get("/rankings/export.xlsx", params={"period": "2026-11", "kind": "unit"})
    assert bad.status_code == 422 and "未知的排名类型" in bad.text
    assert client.get("/rankings/export.xlsx", params={"period": "11/2026"}).status_code == 422


def test_project_contacts_have_their_own_page_apart_from_the_outlet_ranking(
    client: TestClient, engine: Bind
) -> None:
    with Session(engine) as session:
        a = outlet(session, "WD01", "城东网点")
        b = outlet(session, "WD02", "城西网点")
        rate(session, a, V, V, when=NOV)
        rate(session, b, U, S, when=NOV, audience="project_contact")
        session.commit()
    _sign_in(client, engine)
    ranking = client.get("/rankings", params={"period": "2026-11"}).text
    assert "共 1 人次" in ranking  # the borrower only (every outlet is listed, 城西 unrated)
    assert 'href="/rankings/project-contacts?period=2026-11"' in ranking
    page = client.get("/rankings/project-contacts", params={"period": "2026-11"}).text
    assert "签约楼盘负责人评价 · 2026年11月" in page and "不计入网点、柜员满意度排名" in page
    assert "城西网点" in page and "40.0" in page and "城东网点" not in page
    empty = client.get("/rankings/project-contacts", params={"period": "2026-10"}).text
    assert "暂无楼盘负责人评价" in empty
