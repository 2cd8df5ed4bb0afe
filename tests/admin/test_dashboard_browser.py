"""The dashboard in a real browser: ECharts draws every chart, a table downloads as Excel."""

from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Route
from pypdf import PdfReader
from sqlmodel import Session

from kernel.clock import centre_tz
from tests.browser import Browsing
from tests.callbacks.factories import business
from tests.conftest import Bind, make_user
from tests.scoring.factories import S, U, V, outlet, rate

STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'"
CHARTS = ("chart-trend", "chart-ranking", "chart-tiers", "chart-funnel")
# Whether a chart's canvas has pixels of more than one colour (drawn, not blank).
DRAWN = """id => {
  const canvas = document.querySelector('#' + id + ' canvas');
  if (!canvas) return false;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const first = data.slice(0, 4).join();
  for (let i = 4; i < data.length; i += 4) {
    if (data.slice(i, i + 4).join() !== first) return true;
  }
  return false;
}"""


def _with_strict_csp(route: Route) -> None:
    answer = route.fetch()
    headers = {**answer.headers, "content-security-policy": STRICT_CSP}
    route.fulfill(response=answer, headers=headers)


def test_a_manager_sees_the_charts_drawn_and_downloads_a_table(
    browsing: Browsing, engine: Bind
) -> None:
    with Session(engine) as session:
        east, west = outlet(session, "WD01", "城东网点"), outlet(session, "WD02", "城西网点")
        for month in (9, 10):
            when = datetime(2026, month, 9, 10, 0, tzinfo=centre_tz())
            for attitude, efficiency in ((V, V), (V, S), (S, S)):
                rate(session, east, attitude, efficiency, when=when)
            rate(session, west, U, S, when=when)
            business(session, at=when, phone=f"+86138000000{month:02d}", outlet=east)
        session.commit()
    password = make_user(engine, username="chief", role="manager")
    page = browsing.page
    # The strictest script policy a page can have: no inline script, no eval. The dashboard must
    # draw under it (its data rides in a JSON block, its code in /static).
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.route("**/dashboard", _with_strict_csp)
    browsing.sign_in("chief", password)
    assert page.url.endswith("/dashboard")
    browsing.open("/dashboard")  # once more, not as a redirect: page.route sees it
    assert "管理驾驶舱 · 2026年10月" in page.inner_text("h2")
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart} canvas")
        assert page.evaluate(DRAWN, chart), f"{chart} is blank"
    assert violations == []
    browsing.shoot("dashboard")
    with page.expect_download() as download:
        page.click("#table-ranking-outlet a.export")
    path = download.value.path()
    sheet = load_workbook(BytesIO(path.read_bytes())).active
    assert sheet is not None and sheet["A1"].value == "网点满意度排名 · 2026年10月"
    assert {sheet.cell(row=r, column=2).value for r in (3, 4)} == {"城东网点", "城西网点"}
    with page.expect_download() as report:
        page.click("#quarterly-pdf")
    assert report.value.suggested_filename == "每季度末检查报告-2026-Q4.pdf"
    pdf = PdfReader(BytesIO(report.value.path().read_bytes()))
    text = "".join("".join(p.extract_text() or "" for p in pdf.pages).split())
    assert "每季度末检查报告" in text and "2026年第4季度" in text and "城西网点" in text
    page.click("#table-ranking-outlet a:text('城东网点')")
    page.wait_for_load_state()
    assert "/rankings/outlet/WD01" in page.url
    browsing.shoot("drill-down")


@pytest.mark.phone
def test_on_a_phone_the_charts_fit_the_screen(browsing: Browsing, engine: Bind) -> None:
    with Session(engine) as session:
        east = outlet(session, "WD01", "城东网点")
        rate(session, east, V, S, when=datetime(2026, 10, 9, 10, 0, tzinfo=centre_tz()))
        session.commit()
    browsing.sign_in("phone-chief", make_user(engine, username="phone-chief", role="manager"))
    page = browsing.page
    page.wait_for_selector("#chart-ranking canvas")
    assert page.evaluate(DRAWN, "chart-ranking")
    widths = page.evaluate(
        "() => [...document.querySelectorAll('.chart')].map(c => c.getBoundingClientRect().right)"
    )
    assert widths and max(widths) <= 360
    browsing.shoot("dashboard-phone")
