"""绩效考核 per outlet and period: callback, inspection and rectification parts, weighted.

The callback part is the outlet's actual score (not the shrunk ranking score, which exists only
to order outlets fairly) and counts only from HUIFANG_APPRAISAL_MIN_PEOPLE people up; below
that it is left out and its weight spread over the other parts. An outlet inspected with
nothing found has nothing to rectify and gets full rectification marks.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from kernel.errors import Invalid
from kernel.periods import Period, PeriodKind, quarter_of
from scoring.appraisal import PART_NAMES, Composite, composite, rectification_on_time_score
from scoring.attendance.service import OutletAttendance, outlet_attendance
from scoring.config import get_scoring_settings
from scoring.models import Inspection, InspectionFinding
from scoring.rankings import RankedSubject, Subject, callback_ranking
from scoring.rectification import RectificationTally, rectification_tally
from scoring.stats import competition_rank

FULL_MARKS = 100.0


@dataclass(frozen=True)
class InspectionPart:
    """An outlet's inspections in the period: mean score, quarters, and findings made."""

    score: float
    quarters: tuple[str, ...]
    findings: int


@dataclass(frozen=True)
class OutletAppraisal:
    """One outlet's appraisal for a period, with every part it was made from."""

    rank: int | None
    subject: Subject
    callback: RankedSubject
    inspection_quarters: tuple[str, ...]
    rectification: RectificationTally | None
    result: Composite
    attendance: OutletAttendance | None = None


def parse_weights(text: str | None) -> dict[str, float] | None:
    """Read callback=0.5,inspection=0.3,rectification=0.2[,attendance=0] (a what-if override)."""
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
    weights.setdefault("attendance", 0.0)  # optional: attendance counts only when weighted
    missing = sorted(set(PART_NAMES) - set(weights))
    if missing:
        raise Invalid(f"请给出全部三项权重，缺少：{', '.join(missing)}")
    total = sum(weights.values())
    if abs(total - 1.0) > 1e-9:
        raise Invalid(f"三项权重之和应为 1，当前为 {total:g}（{text.strip()}）")
    return weights


def _inspections(session: Session, *, period: Period) -> dict[int, InspectionPart]:
    """Per outlet: mean inspection score and findings over the quarters the period touches."""
    if period.kind is PeriodKind.year:
        quarters = [f"{period.year}-Q{q}" for q in range(1, 5)]
    else:
        quarters = [quarter_of(period).key]
    findings = (
        sa_select(func.count())
        .where(col(InspectionFinding.inspection_id) == col(Inspection.id))
        .scalar_subquery()
    )
    query = sa_select(
        col(Inspection.outlet_id), col(Inspection.quarter), col(Inspection.score), findings
    ).where(col(Inspection.quarter).in_(quarters))
    found: dict[int, list[tuple[str, float, int]]] = {}
    for outlet_id, quarter, score, found_here in session.execute(query):
        found.setdefault(int(outlet_id), []).append((quarter, float(score), int(found_here)))
    return {
        outlet_id: InspectionPart(
            score=sum(score for _, score, _ in rows) / len(rows),
            quarters=tuple(sorted(quarter for quarter, _, _ in rows)),
            findings=sum(n for _, _, n in rows),
        )
        for outlet_id, rows in found.items()
    }


def _callback_part(row: RankedSubject, *, min_people: int) -> tuple[float | None, str | None]:
    people = row.summary.people
    if people == 0:
        return None, "本期无回访评价"
    if people < min_people:
        return None, f"回访仅 {people} 人次，少于 {min_people} 人次，不计入"
    return row.summary.score, None


def _rectification_part(
    tally: RectificationTally | None, inspection: InspectionPart | None
) -> tuple[float | None, str | None]:
    if tally is not None:
        score = rectification_on_time_score(closed_on_time=tally.closed_on_time, total=tally.total)
        return score, None
    if inspection is None:
        return None, "本期无检查"
    if inspection.findings == 0:
        return FULL_MARKS, None  # inspected, nothing found: nothing to rectify
    return None, "检查发现的问题整改尚未到期"


def outlet_appraisals(
    session: Session, *, period: Period, weights: Mapping[str, float] | None = None
) -> list[OutletAppraisal]:
    """Every outlet's composite for a period, ranked; weights default to the settings."""
    settings = get_scoring_settings()
    given = weights if weights is not None else settings.appraisal_weights
    # Parts always in the same order (the page's columns), whatever order the weights came in.
    weights = {name: given[name] for name in PART_NAMES if name in given} | dict(given)
    callbacks = callback_ranking(session, kind="outlet", period=period, include_unrated=True)
    inspections = _inspections(session, period=period)
    tallies = rectification_tally(session, period=period)
    attendance = outlet_attendance(session, period=period)
    rows = []
    for row in callbacks:
        inspection = inspections.get(row.subject.id)
        tally = tallies.get(row.subject.id)
        present = attendance.get(row.subject.id)
        scored = {
            "callback": _callback_part(row, min_people=settings.APPRAISAL_MIN_PEOPLE),
            "inspection": (inspection.score, None) if inspection else (None, "本期无检查"),
            "rectification": _rectification_part(tally, inspection),
            "attendance": (present.score, None) if present else (None, "本期无考勤记录"),
        }
        result = composite(
            parts={name: score for name, (score, _) in scored.items() if name in weights},
            weights=weights,
            reasons={name: why for name, (_, why) in scored.items() if why},
        )
        quarters = inspection.quarters if inspection else ()
        rows.append((row, quarters, tally, present, result))
    ranked = competition_rank(rows, key=lambda r: r[4].value)
    return [
        OutletAppraisal(
            rank=rank,
            subject=row.subject,
            callback=row,
            inspection_quarters=quarters,
            rectification=tally,
            result=result,
            attendance=present,
        )
        for rank, (row, quarters, tally, present, result) in ranked
    ]
