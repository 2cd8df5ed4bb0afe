"""The managers' dashboard: the latest month with data, its charts' figures, Excel of any table."""

import json
import re
from datetime import date, datetime
from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import Session, select

from core_ledger.org.models import Outlet
from kernel.audit import AuditAction, AuditEvent
from kernel.clock import centre_tz
from scoring.inspections import FindingIn, record_inspection
from scoring.rectification import issue_letter
from tests.callbacks.factories import business
from tests.conftest import Bind, make_user
from tests.scoring.factories import S, U, V, outlet, rate, teller

SEP = datetime(2026, 9, 8, 10, 0, tzinfo=centre_tz())
OCT = datetime(2026, 10, 12, 10, 0, tzinfo=centre_tz())


def _sign_in(client: TestClient, engine: Bind, role: str = "manager") -> None:
    password = make_user(engine, username=f"dash-{role}", role=role)
    answer = client.post(
        "/login", data={"username": f"dash-{role}", "password": password}, follow_redirects=False
    )
    assert answer.status_code == 303


def _charts(page: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="dashboard-data">(.*?)</script>', page)
    assert found, "the page carries its chart data"
    data = json.loads(found.group(1))
    assert isinstance(data, dict)
    return data


@pytest.fixture
def centre(engine: Bind) -> None:
    """Two outlets rated in September and October; October's business also has callback tasks."""
    with Session(engine) as session:
        east, west = outlet(session, "WD01", "城东网点"), outlet(session, "WD02", "城西网点")
        t1 = teller(session, east, "T1")
        for when, pairs in ((SEP, [(V, V), (V, S)]), (OCT, [(V, V), (S, S), (V, V)])):
            for attitude, efficiency in pairs:
                rate(session, east, attitude, efficiency, by=t1, when=when)
            rate(session, west, U, S, when=when)
        for n in range(3):
            business(session, at=OCT, phone=f"+861381234500{n}", outlet=east)
        session.commit()


def test_the_dashboard_opens_on_the_latest_month_with_data(
    client: TestClient, engine: Bind, centre: None
) -> None:
    _sign_in(client, engine)
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "管理驾驶舱 · 2026年10月" in page.text
    assert '<script src="/static/vendor/echarts/echarts.min.js">' in page.text
    charts = _charts(page.text)
    trend = charts["trend"]
    assert isinstance(trend, dict)
    assert trend["months"] == ["2026-09", "2026-10"]  # from the first rated month on
    east = next(s for s in trend["series"] if s["name"] == "城东网点")
    assert east["data"] == [pytest.approx(95.0), pytest.approx(93.3)]
    ranking = charts["ranking"]
    assert isinstance(ranking, dict) and ranking["names"] == ["城东网点", "城西网点"]
    bounds = zip(ranking["low"], ranking["scores"], ranking["high"], strict=True)
    assert all(low <= score <= high for low, score, high in bounds)
    tiers = charts["tiers"]
    assert isinstance(tiers, dict)
    assert [s["data"] for s in tiers["series"]] == [[2, 0], [1, 0], [0, 1]]
    funnel = charts["funnel"]
    assert isinstance(funnel, list) and funnel[0] == {"name": "应回访业务", "value": 3}
    assert "/rankings/outlet/WD01?period=2026-10" in page.text  # drill-down
    glance = re.findall(r'<span class="muted">([^<]+)</span><strong>([^<]+)</strong>', page.text)
    assert dict(glance) == {
        "回访人次": "4",
        "全中心得分": "80.0",  # (100 + 80 + 100 + 40) / 4 people
        "满意率": "75.0%",
        "回访完成率": "0.0%",  # the three tasks of October were not called yet
        "待处理工单": "0",
        "其中已超时": "0",
    }
    assert '<option value="2026-10"><option value="2026-Q4"><option value="2026-09">' in page.text
    assert "月度满意度得分（截至2026年10月）" in page.text and "跑回头路比例" in page.text
    assert "open" not in re.sub(r"<[^>]+>", "", page.text.split("<script")[0])


def test_a_period_can_be_chosen_and_a_bad_one_is_refused_in_chinese(
    client: TestClient, engine: Bind, centre: None
) -> None:
    _sign_in(client, engine)
    september = client.get("/dashboard", params={"period": "2026-09"})
    assert "2026年9月" in september.text
    assert _charts(september.text)["trend"]["months"] == ["2026-09"]  # type: ignore[index]
    assert "2026年度" in client.get("/dashboard", params={"period": "2026"}).text
    bad = client.get("/dashboard", params={"period": "2026-13"})
    assert bad.status_code == 422 and "YYYY-MM" in bad.text
    missing = client.get("/dashboard/export/nothing.xlsx", params={"period": "2026-10"})
    assert missing.status_code == 404 and "可导出" in missing.text


def test_any_table_downloads_as_excel_and_the_export_is_audited(
    client: TestClient, engine: Bind, centre: None
) -> None:
    with Session(engine) as session:
        sly = outlet(session, "WD03", '=HYPERLINK("http://example.com","点我")')
        rate(session, sly, V, V, when=OCT)
        session.commit()
    _sign_in(client, engine)
    answer = client.get("/dashboard/export/ranking-outlet.xlsx", params={"period": "2026-10"})
    assert answer.status_code == 200
    assert "ranking-outlet-2026-10.xlsx" in answer.headers["content-disposition"]
    sheet = load_workbook(BytesIO(answer.content)).active
    assert sheet is not None
    assert sheet["A1"].value == "网点满意度排名 · 2026年10月"
    assert [c.value for c in sheet[2]] == [
        "名次",
        "名称",
        "得分",
        "区间下限",
        "区间上限",
        "回访人次",
        "小样本",
    ]
    names = {sheet.cell(row=r, column=2).value: r for r in range(3, sheet.max_row + 1)}
    assert "城东网点" in names and "城西网点" in names
    formula = sheet.cell(row=names['=HYPERLINK("http://example.com","点我")'], column=2)
    assert formula.data_type == "s" and formula.quotePrefix  # shown as typed, never run
    assert sheet.cell(row=names["城东网点"], column=6).value == 3
    tiers = load_workbook(
        BytesIO(client.get("/dashboard/export/tiers.xlsx", params={"period": "2026-10"}).content)
    ).active
    assert tiers is not None and tiers["A1"].value == "满意度档次构成 · 2026年10月"
    with Session(engine) as session:
        subjects = [
            e.subject
            for e in session.exec(select(AuditEvent).where(AuditEvent.action == AuditAction.export))
        ]
    assert subjects == ["dashboard:ranking-outlet:2026-10", "dashboard:tiers:2026-10"]


def test_managers_start_on_the_dashboard_and_others_may_not_open_it(
    client: TestClient, engine: Bind
) -> None:
    assert client.get("/dashboard", follow_redirects=False).headers["location"] == "/login"
    _sign_in(client, engine, role="teller")
    assert client.get("/dashboard").status_code == 403
    assert client.get("/dashboard/export/tiers.xlsx").status_code == 403
    client.cookies.delete("huifang_token")
    _sign_in(client, engine, role="manager")
    home = client.get("/", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/dashboard")
    empty = client.get("/dashboard")
    assert empty.status_code == 200 and "本期暂无数据" in empty.text


def test_echarts_is_served_by_the_app_with_its_licence(client: TestClient) -> None:
    script = client.get("/static/vendor/echarts/echarts.min.js")
    assert script.status_code == 200 and "echarts" in script.text[:2000].lower()
    assert "Apache License" in client.get("/static/vendor/echarts/LICENSE").text
    assert client.get("/static/dashboard.js").status_code == 200


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(BytesIO(content))
    # Table cells wrap: compare without the line breaks and spaces the layout put in.
    return "".join("".join(page.extract_text() or "" for page in reader.pages).split())


def test_the_quarterly_report_is_a_pdf_with_rankings_trends_flags_and_rectification(
    client: TestClient, engine: Bind, centre: None
) -> None:
    with Session(engine) as session:
        east = session.exec(select(Outlet).where(Outlet.code == "WD01")).one()
        rate(session, east, V, V, when=OCT, favour_asked="yes", phone="+8613912345678")
        inspection = record_inspection(
            session,
            outlet_code="WD02",
            quarter="2026-Q4",
            score=86.5,
            inspected_on=date(2026, 10, 20),
            firm="湘诚第三方评估有限公司",
            findings=[FindingIn(text="服务监督牌未摆放在显眼位置")],
            recorded_by="inspector",
        )
        issue_letter(
            session, inspection_id=inspection.id or 0, issued_on=date(2026, 10, 21), issued_by="x"
        )
        session.commit()
    _sign_in(client, engine)
    answer = client.get("/dashboard/quarterly.pdf", params={"quarter": "2026-Q4"})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    text = _pdf_text(answer.content)
    fonts: set[str] = set()
    for page in PdfReader(BytesIO(answer.content)).pages:
        resources = page["/Resources"].get_object()
        assert isinstance(resources, dict)
        fonts |= {str(font.get_object()["/BaseFont"]) for font in resources["/Font"].values()}
    assert any("CJK" in name for name in fonts), fonts  # Chinese set in a CJK font, not boxes
    assert "每季度末检查报告" in text and "2026年第4季度" in text
    assert "2026-11" not in text  # no trailing months without ratings
    assert "网点满意度排名" in text and "城东网点" in text and "城西网点" in text
    assert "月度满意度得分" in text and "2026-09" in text  # the trend reaches back
    assert "索拿卡要" in text and "139****5678" in text and "13912345678" not in text
    assert "服务监督牌未摆放在显眼位置" in text and "JB-2026-Q4-WD02" in text
    assert "86.5" in text and "待问题交办函（签收）" in text
    assert "绩效考核" in text
    bad = client.get("/dashboard/quarterly.pdf", params={"quarter": "2026-10"})
    assert bad.status_code == 422 and "YYYY-Qn" in bad.text
    with Session(engine) as session:
        audited = session.exec(
            select(AuditEvent).where(AuditEvent.subject == "dashboard:quarterly-report:2026-Q4")
        ).all()
    assert len(audited) == 1
