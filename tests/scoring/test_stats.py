"""The ranking engine's statistics, checked against hand-computed and published values."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from huifang.settings import describe
from kernel.errors import Invalid
from scoring.config import ScoringSettings, get_scoring_settings
from scoring.stats import (
    People,
    TierCounts,
    TierPoints,
    competition_rank,
    person_score,
    points_score,
    pooled_score,
    satisfaction_rate,
    score_distribution,
    score_interval,
    score_posterior,
    shrunk_score,
    summarize,
    wilson_interval,
)

POINTS = TierPoints(very_satisfied=100, satisfied=80, unsatisfied=0)
Z95 = 1.959963984540054  # NormalDist().inv_cdf(0.975)
VV, VS, SS, VU, SU, UU = (
    TierCounts(2, 0, 0),
    TierCounts(1, 1, 0),
    TierCounts(0, 2, 0),
    TierCounts(1, 0, 1),
    TierCounts(0, 1, 1),
    TierCounts(0, 0, 2),
)


def one(counts: TierCounts) -> People:
    """Every answer from a different person: where people-counting meets the old method."""
    return People.one_answer_each(counts)


# Five callbacks: 非常满意 twice ×2, 非常满意 + 满意, 满意 twice, 非常满意 + 不满意.
FIVE = People.of([(VV, 2), (VS, 1), (SS, 1), (VU, 1)])


# --- counts and scores -------------------------------------------------------------


def test_counts_add_tier_by_tier() -> None:
    combined = TierCounts(1, 2, 3) + TierCounts(4, 5, 6)
    assert combined == TierCounts(5, 7, 9)
    assert combined.total == 21


def test_negative_count_is_refused() -> None:
    with pytest.raises(Invalid, match="unsatisfied"):
        TierCounts(1, 1, -1)


def test_points_score_is_average_points_per_person_with_one_answer_each() -> None:
    # (3×100 + 1×80 + 1×0) / 5 = 380 / 5 = 76
    assert points_score(one(TierCounts(3, 1, 1)), points=POINTS) == 76.0


def test_points_score_of_nobody_is_none() -> None:
    assert points_score(one(TierCounts()), points=POINTS) is None


def test_pooled_score_weighs_every_answer_once() -> None:
    # (3+0) very, (1+4) satisfied, (1+0) unsatisfied: (300 + 400 + 0) / 9 = 77.78
    pooled = pooled_score([one(TierCounts(3, 1, 1)), one(TierCounts(0, 4, 0))], points=POINTS)
    assert pooled == pytest.approx(700 / 9)


# --- people (人次) -------------------------------------------------------------------


def test_a_persons_score_is_the_mean_of_their_own_ratings() -> None:
    assert [person_score(m, points=POINTS) for m in (VV, VS, SS, VU, SU, UU)] == [
        100.0, 90.0, 80.0, 50.0, 40.0, 0.0,
    ]  # fmt: skip
    assert person_score(TierCounts(1, 0, 0), points=POINTS) == 100.0  # only one rating given
    assert person_score(TierCounts(1, 1, 1), points=POINTS) == 60.0  # a ballot's three
    with pytest.raises(Invalid, match="rated nothing"):
        person_score(TierCounts(), points=POINTS)


def test_people_are_counted_once_whatever_they_rated() -> None:
    assert FIVE.total == 5
    assert FIVE.answers == TierCounts(6, 3, 1)  # ten answers from five people
    # By tier: all 非常满意 2; any 不满意 1 (VU); the rest 满意 2 (VS, SS).
    assert FIVE.tiers == TierCounts(2, 2, 1)
    # People who rated nothing are not people here; equal mixes merge.
    assert People.of([(TierCounts(), 4), (VV, 1), (VV, 2)]) == People.of([(VV, 3)])
    with pytest.raises(Invalid, match="negative"):
        People.of([(VV, -1)])


def test_score_of_five_people_by_hand() -> None:
    # Person scores 100, 100, 90, 80, 50: (200 + 90 + 80 + 50) / 5 = 420 / 5 = 84.
    assert points_score(FIVE, points=POINTS) == 84.0
    assert score_distribution(FIVE, points=POINTS) == ((100, 2), (90, 1), (80, 1), (50, 1))
    # 满意率: people with no 不满意 = 4 / 5.
    assert satisfaction_rate(FIVE) == 0.8


def test_a_lone_rating_and_a_pair_of_the_same_tier_score_alike() -> None:
    people = People.of([(TierCounts(1, 0, 0), 1), (VV, 1)])
    assert score_distribution(people, points=POINTS) == ((100, 2),)


def test_interval_of_five_people_by_hand() -> None:
    # The three imaginary people (100, 80, 0) join the five real ones: α0 = 8.
    # m = (420 + 180) / 8 = 75; E[x²] = (2×10000 + 8100 + 6400 + 2500 + 10000 + 6400) / 8
    #   = 53400 / 8 = 6675; var = (6675 − 75²) / 9 = 1050 / 9 = 116.67;
    # 75 ± 1.96 × 10.80 = 53.83 .. 96.17.
    mean, variance = score_posterior(FIVE, points=POINTS)
    assert (mean, variance) == (pytest.approx(75.0), pytest.approx(1050 / 9))
    low, high = score_interval(FIVE, points=POINTS)
    assert (low, high) == pytest.approx(
        (75 - Z95 * math.sqrt(1050 / 9), 75 + Z95 * math.sqrt(1050 / 9))
    )
    assert (low, high) == pytest.approx((53.83, 96.17), abs=0.01)
    # Counted as ten independent answers (6, 3, 1) the interval was 60.3 .. 96.6: too narrow.
    old = score_interval(one(FIVE.answers), points=POINTS)
    assert old == pytest.approx((60.33, 96.59), abs=0.01)
    assert high - low > old[1] - old[0]


def test_the_issues_ten_people_get_the_interval_of_ten_not_twenty() -> None:
    # 20 answers (16 非常满意, 2 满意, 2 不满意) from 10 people, each giving both ratings alike:
    # counted as answers 71.0 .. 97.7; counted as people 63.0 .. 100 (score 88 either way).
    people = People.of([(VV, 8), (SS, 1), (UU, 1)])
    assert points_score(people, points=POINTS) == 88.0
    assert score_interval(one(people.answers), points=POINTS) == pytest.approx(
        (71.01, 97.69), abs=0.01
    )
    assert score_interval(people, points=POINTS) == pytest.approx((62.95, 100.0), abs=0.01)


def test_shrinkage_adds_imaginary_people_not_answers() -> None:
    # (420 + 10 × 90) / (5 + 10) = 1320 / 15 = 88.
    assert shrunk_score(FIVE, points=POINTS, prior_mean=90, strength=10) == pytest.approx(88.0)


def test_a_ballot_of_three_is_one_rater() -> None:
    # Two ballots: (V, V, S) scores 280/3 = 93.33, (S, S, U) scores 160/3 = 53.33; mean 73.33.
    ballots = People.of([(TierCounts(2, 1, 0), 1), (TierCounts(0, 2, 1), 1)])
    assert ballots.total == 2
    assert points_score(ballots, points=POINTS) == pytest.approx(220 / 3)
    assert ballots.tiers == TierCounts(0, 1, 1)


def test_satisfaction_rate_counts_both_satisfied_tiers() -> None:
    # (3 + 1) / 5 = 0.8
    assert satisfaction_rate(one(TierCounts(3, 1, 1))) == 0.8
    assert satisfaction_rate(one(TierCounts())) is None


# --- Wilson interval ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (Wilson score).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_published_values(successes: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(successes, n, level=0.95)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_of_no_answers_is_the_whole_range() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(("successes", "n"), [(5, 4), (-1, 4), (0, -1)])
def test_wilson_refuses_impossible_counts(successes: int, n: int) -> None:
    with pytest.raises(Invalid):
        wilson_interval(successes, n)


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5])
def test_interval_level_must_be_inside_0_and_1(level: float) -> None:
    with pytest.raises(Invalid, match="level"):
        wilson_interval(1, 2, level=level)


# --- Dirichlet score interval ------------------------------------------------------


def test_score_posterior_by_hand() -> None:
    # α = (1+3, 1+1, 1+1) = (4, 2, 2), α0 = 8
    # mean = (4×100 + 2×80 + 2×0) / 8 = 560 / 8 = 70
    # Σα x² / α0 = (4×10000 + 2×6400) / 8 = 52800 / 8 = 6600
    # var = (6600 − 70²) / (8 + 1) = 1700 / 9
    mean, variance = score_posterior(one(TierCounts(3, 1, 1)), points=POINTS)
    assert mean == pytest.approx(70.0)
    assert variance == pytest.approx(1700 / 9)


def test_score_interval_by_hand() -> None:
    # 70 ± 1.96 × √(1700/9) = 70 ± 26.9371
    half = Z95 * math.sqrt(1700 / 9)
    got = score_interval(one(TierCounts(3, 1, 1)), points=POINTS, level=0.95)
    assert got == pytest.approx((70 - half, 70 + half))
    assert got == pytest.approx((43.0629, 96.9371), abs=1e-4)


def test_score_interval_widens_to_hold_a_lone_unsatisfied_answer() -> None:
    # α = (1, 1, 2), α0 = 4: mean = 180/4 = 45; Σα x²/α0 = 16400/4 = 4100
    # var = (4100 − 45²) / 5 = 415; 45 ± 1.96 × √415 = 45 ± 39.93 = [5.07, 84.93]
    # The observed score is 0, so the low end is widened down to 0.
    low, high = score_interval(one(TierCounts(0, 0, 1)), points=POINTS)
    assert low == 0.0
    assert high == pytest.approx(45 + Z95 * math.sqrt(415))


def test_score_interval_is_not_zero_width_when_everyone_agrees() -> None:
    low, high = score_interval(one(TierCounts(50, 0, 0)), points=POINTS)
    assert high == 100.0
    assert 90 < low < 99


def test_score_interval_is_a_point_when_all_tiers_score_alike() -> None:
    flat = TierPoints(very_satisfied=80, satisfied=80, unsatisfied=80)
    assert score_interval(one(TierCounts(3, 1, 1)), points=flat) == (80.0, 80.0)


# --- shrinkage ---------------------------------------------------------------------


def test_shrunk_score_by_hand() -> None:
    # (380 + 10 × 90) / (5 + 10) = 1280 / 15 = 85.333…
    got = shrunk_score(one(TierCounts(3, 1, 1)), points=POINTS, prior_mean=90, strength=10)
    assert got == pytest.approx(1280 / 15)


def test_shrinkage_of_strength_zero_is_the_raw_score() -> None:
    assert shrunk_score(one(TierCounts(3, 1, 1)), points=POINTS, prior_mean=90, strength=0) == 76.0


def test_shrinkage_with_no_answers_is_the_prior() -> None:
    assert shrunk_score(one(TierCounts()), points=POINTS, prior_mean=90, strength=10) == 90.0


def test_shrinkage_fades_as_answers_grow() -> None:
    # (38000 + 900) / 510 = 76.27: a hundredfold sample barely moves toward the prior.
    got = shrunk_score(one(TierCounts(300, 100, 100)), points=POINTS, prior_mean=90, strength=10)
    assert got == pytest.approx(38900 / 510)


def test_shrinkage_with_nothing_to_average_is_refused() -> None:
    with pytest.raises(Invalid, match="nothing to average"):
        shrunk_score(one(TierCounts()), points=POINTS, prior_mean=90, strength=0)


def test_negative_strength_is_refused() -> None:
    with pytest.raises(Invalid, match="strength"):
        shrunk_score(one(TierCounts(1, 0, 0)), points=POINTS, prior_mean=90, strength=-1)


# --- ranking -----------------------------------------------------------------------


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    outlets = [("A", 90.0), ("B", 85.0), ("C", 85.0), ("D", 70.0)]
    ranked = competition_rank(outlets, key=lambda o: o[1])
    assert [(rank, name) for rank, (name, _) in ranked] == [(1, "A"), (2, "B"), (2, "C"), (4, "D")]


def test_unscored_subjects_come_last_unranked_in_input_order() -> None:
    outlets = [("quiet", None), ("A", 70.0), ("empty", None), ("B", 90.0)]
    ranked = competition_rank(outlets, key=lambda o: o[1])
    assert [(rank, name) for rank, (name, _) in ranked] == [
        (1, "B"),
        (2, "A"),
        (None, "quiet"),
        (None, "empty"),
    ]


def test_ascending_ranks_smallest_first() -> None:
    ranked = competition_rank([3.0, 1.0, 2.0, 1.0], key=lambda v: v, descending=False)
    assert ranked == [(1, 1.0), (1, 1.0), (3, 2.0), (4, 3.0)]


def test_float_noise_does_not_split_a_tie() -> None:
    assert 0.1 + 0.2 != 0.3
    ranked = competition_rank([0.3, 0.1 + 0.2], key=lambda v: v)
    assert [rank for rank, _ in ranked] == [1, 1]


def test_real_differences_are_not_merged() -> None:
    ranked = competition_rank([76.0, 76.000001], key=lambda v: v)
    assert [rank for rank, _ in ranked] == [1, 2]


def test_near_ties_do_not_chain_into_one_group() -> None:
    # Each step is 0.8e-9 (within tolerance) but the ends are 1.6e-9 apart (not).
    values = [10 + 1.6e-9, 10 + 0.8e-9, 10.0]
    assert [rank for rank, _ in competition_rank(values, key=lambda v: v)] == [1, 1, 3]


def test_nan_score_is_refused() -> None:
    with pytest.raises(Invalid, match="NaN"):
        competition_rank([1.0, math.nan], key=lambda v: v)


def test_ranking_nothing_is_empty() -> None:
    assert competition_rank([], key=lambda v: v) == []


# --- settings and summary ----------------------------------------------------------


def test_settings_read_huifang_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUIFANG_POINTS_SATISFIED", "90")
    monkeypatch.setenv("HUIFANG_SHRINK_SMALL_SAMPLES", "false")
    get_scoring_settings.cache_clear()
    try:
        settings = get_scoring_settings()
        assert settings.POINTS_SATISFIED == 90
        assert settings.SHRINK_SMALL_SAMPLES is False
        assert get_scoring_settings() is settings
    finally:
        get_scoring_settings.cache_clear()


def test_the_small_sample_threshold_counts_people_and_still_reads_its_old_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUIFANG_MIN_ANSWERS", "12")
    assert ScoringSettings().MIN_PEOPLE == 12
    monkeypatch.setenv("HUIFANG_MIN_PEOPLE", "15")
    assert ScoringSettings().MIN_PEOPLE == 15  # the new name wins
    monkeypatch.setenv("HUIFANG_MIN_PEOPLE", "0")
    with pytest.raises(ValidationError) as error:
        ScoringSettings()
    assert "HUIFANG_MIN_PEOPLE: " in describe(error.value)
    assert "HUIFANG_HUIFANG" not in describe(error.value)


def test_tier_points_out_of_order_name_the_variables() -> None:
    with pytest.raises(
        ValidationError, match="HUIFANG_POINTS_VERY_SATISFIED.*HUIFANG_POINTS_SATIS"
    ):
        ScoringSettings(POINTS_VERY_SATISFIED=70, POINTS_SATISFIED=80)


def test_tier_points_above_100_name_the_variable() -> None:
    with pytest.raises(ValidationError, match="POINTS_SATISFIED"):
        ScoringSettings(POINTS_SATISFIED=101)


def test_appraisal_weights_not_summing_to_one_name_every_variable() -> None:
    with pytest.raises(ValidationError) as caught:
        ScoringSettings(APPRAISAL_WEIGHT_CALLBACK=0.6)
    message = str(caught.value)
    for name in ("CALLBACK", "INSPECTION", "RECTIFICATION"):
        assert f"HUIFANG_APPRAISAL_WEIGHT_{name}" in message
    assert "1.1" in message


def test_appraisal_weights_allow_float_rounding() -> None:
    settings = ScoringSettings(
        APPRAISAL_WEIGHT_CALLBACK=0.1, APPRAISAL_WEIGHT_INSPECTION=0.2,
        APPRAISAL_WEIGHT_RECTIFICATION=0.7 + 5e-10,
    )  # fmt: skip
    assert settings.appraisal_weights["rectification"] == pytest.approx(0.7)


def test_summary_of_a_small_outlet() -> None:
    settings = ScoringSettings()
    summary = summarize(one(TierCounts(3, 1, 1)), settings=settings, prior_mean=90.0)
    assert summary.people == 5
    assert summary.score == 76.0
    assert summary.satisfaction_rate == 0.8
    assert summary.interval == pytest.approx((43.0629, 96.9371), abs=1e-4)
    assert summary.shrunk_score == pytest.approx(1280 / 15)
    assert summary.small_sample is True  # 5 < MIN_PEOPLE 20
    assert summary.rank_score == summary.shrunk_score


def test_summary_without_shrinkage_ranks_by_raw_score() -> None:
    settings = ScoringSettings(SHRINK_SMALL_SAMPLES=False, MIN_PEOPLE=5)
    summary = summarize(one(TierCounts(3, 1, 1)), settings=settings, prior_mean=90.0)
    assert summary.shrunk_score is None
    assert summary.rank_score == 76.0
    assert summary.small_sample is False  # 5 people meet MIN_PEOPLE 5


def test_summary_of_a_subject_nobody_rated_is_unranked() -> None:
    summary = summarize(one(TierCounts()), settings=ScoringSettings(), prior_mean=90.0)
    assert (summary.score, summary.interval, summary.rank_score) == (None, None, None)
    assert summary.small_sample is True


# --- properties --------------------------------------------------------------------


@given(counts=st.builds(TierCounts, st.integers(0, 300), st.integers(0, 300), st.integers(0, 300)))
def test_one_answer_per_person_is_the_old_dirichlet_over_three_tiers(counts: TierCounts) -> None:
    if counts.total == 0:
        return
    alphas = [1 + c for c in (counts.very_satisfied, counts.satisfied, counts.unsatisfied)]
    xs = POINTS.as_tuple()
    a0 = sum(alphas)
    mean = sum(a * x for a, x in zip(alphas, xs, strict=True)) / a0
    second = sum(a * x * x for a, x in zip(alphas, xs, strict=True)) / a0
    got = score_posterior(one(counts), points=POINTS)
    assert got == pytest.approx((mean, (second - mean * mean) / (a0 + 1)))


@given(people=st.lists(st.sampled_from([VV, SS, UU]), min_size=1, max_size=40))
def test_people_whose_two_ratings_agree_are_not_counted_twice(people: list[TierCounts]) -> None:
    # When each person's two ratings agree, counting answers would say twice as many people
    # said so, and claim more certainty: the people-counted interval is never the narrower.
    counted = People.of((mix, 1) for mix in people)
    by_person = score_interval(counted, points=POINTS)
    by_answer = score_interval(one(counted.answers), points=POINTS)
    assert by_answer[1] - by_answer[0] <= by_person[1] - by_person[0] + 1e-9


counts_st = (
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    VV,
                    VS,
                    SS,
                    VU,
                    SU,
                    UU,
                    *(TierCounts(*t) for t in ((1, 0, 0), (0, 1, 0), (0, 0, 1))),
                ]
            ),
            st.integers(0, 300),
        ),
        max_size=9,
    )
    .map(People.of)
    .filter(lambda p: p.total > 0)
)
points_st = st.lists(st.floats(0, 100), min_size=3, max_size=3).map(
    lambda xs: TierPoints(*sorted(xs, reverse=True))
)


@given(counts=counts_st, points=points_st, level=st.floats(0.5, 0.999))
def test_interval_holds_both_estimates_and_stays_on_the_scale(
    counts: People, points: TierPoints, level: float
) -> None:
    low, high = score_interval(counts, points=points, level=level)
    mean, _ = score_posterior(counts, points=points)
    observed = points_score(counts, points=points)
    assert observed is not None
    assert not (math.isnan(low) or math.isnan(high))
    assert points.unsatisfied <= low <= high <= points.very_satisfied
    assert low - 1e-9 <= observed <= high + 1e-9
    assert low - 1e-9 <= mean <= high + 1e-9


@given(counts=counts_st, points=points_st)
def test_higher_level_interval_contains_lower_level_one(counts: People, points: TierPoints) -> None:
    narrow = score_interval(counts, points=points, level=0.8)
    wide = score_interval(counts, points=points, level=0.99)
    assert wide[0] <= narrow[0] + 1e-9 and narrow[1] <= wide[1] + 1e-9


@given(counts=counts_st, points=points_st)
def test_interval_narrows_as_the_same_mix_doubles(counts: People, points: TierPoints) -> None:
    small = score_interval(counts, points=points)
    doubled = counts + counts
    large = score_interval(doubled, points=points)
    assert large[1] - large[0] <= small[1] - small[0] + 1e-9


@given(successes=st.integers(0, 1000), extra=st.integers(0, 1000))
def test_wilson_holds_the_observed_rate(successes: int, extra: int) -> None:
    n = successes + extra
    if n == 0:
        return
    low, high = wilson_interval(successes, n)
    assert 0.0 <= low <= successes / n <= high <= 1.0


@given(counts=counts_st, prior=st.floats(0, 100), strength=st.floats(0, 1000))
def test_shrunk_score_lies_between_raw_score_and_prior(
    counts: People, prior: float, strength: float
) -> None:
    raw = points_score(counts, points=POINTS)
    assert raw is not None
    got = shrunk_score(counts, points=POINTS, prior_mean=prior, strength=strength)
    assert min(raw, prior) - 1e-9 <= got <= max(raw, prior) + 1e-9


@given(scores=st.lists(st.one_of(st.none(), st.integers(0, 100))))
def test_rank_is_one_plus_the_number_strictly_ahead(scores: list[int | None]) -> None:
    ranked = competition_rank(scores, key=lambda s: None if s is None else float(s))
    for rank, score in ranked:
        if score is None:
            assert rank is None
        else:
            assert rank == 1 + sum(1 for s in scores if s is not None and s > score)
