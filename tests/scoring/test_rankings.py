"""Callback rankings of outlets and tellers: hand-computed scores, intervals, ties, periods."""

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from kernel.clock import centre_tz
from kernel.periods import parse_period
from scoring.rankings import RankedSubject, callback_ranking
from scoring.service import outlet_ranking
from scoring.stats import TierCounts
from tests.scoring.factories import S, U, V, outlet, rate, teller

NOV = parse_period("2026-11")


def _by_code(rows: list[RankedSubject]) -> dict[str, RankedSubject]:
    return {row.subject.code: row for row in rows}


def test_outlet_scores_rates_and_shrunk_ranks_are_as_computed_by_hand(session: Session) -> None:
    a, b = outlet(session, "WD01"), outlet(session, "WD02")
    rate(session, a, V, V)  # 100
    rate(session, a, V, S)  # 90
    rate(session, a, S, U)  # 40
    rate(session, b, V, S)  # 90
    rows = _by_code(callback_ranking(session, kind="outlet", period=NOV))

    # A: three people scoring 100, 90, 40 → 230 / 3 = 76.667; 满意率: 2 of 3 people had no 不满意.
    assert rows["WD01"].responses == 3
    assert rows["WD01"].summary.people == 3
    assert rows["WD01"].summary.sample.answers.total == 6
    assert rows["WD01"].counts == TierCounts(1, 1, 1)  # people: all 非常满意 / 满意 / any 不满意
    assert rows["WD01"].score == pytest.approx(230 / 3)
    assert rows["WD01"].summary.satisfaction_rate == pytest.approx(2 / 3)
    # B: one person, 90.
    assert rows["WD02"].score == pytest.approx(90.0)
    # Centre mean (230 + 90) / 4 people = 80; shrunk A = (230 + 10×80) / (3 + 10) = 79.23,
    # shrunk B = (90 + 800) / 11 = 80.91.
    assert rows["WD01"].centre_score == pytest.approx(80.0)
    assert rows["WD01"].summary.shrunk_score == pytest.approx(1030 / 13)
    assert rows["WD02"].summary.shrunk_score == pytest.approx(890 / 11)
    assert (rows["WD02"].rank, rows["WD01"].rank) == (1, 2)
    assert rows["WD01"].summary.small_sample and rows["WD02"].summary.small_sample


def test_interval_of_a_one_person_outlet(session: Session) -> None:
    b = outlet(session, "WD02")
    rate(session, b, V, S)
    (row,) = callback_ranking(session, kind="outlet", period=NOV)
    # One person scoring 90, with the three imaginary ones (100, 80, 0): α0 = 4;
    # mean (90 + 180) / 4 = 67.5; E[x²] = (8100 + 16400) / 4 = 6125;
    # var = (6125 − 67.5²) / 5 = 313.75; 67.5 ± 1.96 × 17.713 = 32.78 .. 102.22 → capped at 100.
    assert row.summary.interval == pytest.approx((67.5 - 1.959964 * 313.75**0.5, 100.0))
    assert row.summary.interval_level == 0.95


def test_ten_people_are_a_small_sample_however_many_answers_they_gave(session: Session) -> None:
    a = outlet(session, "WD01")
    for _ in range(10):
        rate(session, a, V, V)
    (row,) = callback_ranking(session, kind="outlet", period=NOV)
    assert (row.responses, row.summary.sample.answers.total) == (10, 20)
    assert row.summary.small_sample is True  # 10 people < HUIFANG_MIN_PEOPLE 20


def test_a_callback_with_one_rating_is_one_person_and_one_with_none_is_nobody(
    session: Session,
) -> None:
    a = outlet(session, "WD01")
    rate(session, a, V, None)  # 100: only attitude rated
    rate(session, a, U, S)  # 40
    rate(session, a, None, None)  # answered only the yes/no questions: no score
    (row,) = callback_ranking(session, kind="outlet", period=NOV)
    assert row.responses == 2
    assert row.score == pytest.approx(70.0)  # (100 + 40) / 2, not (100 + 0 + 80) / 3
    assert row.summary.distribution == ((100.0, 1), (40.0, 1))


