"""Pure statistics of the ranking engine: people (人次), scores, intervals, shrinkage, ranks.

A callback is one person and a ballot is one rater: each person's score is the mean of the
points of their own answers (two ratings on a callback, three criteria on a ballot), and every
figure here — score, count, interval, shrinkage — counts people, never answers. Counting
answers would let one person's two ratings weigh as two independent people and make every
interval too narrow.
"""

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
    """How many answers (or people) fell in each tier: 非常满意 / 满意 / 不满意."""

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

    def __mul__(self, times: int) -> "TierCounts":
        return TierCounts(
            self.very_satisfied * times, self.satisfied * times, self.unsatisfied * times
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


@dataclass(frozen=True)
class People:
    """人次: how many people answered with each mix of tiers; build it with People.of.

    A mix is one person's own answers, e.g. TierCounts(1, 1, 0) for a callback rated
    非常满意 on attitude and 满意 on efficiency, or TierCounts(1, 0, 0) when only one was rated.
    """

    mixes: tuple[tuple[TierCounts, int], ...] = ()

    @classmethod
    def of(cls, groups: Iterable[tuple[TierCounts, int]]) -> "People":
        """People from (mix, how many people) pairs; people who rated nothing are left out."""
        merged: dict[TierCounts, int] = {}
        for mix, n in groups:
            if n < 0:
                raise Invalid(f"a number of people must not be negative, got {n}")
            if mix.total and n:
                merged[mix] = merged.get(mix, 0) + n
        return cls(tuple(sorted(merged.items(), key=lambda g: _counts_tuple(g[0]), reverse=True)))

    @classmethod
    def one_answer_each(cls, counts: TierCounts) -> "People":
        """Every answer from a different person: a one-question survey."""
        return cls.of(
            [
                (TierCounts(1, 0, 0), counts.very_satisfied),
                (TierCounts(0, 1, 0), counts.satisfied),
                (TierCounts(0, 0, 1), counts.unsatisfied),
            ]
        )

    @property
    def total(self) -> int:
        """How many people (人次)."""
        return sum(n for _, n in self.mixes)

    @property
    def answers(self) -> TierCounts:
        """Every answer of every person, tier by tier."""
        return sum((mix * n for mix, n in self.mixes), start=TierCounts())

    @property
    def tiers(self) -> TierCounts:
        """People by tier: 非常满意 on every answer; 不满意 on any; 满意 otherwise."""
        very = sum(n for mix, n in self.mixes if mix.very_satisfied == mix.total)
        unsatisfied = sum(n for mix, n in self.mixes if mix.unsatisfied)
        return TierCounts(very, self.total - very - unsatisfied, unsatisfied)

    def __add__(self, other: "People") -> "People":
        return People.of([*self.mixes, *other.mixes])


def person_score(mix: TierCounts, *, points: TierPoints) -> float:
    """One person's score: the mean points of their own answers."""
    if mix.total == 0:
        raise Invalid("a person who rated nothing has no score")
    return _point_sum(mix, points) / mix.total


def _point_sum(counts: TierCounts, points: TierPoints) -> float:
    return (
        counts.very_satisfied * points.very_satisfied
        + counts.satisfied * points.satisfied
        + counts.unsatisfied * points.unsatisfied
    )


@dataclass(frozen=True)
class Moments:
    """n, Σ person scores, Σ person scores²: all that scores, intervals and shrinkage need."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0


def _moments(people: People, points: TierPoints) -> Moments:
    n, total, squares = 0, 0.0, 0.0
    for mix, count in people.mixes:
        x = person_score(mix, points=points)
        n, total, squares = n + count, total + count * x, squares + count * x * x
    return Moments(n, total, squares)


def score_distribution(people: People, *, points: TierPoints) -> tuple[tuple[float, int], ...]:
    """How many people scored each value, best first (a callback has six possible values)."""
    found: dict[float, int] = {}
    for mix, n in people.mixes:
        # Rounded so that 200/2 and 100/1 (a lone 非常满意) share one line.
        value = round(person_score(mix, points=points), 9)
        found[value] = found.get(value, 0) + n
    return tuple(sorted(found.items(), reverse=True))


def points_score(people: People, *, points: TierPoints) -> float | None:
    """Average person score (Σ person scores / people); None when nobody rated."""
    return _mean(_moments(people, points))


def _mean(m: Moments) -> float | None:
    return m.total / m.n if m.n else None


def pooled_score(samples: Iterable[People], *, points: TierPoints) -> float | None:
    """The centre-wide score of all people together: the prior mean for shrinkage."""
    n, total = 0, 0.0
    for sample in samples:
        m = _moments(sample, points)
        n, total = n + m.n, total + m.total
    return total / n if n else None


def satisfaction_rate(people: People) -> float | None:
    """满意率: the share of people with no 不满意 answer; None when nobody rated."""
    if people.total == 0:
        return None
    tiers = people.tiers
    return (tiers.very_satisfied + tiers.satisfied) / people.total


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


def score_posterior(people: People, *, points: TierPoints) -> tuple[float, float]:
    """Mean and variance of the long-run score under a Dirichlet over person scores.

    The prior is three imaginary people, one in each tier on every answer (100, 80, 0 by
    default); each real person adds one to the weight of their own score. With weights α_k on
    scores x_k (α0 = people + 3), the long-run mean Σ p_k x_k has mean m = Σ α_k x_k / α0 and
    variance (Σ α_k x_k² / α0 − m²) / (α0 + 1). With one answer per person this is the
    Dirichlet(1 + counts) over the three tiers exactly.
    """
    return _posterior(_moments(people, points), points)


def _posterior(m: Moments, points: TierPoints) -> tuple[float, float]:
    xs = points.as_tuple()
    alpha0 = m.n + len(xs)
    mean = (m.total + sum(xs)) / alpha0
    second = (m.squares + sum(x * x for x in xs)) / alpha0
    # max() absorbs rounding below 0.
    return mean, max(0.0, second - mean * mean) / (alpha0 + 1)


def score_interval(
    people: People, *, points: TierPoints, level: float = 0.95
) -> tuple[float, float]:
    """Posterior mean ± z·sd of the score, clipped to the points range."""
    return _interval(_moments(people, points), points, level)


def _interval(m: Moments, points: TierPoints, level: float) -> tuple[float, float]:
    z = _z(level)
    mean, variance = _posterior(m, points)
    low, high = mean - z * math.sqrt(variance), mean + z * math.sqrt(variance)
    # With one or two people the imaginary ones pull the mean so far toward the middle
    # that the observed score can fall outside; widen (never narrow) to include it, so a
    # page never shows a score outside its own interval.
    observed = _mean(m)
    if observed is not None:
        low, high = min(low, observed), max(high, observed)
    return (_clamp(low, points=points), _clamp(high, points=points))


def _clamp(value: float, *, points: TierPoints) -> float:
    # Clamping both ends (not just the outer one) keeps low <= high under float noise.
    return min(max(points.as_tuple()), max(min(points.as_tuple()), value))


def shrunk_score(
    people: People, *, points: TierPoints, prior_mean: float, strength: float
) -> float:
    """Empirical-Bayes score: (Σ person scores + strength×prior_mean) / (people + strength)."""
    return _shrunk(_moments(people, points), prior_mean=prior_mean, strength=strength)


def _shrunk(m: Moments, *, prior_mean: float, strength: float) -> float:
    if strength < 0 or not math.isfinite(strength):
        raise Invalid(f"shrinkage strength must be a finite number >= 0, got {strength}")
    if not math.isfinite(prior_mean):
        raise Invalid(f"prior mean must be a finite number, got {prior_mean}")
    if m.n == 0 and strength == 0:
        raise Invalid("no answers and no prior strength: there is nothing to average")
    return (m.total + strength * prior_mean) / (m.n + strength)


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
    """One subject's (outlet, teller, department, leader) scores for a period, in people."""

    sample: People
    score: float | None
    distribution: tuple[tuple[float, int], ...]  # (person score, people), best first
    satisfaction_rate: float | None
    interval: tuple[float, float] | None
    interval_level: float
    shrunk_score: float | None
    small_sample: bool

    @property
    def people(self) -> int:
        """人次: callbacks rated, or ballots cast."""
        return self.sample.total

    @property
    def counts(self) -> TierCounts:
        """People by tier (see People.tiers): what the 非常满意 / 满意 / 不满意 columns show."""
        return self.sample.tiers

    @property
    def rank_score(self) -> float | None:
        """What to rank by: the shrunk score when shrinkage is on, else the raw score."""
        return self.shrunk_score if self.shrunk_score is not None else self.score


def summarize(sample: People, *, settings: ScoringSettings, prior_mean: float | None) -> Score:
    """Every figure a ranking shows for one subject; prior_mean is the centre's pooled score."""
    points = tier_points(settings=settings)
    moments = _moments(sample, points)
    rated = moments.n > 0
    shrunk = None
    # A subject nobody rated stays unranked rather than being placed at the centre's mean.
    if settings.SHRINK_SMALL_SAMPLES and prior_mean is not None and rated:
        shrunk = _shrunk(moments, prior_mean=prior_mean, strength=settings.SHRINK_STRENGTH)
    return Score(
        sample=sample,
        score=_mean(moments),
        distribution=score_distribution(sample, points=points),
        satisfaction_rate=satisfaction_rate(sample),
        interval=_interval(moments, points, settings.INTERVAL_LEVEL) if rated else None,
        interval_level=settings.INTERVAL_LEVEL,
        shrunk_score=shrunk,
        small_sample=sample.total < settings.MIN_PEOPLE,
    )
