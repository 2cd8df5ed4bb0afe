"""Callback rankings of outlets and tellers: hand-computed scores, intervals, ties, periods."""

from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from kernel.clock import centre_tz
from kernel.periods import parse_period
from scoring.rankings import RankedSubject, callback_ranking
from scoring.service import outlet_ranking
from tests.scoring.factories import S, U, V, outlet, rate, teller

NOV = parse_period("2026-11")


def _by_code(rows: list[RankedSubject]) -> dict[str, RankedSubject]:
    return {row.subject.code: row for row in rows}


def test_outlet_scores_rates_and_shrunk_ranks_are_as_computed_by_hand(session: Session) -> None:
    a, b = outlet(session, "WD01"), outlet(session, "WD02")
    rate(session, a, V, V)
    rate(session, a, V, S)
    rate(session, a, S, U)
    rate(session, b, V, S)
    rows = _by_code(callback_ranking(session, kind="outlet", period=NOV))

    # A: 3 非常满意, 2 满意, 1 不满意 → (300 + 160 + 0) / 6 = 76.667; 满意率 5/6.
    assert rows["WD01"].summary.counts.total == 6
    assert rows["WD01"].score == pytest.approx(460 / 6)
    assert rows["WD01"].summary.satisfaction_rate == pytest.approx(5 / 6)
    assert rows["WD01"].responses == 3
    # B: (100 + 80) / 2 = 90.
    assert rows["WD02"].score == pytest.approx(90.0)
    # Centre mean (460 + 180) / 8 = 80; shrunk A = (460 + 10×80) / 16 = 78.75,
    # shrunk B = (180 + 800) / 12 = 81.667.
    assert rows["WD01"].centre_score == pytest.approx(80.0)
    assert rows["WD01"].summary.shrunk_score == pytest.approx(78.75)
    assert rows["WD02"].summary.shrunk_score == pytest.approx(980 / 12)
    assert (rows["WD02"].rank, rows["WD01"].rank) == (1, 2)
    assert rows["WD01"].summary.small_sample and rows["WD02"].summary.small_sample


def test_interval_of_a_two_answer_outlet(session: Session) -> None:
    b = outlet(session, "WD02")
    rate(session, b, V, S)
    (row,) = callback_ranking(session, kind="outlet", period=NOV)
    # α = (2, 2, 1), α0 = 5: mean (200 + 160) / 5 = 72; E[x²] = (20000 + 12800) / 5 = 6560;
    # var = (6560 − 72²) / 6 = 229.33; 72 ± 1.96 × 15.144 = 42.32 .. 101.68 → capped at 100.
    assert row.summary.interval == pytest.approx((72 - 1.959964 * (1376 / 6) ** 0.5, 100.0))
    assert row.summary.interval_level == 0.95


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
    assert outlet_ranking(session, period="2026-11")[0].counts.unsatisfied == 3


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
    assert score("2026-Q4") == pytest.approx((200 + 160 + 0) / 6)  # Oct, Nov, Dec
    assert score("2026") == pytest.approx((200 + 160 + 0 + 160) / 8)
    assert score("2026-Q3") == 80.0


def test_shrinkage_off_ranks_by_the_raw_score(session: Session, no_shrinkage: None) -> None:
    a, b = outlet(session, "WD01"), outlet(session, "WD02")
    rate(session, a, V, V)  # 100 from one callback
    for _ in range(30):
        rate(session, b, V, S)  # 90 from thirty
    rows = callback_ranking(session, kind="outlet", period=NOV)
    assert [(r.subject.code, r.rank) for r in rows] == [("WD01", 1), ("WD02", 2)]
    assert rows[1].summary.small_sample is False  # 60 answers ≥ 20


def test_with_shrinkage_one_lucky_callback_does_not_beat_thirty_good_ones(
    session: Session,
) -> None:
    a, b = outlet(session, "WD01"), outlet(session, "WD02")
    rate(session, a, V, V)
    for _ in range(30):
        rate(session, b, V, S)
    # centre = (200 + 30×180) / 62 = 90.32; A = (200 + 903.2) / 12 = 91.94;
    # B = (5400 + 903.2) / 70 = 90.05 — A still first, but only just: shrinkage tempers, not flips.
    rows = _by_code(callback_ranking(session, kind="outlet", period=NOV))
    centre = 5600 / 62
    assert rows["WD01"].summary.shrunk_score == pytest.approx((200 + 10 * centre) / 12)
    assert rows["WD02"].summary.shrunk_score == pytest.approx((5400 + 10 * centre) / 70)
