"""绩效考核 per outlet and period: callback, inspection and rectification parts, weighted."""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import Session, col, select

from kernel.errors import Invalid
from kernel.periods import Period, PeriodKind, quarter_of
from scoring.appraisal import Composite, composite, rectification_on_time_score
from scoring.config import get_scoring_settings
from scoring.models import Inspection
from scoring.rankings import RankedSubject, Subject, callback_ranking
from scoring.rectification import RectificationTally, rectification_tally
from scoring.stats import competition_rank

PART_NAMES = {
    "callback": "12329 回访满意度",
    "inspection": "第三方监督检查",
    "rectification": "按时整改",
}


@dataclass(frozen=True)
class OutletAppraisal:
    """One outlet's appraisal for a period, with every part it was made from."""

    rank: int | None
    subject: Subject
    callback: RankedSubject
    inspection_quarters: tuple[str, ...]
    rectification: RectificationTally | None
    result: Composite


def parse_weights(text: str | None) -> dict[str, float] | None:
    """Read callback=0.5,inspection=0.3,rectification=0.2 (a what-if override of the settings)."""
    if text is None or not text.strip():
        return None
    weights: dict[str, float] = {}
    for item in text.split(","):
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in PART_NAMES:
            raise Invalid(
                "权重写法应为 callback=0.5,inspection=0.3,rectification=0.2，"
                f"无法识别 {item.strip()!r}"
            )
        try:
            weights[name] = float(value)
        except ValueError as error:
            raise Invalid(f"权重 {name} 应为数字，收到 {value.strip()!r}") from error
    missing = sorted(set(PART_NAMES) - set(weights))
    if missing:
        raise Invalid(f"请给出全部三项权重，缺少：{', '.join(missing)}")
    total = sum(weights.values())
    if abs(total - 1.0) > 1e-9:
        raise Invalid(f"三项权重之和应为 1，当前为 {total:g}（{text.strip()}）")
    return weights


def _inspection_scores(session: Session, *, period: Period) -> dict[int, tuple[float, list[str]]]:
    """Mean inspection score per outlet over the quarters the period touches."""
    if period.kind is PeriodKind.year:
        quarters = [f"{period.year}-Q{q}" for q in range(1, 5)]
    else:
        quarters = [quarter_of(period).key]
    found: dict[int, list[Inspection]] = {}
    for inspection in session.exec(select(Inspection).where(col(Inspection.quarter).in_(quarters))):
        found.setdefault(inspection.outlet_id, []).append(inspection)
    return {
        outlet_id: (sum(i.score for i in rows) / len(rows), sorted(i.quarter for i in rows))
        for outlet_id, rows in found.items()
    }


def outlet_appraisals(
    session: Session, *, period: Period, weights: Mapping[str, float] | None = None
) -> list[OutletAppraisal]:
    """Every outlet's composite for a period, ranked; weights default to the settings."""
    weights = dict(weights) if weights is not None else get_scoring_settings().appraisal_weights
    callbacks = callback_ranking(session, kind="outlet", period=period, include_unrated=True)
    inspections = _inspection_scores(session, period=period)
    tallies = rectification_tally(session, period=period)
    rows = []
    for row in callbacks:
        outlet_id = row.subject.id
        inspection, quarters = inspections.get(outlet_id, (None, []))
        tally = tallies.get(outlet_id)
        parts = {
            "callback": row.summary.rank_score,
            "inspection": inspection,
            "rectification": (
                rectification_on_time_score(closed_on_time=tally.closed_on_time, total=tally.total)
                if tally
                else None
            ),
        }
        result = composite(parts=parts, weights=weights)
        rows.append((row, tuple(quarters), tally, result))
    ranked = competition_rank(rows, key=lambda r: r[3].value)
    return [
        OutletAppraisal(
            rank=rank,
            subject=row.subject,
            callback=row,
            inspection_quarters=quarters,
            rectification=tally,
            result=result,
        )
        for rank, (row, quarters, tally, result) in ranked
    ]
