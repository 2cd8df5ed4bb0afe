"""绩效考核 composite: callback, inspection and rectification scores weighted into one."""

import math
from collections.abc import Mapping
from dataclasses import dataclass

from kernel.errors import Invalid

WEIGHT_SUM_TOLERANCE = 1e-9
PART_NAMES = {
    "callback": "12329 回访满意度",
    "inspection": "第三方监督检查",
    "rectification": "按时整改",
    "attendance": "集中考勤",
}


@dataclass(frozen=True)
class CompositePart:
    """One part of a composite: its score, its weights and what it contributed."""

    name: str
    score: float | None
    weight: float
    effective_weight: float
    contribution: float | None
    reason: str | None = None  # why a part without a score was left out, in Chinese

    @property
    def label(self) -> str:
        """The part's name as pages show it."""
        return PART_NAMES.get(self.name, self.name)


@dataclass(frozen=True)
class Composite:
    """A weighted appraisal score on 0..100, with the parts that made it."""

    value: float | None
    parts: tuple[CompositePart, ...]
    missing: tuple[str, ...]

    def part(self, name: str) -> CompositePart:
        """One part by name."""
        return next(p for p in self.parts if p.name == name)

    @property
    def renormalized(self) -> bool:
        """Whether missing parts made the remaining weights scale up."""
        return bool(self.missing) and self.value is not None

    @property
    def note(self) -> str | None:
        """A sentence for the page when parts were left out; None when all were present."""
        if not self.missing:
            return None
        names = "；".join(
            f"{p.label}（{p.reason}）" if p.reason else p.label
            for p in self.parts
            if p.name in self.missing
        )
        if self.value is None:
            return f"没有可计入的分项，不计算综合分：{names}"
        return f"未计入：{names}；其余各项权重已按比例放大，合计仍为 100%"


def _check_weights(weights: Mapping[str, float]) -> None:
    for name, weight in weights.items():
        if not (math.isfinite(weight) and weight >= 0):
            raise Invalid(f"appraisal weight {name!r} must be a number >= 0, got {weight}")
    total = sum(weights.values())
    if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
        listed = ", ".join(f"{name}={weight:g}" for name, weight in weights.items())
        raise Invalid(f"appraisal weights must sum to 1, got {total:.12g} ({listed})")


def _check_parts(parts: Mapping[str, float | None], weights: Mapping[str, float]) -> None:
    if set(parts) != set(weights):
        raise Invalid(
            "appraisal parts and weights must name the same parts: "
            f"parts {sorted(parts)}, weights {sorted(weights)}"
        )
    for name, score in parts.items():
        if score is not None and not (math.isfinite(score) and 0 <= score <= 100):
            raise Invalid(f"appraisal part {name!r} must be on 0..100, got {score}")


def composite(
    *,
    parts: Mapping[str, float | None],
    weights: Mapping[str, float],
    reasons: Mapping[str, str] | None = None,
) -> Composite:
    """Weighted sum of part scores; missing (None) parts re-normalize the others' weights.

    reasons says, in Chinese, why a missing part was left out (no data, too few people).
    """
    _check_weights(weights)
    _check_parts(parts, weights)
    # A part without weight is shown, never missed: leaving it out scales nothing up.
    missing = tuple(name for name in weights if parts[name] is None and weights[name] > 0)
    present_weight = sum(weights[name] for name in weights if parts[name] is not None)
    # If every weighted part is missing there is nothing to scale up: no composite at all.
    scale = 1.0 / present_weight if present_weight > 0 else 0.0
    shown: list[CompositePart] = []
    for name, weight in weights.items():
        score = parts[name]
        effective = weight * scale if score is not None else 0.0
        shown.append(
            CompositePart(
                name=name,
                score=score,
                weight=weight,
                effective_weight=effective,
                contribution=score * effective if score is not None else None,
                reason=(reasons or {}).get(name) if score is None else None,
            )
        )
    value = sum(p.contribution or 0.0 for p in shown) if present_weight > 0 else None
    return Composite(value=value, parts=tuple(shown), missing=missing)


def rectification_on_time_score(*, closed_on_time: int, total: int) -> float | None:
    """整改 score: the share of issue letters closed on time, on 0..100; None if there were none.

    An outlet inspected with nothing found has nothing to rectify: performance gives it 100.
    """
    if total < 0 or not 0 <= closed_on_time <= total:
        raise Invalid(
            f"need 0 <= closed_on_time <= total, got closed_on_time={closed_on_time}, total={total}"
        )
    if total == 0:
        return None
    return 100.0 * closed_on_time / total
