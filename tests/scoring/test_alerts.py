"""约谈 alerts: last in the outlet ranking *and* clearly below the centre, months running."""

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from sqlmodel import Session, select

from core_ledger.org.models import Outlet
from kernel.clock import centre_tz
from kernel.errors import Conflict, Invalid
from kernel.periods import parse_period
from scoring.alerts import acknowledge_alert, check_bottom_alerts, rule_sentence
from scoring.config import get_scoring_settings
from scoring.models import RankingAlert
from tests.scoring.factories import S, U, V, outlet, rate

SEP = datetime(2026, 9, 12, 10, 0, tzinfo=centre_tz())
OCT = datetime(2026, 10, 12, 10, 0, tzinfo=centre_tz())
NOV = datetime(2026, 11, 12, 10, 0, tzinfo=centre_tz())
NOVEMBER = parse_period("2026-11")


def _people(
    session: Session, at: Outlet, n: int, attitude: str, efficiency: str, when: datetime
) -> None:
    for _ in range(n):
        rate(session, at, attitude, efficiency, when=when)


def _centre(session: Session, *months: datetime, poor: tuple[str, str] = (U, S)) -> Outlet:
    """Two good outlets and a poor one, twenty people each in every month given."""
    a, b, c = outlet(session, "WD01"), outlet(session, "WD02"), outlet(session, "WD03")
    for when in months:
        _people(session, a, 20, V, V, when)
        _people(session, b, 20, V, S, when)
        _people(session, c, 20, *poor, when)
    return c


Setting = Callable[[str, str], None]


@pytest.fixture
def setting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Setting]:
    """Set HUIFANG_<name> for one test, with the scoring settings read afresh."""

    def put(name: str, value: str) -> None:
        monkeypatch.setenv(f"HUIFANG_{name}", value)
        get_scoring_settings.cache_clear()

    yield put
    get_scoring_settings.cache_clear()


def test_last_and_clearly_below_two_months_running_raises_one_alert(session: Session) -> None:
    poor = _centre(session, OCT, NOV)
    # WD03: 20 people scoring (0 + 80) / 2 = 40; centre (2000 + 1800 + 800) / 60 = 76.67.
    # Interval: α0 = 20 + 3 = 23, m = (800 + 180) / 23 = 42.61,
    # E[x²] = (20 × 1600 + 10000 + 6400) / 23 = 2104.35, var = (2104.35 − 1815.50) / 24 = 12.04,
    # upper end 42.61 + 1.96 × 3.47 = 49.41 < 76.67: clearly below, not bad luck.
    (alert,) = check_bottom_alerts(session, period=NOVEMBER)
    assert alert.outlet_id == poor.id and alert.kind == "last_and_below"
    assert "连续两个月（2026年10月、2026年11月）" in alert.detail
    assert "排名末位，且可信区间整体低于全中心平均" in alert.detail
    assert "区间上限 49.4，中心平均 76.7" in alert.detail
    check_bottom_alerts(session, period=NOVEMBER)
    assert len(session.exec(select(RankingAlert)).all()) == 1


def test_last_but_not_clearly_below_raises_nothing(session: Session) -> None:
    a, b, c = outlet(session, "WD01"), outlet(session, "WD02"), outlet(session, "WD03")
    for when in (OCT, NOV):
        _people(session, a, 3, V, V, when)
        _people(session, b, 3, V, V, when)
        rate(session, c, S, S, when=when)
    # WD03 is last every month, but from one person: centre (300 + 300 + 80) / 7 = 97.14;
    # WD03's interval: α0 = 4, m = 260 / 4 = 65, var = (22800 / 4 − 65²) / 5 = 295,
    # upper end 65 + 1.96 × 17.18 = 98.66 ≥ 97.14 — one person's 满意 could be luck.
    assert check_bottom_alerts(session, period=NOVEMBER) == []


