"""The web survey in a real phone browser (Debian's chromium, 360 px wide), screenshots kept."""

import pytest

from callbacks.models import TaskStatus
from tests.browser import Browsing
from tests.conftest import Bind
from tests.ivr.web.support import answers, expire, linked_task, task

pytestmark = pytest.mark.phone


def _fits_the_phone(browsing: Browsing) -> None:
    page = browsing.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    heights = page.eval_on_selector_all(
        "label.option, button", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, heights  # thumb-sized tap targets


def test_a_person_fills_the_survey_on_a_phone(browsing: Browsing, engine: Bind) -> None:
    task_id, token = linked_task(engine)
    page = browsing.open(f"/s/{token}")
    # The same link open in a second tab (tapped twice in the SMS app).
    second = page.context.new_page()
    second.goto(f"{browsing.app_url}/s/{token}")
    assert page.title() == "服务评价"
    _fits_the_phone(browsing)
    browsing.shoot("1-survey")
    page.click("#q-attitude label.option:has-text('非常满意')")
    page.click("#q-efficiency label.option:has-text('不满意')")
    page.click("#q-repeat_trip label.option:has-text('没有')")
    page.click("#q-favour_asked label.option:has-text('没有')")
    page.click("button.primary")
    assert "请简单写一下原因" in page.inner_text("#q-efficiency")
    # Their choices are still there after the refusal.
    assert page.is_checked("#q-attitude input[value=very_satisfied]")
    browsing.shoot("2-reason-needed")
    page.fill("textarea[name=reason_efficiency]", "排队等了一个多小时")
    page.fill("textarea[name=suggestion]", "希望多开几个窗口")
    page.click("button.primary")
    assert "提交成功" in page.inner_text("h2")
    browsing.shoot("3-thanks")
    assert answers(engine, task_id)["efficiency"] == ("unsatisfied", "web")
    assert task(engine, task_id).status == TaskStatus.completed
    # Submitting from the second tab too: a polite page, nothing changes.
    for question in ("attitude", "efficiency", "repeat_trip", "favour_asked"):
        second.click(f"#q-{question} label.option >> nth=0")
    second.click("button.primary")
    assert "您已完成本次评价" in second.inner_text("h2")
    second.screenshot(path=str(browsing.folder / "4-double-submit.png"), full_page=True)
    assert "您已完成本次评价" in browsing.open(f"/s/{token}").inner_text("h2")
    assert answers(engine, task_id)["efficiency"] == ("unsatisfied", "web")


def test_the_survey_works_without_javascript(browsing: Browsing, engine: Bind) -> None:
    task_id, token = linked_task(engine)
    browser = browsing.page.context.browser
    assert browser is not None
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740}, locale="zh-CN"
    )
    try:
        page = context.new_page()
        page.goto(f"{browsing.app_url}/s/{token}")
        for question, label in (
            ("attitude", "满意"),
            ("efficiency", "非常满意"),
            ("repeat_trip", "没有"),
            ("favour_asked", "有"),
        ):
            page.click(f"#q-{question} label.option >> text='{label}'")
        page.click("button.primary")
        assert "确认属实" in page.inner_text(".confirm")
        page.screenshot(path=str(browsing.folder / "confirm-no-js.png"), full_page=True)
        page.click("button[name=confirmed]")
        assert "提交成功" in page.inner_text("h2")
    finally:
        context.close()
    assert answers(engine, task_id)["favour_asked"] == ("yes", "web")


def test_used_expired_and_forged_links_show_polite_pages(browsing: Browsing, engine: Bind) -> None:
    expired_id, expired = linked_task(engine)
    expire(engine, expired_id)
    assert "链接已过期" in browsing.open(f"/s/{expired}").inner_text("h2")
    browsing.shoot("expired")
    assert "链接无效" in browsing.open("/s/ZZZZZZZZZZZZ").inner_text("h2")
    browsing.shoot("forged")
