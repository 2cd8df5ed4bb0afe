"""Pure statistics of the ranking engine: tier counts, scores, intervals, shrinkage, ranks."""

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TypeVar

from kernel.errors import Invalid
from scoring.config import ScoringSettings

T = TypeVar("T")

# Scores live on a 0..100 scale; float noise there is ~1e-13, real differences are far above.
TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class TierCounts:
    """How many answers fell in each tier: 非常满意 / 满意 / 不满意."""

    very_satisfied: int = 0
    satisfied: int = 0
    unsatisfied: int = 0

    def __post_init__(self) -> None:
        for name, value in self._named():
            if value < 0:
                raise Invalid(f"tier count {name} must not be negative, got {value}")

    def _named(self) -> tuple[tuple[str, int], ...]:
        return (
            ("very_satisfied", self.very_satisfied),
            ("satisfied", self.satisfied),
            ("unsatisfied", self.unsatisfied),
        )

    @property
    def total(self) -> int:
        """All valid answers."""
        return self.very_satisfied + self.satisfied + self.unsatisfied

    def __add__(self, other: "TierCounts") -> "TierCounts":
        return TierCounts(
            very_satisfied=self.very_satisfied + other.very_satisfied,
            satisfied=self.satisfied + other.satisfied,
            unsatisfied=self.unsatisfied + other.unsatisfied,
        )


@dataclass(frozen=True)
class TierPoints:
    """Points awarded for one answer in each tier, on a 0..100 scale."""

    very_satisfied: float
    satisfied: float
    unsatisfied: float

    def as_tuple(self) -> tuple[float, float, float]:
        """Points in the same tier order as TierCounts."""
        return (float(self.very_satisfied), float(self.satisfied), float(self.unsatisfied))


def tier_points(*, settings: ScoringSettings) -> TierPoints:
    """The configured points per tier."""
    return TierPoints(
        very_satisfied=settings.POINTS_VERY_SATISFIED,
        satisfied=settings.POINTS_SATISFIED,
        unsatisfied=settings.POINTS_UNSATISFIED,
    )


def _counts_tuple(counts: TierCounts) -> tuple[int, int, int]:
    return (counts.very_satisfied, counts.satisfied, counts.unsatisfied)


def _point_sum(counts: TierCounts, points: TierPoints) -> float:
    return sum(c * x for c, x in zip(_counts_tuple(counts), points.as_tuple(), strict=True))


def points_score(counts: TierCounts, *, points: TierPoints) -> float | None:
    """Average points per answer (Σ points×count / total); None when nobody answered."""
    if counts.total == 0:
        return None
    return _point_sum(counts, points) / counts.total


def pooled_score(counts: Iterable[TierCounts], *, points: TierPoints) -> float | None:
    """The centre-wide score of all answers together: the prior mean for shrinkage."""
    return points_score(sum(counts, start=TierCounts()), points=points)


