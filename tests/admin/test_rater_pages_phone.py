"""The ballot and the inspection form on a phone (outlet staff vote, inspectors record on site)."""

from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from scoring.models import FindingPhoto
from tests.admin.test_ballot_pages import _ballots, _centre
from tests.admin.test_inspection_pages import _outlets, png
from tests.browser import PHONE, Browsing
from tests.conftest import Bind, make_user

pytestmark = pytest.mark.phone


def _fits(browsing: Browsing) -> None:
    width = browsing.page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"


def test_a_teller_casts_a_ballot_on_a_phone(browsing: Browsing, engine: Bind) -> None:
    browsing.sign_in("wd01", _centre(engine))
    page = browsing.open("/ballots")
    _fits(browsing)
    ks2 = page.locator("#ballot-department-KS2")
    ks2.locator("input[name=tier_attitude][value=unsatisfied]").check()
    ks2.locator("input[name=tier_work_quality][value=satisfied]").check()
    ks2.locator("input[name=tier_efficiency][value=very_satisfied]").check()
    ks2.locator("textarea[name=reason_attitude]").fill("贷款审批材料清单前后不一致")
    browsing.shoot("ballot")
    ks2.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "已提交对 信贷科 的测评" in page.inner_text("body")
    _fits(browsing)
    browsing.shoot("cast")
    assert _ballots(engine) == 1


def test_an_inspector_records_on_a_phone(browsing: Browsing, engine: Bind, tmp_path: Path) -> None:
    _outlets(engine)
    password = make_user(engine, username="insp", role="inspector")
    (tmp_path / "door.png").write_bytes(png(40, 30))
    browsing.sign_in("insp", password)
    page = browsing.open("/inspections/new")
    _fits(browsing)
    page.select_option("select[name=outlet_code]", "WD02")
    page.fill("input[name=firm]", "湘评咨询")
    page.check("input[name=methods][value=on_site]")
    for area in ("environment", "facilities", "appearance", "conduct", "business"):
        page.fill(f"input[name=area_{area}]", "88")
    page.select_option("select[name=finding_area_0]", "environment")
    page.fill("textarea[name=finding_text_0]", "门前无障碍通道被杂物堵塞")
    page.set_input_files("input[name=finding_photos_0]", str(tmp_path / "door.png"))
    browsing.shoot("form")
    page.click("form[action='/inspections'] button[type=submit]")
    page.wait_for_load_state()
    assert "检查结果已保存" in page.inner_text("body")
    _fits(browsing)
    browsing.shoot("recorded")
    browsing.open("/inspections/common")
    _fits(browsing)  # the wide table scrolls inside its card, the page does not
    browsing.shoot("common")
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(FindingPhoto)).one() == 1