def test_ties_share_a_rank_and_the_next_rank_is_skipped(session: Session) -> None:
    c, d, e = outlet(session, "WD03"), outlet(session, "WD04"), outlet(session, "WD05")
    for o in (c, d):
        rate(session, o, V, S)
    rate(session, e, S, S)
    rows = callback_ranking(session, kind="outlet", period=NOV)
    assert [(r.subject.code, r.rank) for r in rows] == [("WD03", 1), ("WD04", 1), ("WD05", 3)]


def test_teller_ranking_counts_only_callbacks_that_name_a_teller(session: Session) -> None:
    a = outlet(session, "WD01")
    t1, t2 = teller(session, a, "T1"), teller(session, a, "T2")
    rate(session, a, V, V, by=t1)
    rate(session, a, U, S, by=t2)
    rate(session, a, U, U)  # no teller: counts for the outlet only
    rows = _by_code(callback_ranking(session, kind="teller", period=NOV))
    assert set(rows) == {"T1", "T2"}
    assert rows["T1"].score == 100.0
    assert rows["T2"].score == 40.0  # (0 + 80) / 2
    assert rows["T1"].subject.group == "WD01网点"
    # People with any 不满意: T2's callback and the one without a teller.
    assert outlet_ranking(session, period="2026-11")[0].counts.unsatisfied == 2


def test_unrated_outlets_are_listed_last_without_a_rank_only_when_asked(session: Session) -> None:
    a = outlet(session, "WD01")
    outlet(session, "WD09")
    rate(session, a, S, S)
    assert [r.subject.code for r in callback_ranking(session, kind="outlet", period=NOV)] == [
        "WD01"
    ]
    rows = callback_ranking(session, kind="outlet", period=NOV, include_unrated=True)
    assert [(r.subject.code, r.rank, r.score) for r in rows] == [
        ("WD01", 1, 80.0),
        ("WD09", None, None),
    ]


def test_month_follows_the_centres_clock_and_quarters_and_years_add_up(session: Session) -> None:
    a = outlet(session, "WD01")
    # 2026-11-30 16:30 UTC is 00:30 on 1 December in Shanghai.
    rate(session, a, U, U, when=datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    rate(session, a, V, V, when=datetime(2026, 10, 3, 9, 0, tzinfo=centre_tz()))
    rate(session, a, S, S, when=datetime(2026, 11, 3, 9, 0, tzinfo=centre_tz()))
    rate(session, a, S, S, when=datetime(2026, 9, 30, 9, 0, tzinfo=centre_tz()))

    def score(period: str) -> float | None:
        (row,) = callback_ranking(session, kind="outlet", period=parse_period(period))
        return row.score

    assert score("2026-11") == 80.0
    assert score("2026-12") == 0.0
    assert score("2026-Q4") == pytest.approx((100 + 80 + 0) / 3)  # Oct, Nov, Dec
    assert score("2026") == pytest.approx((100 + 80 + 0 + 80) / 4)
    assert score("2026-Q3") == 80.0


def test_shrinkage_off_ranks_by_the_raw_score(session: Session, no_shrinkage: None) -> None:
    a, b = outlet(session, "WD01"), outlet(session, "WD02")
    rate(session, a, V, V)  # 100 from one callback
    for _ in range(30):
        rate(session, b, V, S)  # 90 from thirty
    rows = callback_ranking(session, kind="outlet", period=NOV)
    assert [(r.subject.code, r.rank) for r in rows] == [("WD01", 1), ("WD02", 2)]
    assert rows[1].summary.small_sample is False  # 30 people ≥ 20


def test_with_shrinkage_one_lucky_callback_does_not_beat_thirty_good_ones(
    session: Session,
) -> None:
    a, b = outlet(session, "WD01"), outlet(session, "WD02")
    rate(session, a, V, V)
    for _ in range(30):
        rate(session, b, V, S)
    # centre = (100 + 30×90) / 31 = 90.32 (people); A = (100 + 903.2) / 11 = 91.20;
    # B = (2700 + 903.2) / 40 = 90.08 — A still first, but only just: shrinkage tempers.
    rows = _by_code(callback_ranking(session, kind="outlet", period=NOV))
    centre = 2800 / 31
    assert rows["WD01"].summary.shrunk_score == pytest.approx((100 + 10 * centre) / 11)
    assert rows["WD02"].summary.shrunk_score == pytest.approx((2700 + 10 * centre) / 40)