def satisfaction_rate(counts: TierCounts) -> float | None:
    """满意率: (非常满意 + 满意) / valid answers; None when nobody answered."""
    if counts.total == 0:
        return None
    return (counts.very_satisfied + counts.satisfied) / counts.total


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise Invalid(f"interval level must be between 0 and 1 (exclusive), got {level}")
    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson_interval(successes: int, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion; (0, 1) when n is 0 (nothing is known)."""
    if n < 0 or not 0 <= successes <= n:
        raise Invalid(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    z = _z(level)
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / n + z2n / (4 * n))
    # All-or-nothing samples reach the edge exactly; elsewhere clamp only float noise.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return (low, high)


def score_posterior(counts: TierCounts, *, points: TierPoints) -> tuple[float, float]:
    """Mean and variance of the score under the Dirichlet(1,1,1)+counts posterior."""
    alphas = [1 + c for c in _counts_tuple(counts)]
    xs = points.as_tuple()
    alpha0 = sum(alphas)
    mean = sum(a * x for a, x in zip(alphas, xs, strict=True)) / alpha0
    second = sum(a * x * x for a, x in zip(alphas, xs, strict=True)) / alpha0
    # Var(Σ p_i x_i) = (Σ α_i x_i² / α0 − m²) / (α0 + 1); max() absorbs rounding below 0.
    return mean, max(0.0, second - mean * mean) / (alpha0 + 1)


def score_interval(
    counts: TierCounts, *, points: TierPoints, level: float = 0.95
) -> tuple[float, float]:
    """Posterior mean ± z·sd of the points score, clipped to the points range."""
    z = _z(level)
    mean, variance = score_posterior(counts, points=points)
    low, high = mean - z * math.sqrt(variance), mean + z * math.sqrt(variance)
    # With one or two answers the uniform prior pulls the mean so far toward the middle
    # that the observed score can fall outside; widen (never narrow) to include it, so a
    # page never shows a score outside its own interval.
    observed = points_score(counts, points=points)
    if observed is not None:
        low, high = min(low, observed), max(high, observed)
    return (_clamp(low, points=points), _clamp(high, points=points))


def _clamp(value: float, *, points: TierPoints) -> float:
    # Clamping both ends (not just the outer one) keeps low <= high under float noise.
    return min(max(points.as_tuple()), max(min(points.as_tuple()), value))


def shrunk_score(
    counts: TierCounts, *, points: TierPoints, prior_mean: float, strength: float
) -> float:
    """Empirical-Bayes score: (Σ points + strength×prior_mean) / (n + strength)."""
    if strength < 0 or not math.isfinite(strength):
        raise Invalid(f"shrinkage strength must be a finite number >= 0, got {strength}")
    if not math.isfinite(prior_mean):
        raise Invalid(f"prior mean must be a finite number, got {prior_mean}")
    if counts.total == 0 and strength == 0:
        raise Invalid("no answers and no prior strength: there is nothing to average")
    weighted = _point_sum(counts, points) + strength * prior_mean
    return weighted / (counts.total + strength)


def competition_rank(
    items: Sequence[T],
    *,
    key: Callable[[T], float | None],
    descending: bool = True,
) -> list[tuple[int | None, T]]:
    """Standard competition ranking ("1224"); items whose key is None come last, unranked."""
    scored: list[tuple[float, T]] = []
    unscored: list[T] = []
    for item in items:
        value = key(item)
        if value is None:
            unscored.append(item)
        elif math.isnan(value):
            raise Invalid(f"cannot rank a NaN score: {item!r}")
        else:
            scored.append((value, item))
    # sorted() is stable, so tied items keep the caller's order.
    scored.sort(key=lambda pair: pair[0], reverse=descending)
    ranked: list[tuple[int | None, T]] = []
    anchor: float | None = None
    rank = 0
    for position, (value, item) in enumerate(scored, start=1):
        # Compare with the first score of the tie group, not the neighbour, so that
        # a slow drift of tiny steps cannot chain distinct scores into one tie.
        if anchor is None or abs(value - anchor) > TIE_TOLERANCE:
            anchor, rank = value, position
        ranked.append((rank, item))
    ranked.extend((None, item) for item in unscored)
    return ranked


@dataclass(frozen=True)
class Score:
    """One subject's (outlet, teller, department, leader) scores for a period."""

    counts: TierCounts
    answers: int
    score: float | None
    satisfaction_rate: float | None
    interval: tuple[float, float] | None
    interval_level: float
    shrunk_score: float | None
    small_sample: bool

    @property
    def rank_score(self) -> float | None:
        """What to rank by: the shrunk score when shrinkage is on, else the raw score."""
        return self.shrunk_score if self.shrunk_score is not None else self.score


def summarize(counts: TierCounts, *, settings: ScoringSettings, prior_mean: float | None) -> Score:
    """Every figure a ranking shows for one subject; prior_mean is the centre's pooled score."""
    points = tier_points(settings=settings)
    has_answers = counts.total > 0
    shrunk = None
    # A subject nobody rated stays unranked rather than being placed at the centre's mean.
    if settings.SHRINK_SMALL_SAMPLES and prior_mean is not None and has_answers:
        shrunk = shrunk_score(
            counts, points=points, prior_mean=prior_mean, strength=settings.SHRINK_STRENGTH
        )
    return Score(
        counts=counts,
        answers=counts.total,
        score=points_score(counts, points=points),
        satisfaction_rate=satisfaction_rate(counts),
        interval=(
            score_interval(counts, points=points, level=settings.INTERVAL_LEVEL)
            if has_answers
            else None
        ),
        interval_level=settings.INTERVAL_LEVEL,
        shrunk_score=shrunk,
        small_sample=counts.total < settings.MIN_ANSWERS,
    )
