"""Red flags: repeat-trip rates with intervals, and every favour-asking report by itself."""

import pytest
from sqlmodel import Session

from kernel.periods import parse_period
from scoring.redflags import favour_reports, repeat_trip_rates
from scoring.stats import wilson_interval
from tests.scoring.factories import S, V, outlet, rate, teller

NOV = parse_period("2026-11")


def test_repeat_trip_rate_per_outlet_with_its_interval(session: Session) -> None:
    a, b = outlet(session, "WD01"), outlet(session, "WD02")
    for trip in ("yes", "no", "no", "no"):
        rate(session, a, V, V, repeat_trip=trip)
    rate(session, a, V, V, repeat_trip="unclear")  # not answered: not in the denominator
    rate(session, b, V, V, repeat_trip="no")
    rows = {r.subject.code: r for r in repeat_trip_rates(session, kind="outlet", period=NOV)}
    assert (rows["WD01"].asked, rows["WD01"].repeat_trips) == (4, 1)
    assert rows["WD01"].rate == 0.25
    assert rows["WD01"].interval == pytest.approx(wilson_interval(1, 4))
    assert rows["WD02"].rate == 0.0


def test_every_favour_report_is_listed_by_itself_even_from_a_held_number(
    session: Session,
) -> None:
    a = outlet(session, "WD01")
    t1 = teller(session, a, "T1", phone="+8613900001111")
    for _ in range(50):
        rate(session, a, V, S, by=t1)  # fifty happy callbacks cannot hide one report
    first = rate(session, a, V, V, by=t1, favour_asked="yes", phone="+8613800005678")
    second = rate(session, a, S, S, by=t1, favour_asked="yes", phone="+8613900001111")
    reports = favour_reports(session, period=NOV)
    assert {r.rating_id for r in reports} == {first.id, second.id}
    by_id = {r.rating_id: r for r in reports}
    assert by_id[first.id or 0].phone_masked == "138****5678"
    assert by_id[second.id or 0].held is True  # staff's own number: shown, marked
    assert by_id[first.id or 0].teller_code == "T1"
    (row,) = repeat_trip_rates(session, kind="teller", period=NOV)
    assert row.favour_reports == 2
    assert favour_reports(session, period=parse_period("2026-10")) == []
