"""Every raters' and inspectors' page in a real browser, with data, each saved as a screenshot:
seating raters, the rounds, the inspections list, an inspection with its issue letter."""

from sqlmodel import Session, col, select

from kernel.clock import utcnow
from kernel.periods import month_of
from scoring.models import Inspection
from scoring.rectification import issue_letter
from tests.admin.test_ballot_pages import _centre
from tests.admin.test_inspection_pages import _history, _outlets
from tests.browser import Browsing
from tests.conftest import Bind, make_user


def test_the_centres_pages_for_ballots_and_inspections_render(
    browsing: Browsing, engine: Bind
) -> None:
    _outlets(engine)
    _history(engine)
    _centre(engine, outlet_exists=True)
    with Session(engine) as session:
        inspection = session.exec(
            select(Inspection).where(Inspection.quarter == "2026-Q3").order_by(col(Inspection.id))
        ).first()
        assert inspection is not None
        issue_letter(
            session,
            inspection_id=inspection.id or 0,
            issued_on=inspection.inspected_on,
            issued_by="boss",
        )
        session.commit()
        inspection_id = inspection.id
    make_user(engine, username="ks1-head", role="department")
    browsing.sign_in("root", make_user(engine, username="root", role="admin"))

    page = browsing.open("/ballots/raters")
    page.select_option("select[name=username]", "ks1-head")
    page.select_option("select[name=seat]", "department:KS1")
    page.click("form#seat button[type=submit]")
    page.wait_for_load_state()
    assert "归集科（KS1）" in page.locator("#raters").inner_text()
    browsing.shoot("raters")

    page = browsing.open("/ballots/rounds")
    assert month_of(utcnow()) in page.locator("#rounds").inner_text()
    browsing.shoot("rounds")

    page = browsing.open("/inspections?period=2026")
    assert page.locator("tbody tr").count() == 5
    browsing.shoot("inspections")

    page = browsing.open(f"/inspections/{inspection_id}")
    body = page.inner_text("#letter")
    assert "问题交办函（签收）" in body and "问题整改报告" in body
    browsing.shoot("inspection-with-letter")