def test_the_old_rule_alerts_on_last_alone_when_the_centre_chooses_it(
    session: Session, setting: Setting
) -> None:
    setting("ALERT_RULE", "last")
    a, b = outlet(session, "WD01"), outlet(session, "WD02")
    for when in (OCT, NOV):
        rate(session, a, V, V, when=when)
        rate(session, b, S, S, when=when)
    (alert,) = check_bottom_alerts(session, period=NOVEMBER)
    assert alert.outlet_id == b.id and alert.kind == "last"
    assert "排名末位" in alert.detail and "区间" not in alert.detail.split("（")[0]


def test_clearly_below_in_only_one_of_the_two_months_raises_nothing(session: Session) -> None:
    a, b, c = outlet(session, "WD01"), outlet(session, "WD02"), outlet(session, "WD03")
    for when in (OCT, NOV):
        _people(session, a, 20, V, V, when)
        _people(session, b, 20, V, S, when)
    _people(session, c, 20, U, S, OCT)
    _people(session, c, 20, V, S, NOV)  # tied with WD02 in November: not last
    assert check_bottom_alerts(session, period=NOVEMBER) == []


def test_the_number_of_months_is_a_setting(session: Session, setting: Setting) -> None:
    _centre(session, OCT, NOV)
    setting("ALERT_MONTHS", "3")
    assert check_bottom_alerts(session, period=NOVEMBER) == []  # September was fine
    assert "连续三个月" in rule_sentence()
    for code, tiers in (("WD01", (V, V)), ("WD02", (V, S)), ("WD03", (U, S))):
        at = session.exec(select(Outlet).where(Outlet.code == code)).one()
        _people(session, at, 20, *tiers, SEP)
    (alert,) = check_bottom_alerts(session, period=NOVEMBER)
    assert "连续三个月（2026年9月、2026年10月、2026年11月）" in alert.detail


def test_the_below_rule_ignores_rank(session: Session, setting: Setting) -> None:
    setting("ALERT_RULE", "below")
    a, b, c = outlet(session, "WD01"), outlet(session, "WD02"), outlet(session, "WD03")
    for when in (OCT, NOV):
        _people(session, a, 40, V, V, when)
        _people(session, b, 20, U, S, when)  # 40, clearly below
        _people(session, c, 20, U, U, when)  # 0, last and clearly below
    alerts = check_bottom_alerts(session, period=NOVEMBER)
    assert {x.outlet_id for x in alerts} == {b.id, c.id}


def test_outlets_tied_for_last_and_clearly_below_are_all_alerted(session: Session) -> None:
    a, b, c = outlet(session, "WD01"), outlet(session, "WD02"), outlet(session, "WD03")
    for when in (OCT, NOV):
        _people(session, a, 20, V, V, when)
        _people(session, b, 20, U, U, when)
        _people(session, c, 20, U, U, when)
    alerts = check_bottom_alerts(session, period=NOVEMBER)
    assert {x.outlet_id for x in alerts} == {b.id, c.id}
    assert check_bottom_alerts(session, period=parse_period("2026-12")) == []


def test_all_equal_means_nobody_is_last(session: Session) -> None:
    a, b = outlet(session, "WD01"), outlet(session, "WD02")
    for when in (OCT, NOV):
        _people(session, a, 20, S, S, when)
        _people(session, b, 20, S, S, when)
    assert check_bottom_alerts(session, period=NOVEMBER) == []


def test_alerts_are_monthly_and_acknowledged_once_with_a_note(session: Session) -> None:
    with pytest.raises(Invalid, match="按月"):
        check_bottom_alerts(session, period=parse_period("2026-Q4"))
    _centre(session, OCT, NOV)
    (alert,) = check_bottom_alerts(session, period=NOVEMBER)
    with pytest.raises(Invalid, match="约谈情况"):
        acknowledge_alert(session, alert_id=alert.id or 0, by="boss", note=" ")
    acknowledge_alert(session, alert_id=alert.id or 0, by="boss", note="12月2日约谈网点主任")
    with pytest.raises(Conflict):
        acknowledge_alert(session, alert_id=alert.id or 0, by="boss", note="again")


def test_a_bad_rule_stops_the_settings_with_its_name(setting: Setting) -> None:
    with pytest.raises(ValueError, match="ALERT_RULE"):
        setting("ALERT_RULE", "bottom")
        get_scoring_settings()
