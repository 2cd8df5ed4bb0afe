"""约谈 alerts: last in the outlet ranking two months running."""

from datetime import datetime

import pytest
from sqlmodel import Session, select

from kernel.clock import centre_tz
from kernel.errors import Conflict, Invalid
from kernel.periods import parse_period
from scoring.alerts import acknowledge_alert, check_bottom_alerts
from scoring.models import RankingAlert
from tests.scoring.factories import S, U, V, outlet, rate

OCT = datetime(2026, 10, 12, 10, 0, tzinfo=centre_tz())
NOV = datetime(2026, 11, 12, 10, 0, tzinfo=centre_tz())


def test_last_two_months_running_raises_one_alert_however_often_checked(
    session: Session,
) -> None:
    a, b, c = outlet(session, "WD01"), outlet(session, "WD02"), outlet(session, "WD03")
    for when in (OCT, NOV):
        rate(session, a, V, V, when=when)
        rate(session, b, V, S, when=when)
        rate(session, c, U, S, when=when)
    (alert,) = check_bottom_alerts(session, period=parse_period("2026-11"))
    assert alert.outlet_id == c.id
    assert "连续两个月" in alert.detail and "2026年10月" in alert.detail
    check_bottom_alerts(session, period=parse_period("2026-11"))
    assert len(session.exec(select(RankingAlert)).all()) == 1


def test_last_in_only_one_of_the_two_months_raises_nothing(session: Session) -> None:
    a, b = outlet(session, "WD01"), outlet(session, "WD02")
    rate(session, a, U, U, when=OCT)
    rate(session, b, V, V, when=OCT)
    rate(session, a, V, V, when=NOV)
    rate(session, b, U, U, when=NOV)
    assert check_bottom_alerts(session, period=parse_period("2026-11")) == []


def test_outlets_tied_for_last_are_all_alerted_but_a_ranking_of_equals_has_no_last(
    session: Session,
) -> None:
    a, b, c = outlet(session, "WD01"), outlet(session, "WD02"), outlet(session, "WD03")
    for when in (OCT, NOV):
        rate(session, a, V, V, when=when)
        rate(session, b, U, U, when=when)
        rate(session, c, U, U, when=when)
    alerts = check_bottom_alerts(session, period=parse_period("2026-11"))
    assert {x.outlet_id for x in alerts} == {b.id, c.id}
    assert check_bottom_alerts(session, period=parse_period("2026-12")) == []


def test_all_equal_means_nobody_is_last(session: Session) -> None:
    a, b = outlet(session, "WD01"), outlet(session, "WD02")
    for when in (OCT, NOV):
        rate(session, a, S, S, when=when)
        rate(session, b, S, S, when=when)
    assert check_bottom_alerts(session, period=parse_period("2026-11")) == []


def test_alerts_are_monthly_and_acknowledged_once_with_a_note(session: Session) -> None:
    with pytest.raises(Invalid, match="按月"):
        check_bottom_alerts(session, period=parse_period("2026-Q4"))
    a, b = outlet(session, "WD01"), outlet(session, "WD02")
    for when in (OCT, NOV):
        rate(session, a, V, V, when=when)
        rate(session, b, U, U, when=when)
    (alert,) = check_bottom_alerts(session, period=parse_period("2026-11"))
    with pytest.raises(Invalid, match="约谈情况"):
        acknowledge_alert(session, alert_id=alert.id or 0, by="boss", note=" ")
    acknowledge_alert(session, alert_id=alert.id or 0, by="boss", note="12月2日约谈网点主任")
    with pytest.raises(Conflict):
        acknowledge_alert(session, alert_id=alert.id or 0, by="boss", note="again")
