"""Findings by category across outlets and quarters (举一反三, 共性问题).

The seed asks the centre to look past the single outlet: a problem found at many outlets in a
quarter is a problem of the system (制度性的共性问题), to be put right centrally; one found at
the same outlet quarter after quarter was not really rectified. Both are marked here.
"""

import math
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from core_ledger.org.models import Outlet
from kernel.periods import Period
from scoring.models import (
    AREA_NAMES,
    FindingPhoto,
    FindingState,
    Inspection,
    InspectionArea,
    InspectionFinding,
    InspectionMethod,
)

UNCATEGORISED = "未分类"
# A category is common (共性) in a quarter when found at this share of the outlets inspected
# then, and at two outlets at least: one outlet alone is that outlet's problem.
COMMON_SHARE = 1 / 3
COMMON_MIN_OUTLETS = 2


@dataclass(frozen=True)
class FindingLine:
    """One finding as the centre-wide view lists it."""

    id: int
    quarter: str
    outlet_code: str
    outlet_name: str
    area: InspectionArea | None
    method: InspectionMethod | None
    text: str
    state: FindingState
    photos: int
    inspection_id: int


@dataclass
class CategoryRow:
    """One category: findings and outlets per quarter, open ones, and the marks."""

    area: InspectionArea | None
    findings: Counter[str] = field(default_factory=Counter)  # per quarter
    outlets: dict[str, set[str]] = field(default_factory=dict)  # per quarter, outlet codes
    open: int = 0
    common_in: list[str] = field(default_factory=list)  # quarters where it was common
    repeated_at: list[str] = field(default_factory=list)  # outlets (names) where it came back

    @property
    def label(self) -> str:
        """The category's name as pages show it."""
        return AREA_NAMES[self.area] if self.area else UNCATEGORISED

    @property
    def total(self) -> int:
        """Findings of this category over the whole span."""
        return sum(self.findings.values())

    def outlet_count(self, quarter: str) -> int:
        """Outlets with a finding of this category in a quarter."""
        return len(self.outlets.get(quarter, ()))


@dataclass(frozen=True)
class CommonProblems:
    """The centre-wide view of a period's inspection findings."""

    quarters: list[str]
    inspected: dict[str, int]  # outlets inspected per quarter
    rows: list[CategoryRow]
    lines: list[FindingLine]


def quarters_in(period: Period) -> list[str]:
    """The quarters (YYYY-Qn) a period's months fall in."""
    return sorted({f"{period.year}-Q{(int(m[5:]) - 1) // 3 + 1}" for m in period.months})


def common_threshold(inspected: int) -> int:
    """How many outlets must share a category in a quarter for it to count as common."""
    return max(COMMON_MIN_OUTLETS, math.ceil(inspected * COMMON_SHARE))


def _lines(session: Session, quarters: list[str]) -> list[FindingLine]:
    photos = (
        sa_select(func.count())
        .where(col(FindingPhoto.finding_id) == col(InspectionFinding.id))
        .scalar_subquery()
    )
    query = (
        sa_select(InspectionFinding, Inspection.quarter, Outlet.code, Outlet.name, photos)  # type: ignore[call-overload]
        .join(Inspection, col(Inspection.id) == col(InspectionFinding.inspection_id))
        .join(Outlet, col(Outlet.id) == col(Inspection.outlet_id))
        .where(col(Inspection.quarter).in_(quarters))
        .order_by(Inspection.quarter, Outlet.code, InspectionFinding.id)
    )
    return [
        FindingLine(
            id=f.id or 0,
            quarter=quarter,
            outlet_code=code,
            outlet_name=name,
            area=InspectionArea(f.area) if f.area else None,
            method=InspectionMethod(f.method) if f.method else None,
            text=f.text,
            state=FindingState(f.state),
            photos=int(count),
            inspection_id=f.inspection_id,
        )
        for f, quarter, code, name, count in session.execute(query)
    ]


def common_problems(session: Session, *, period: Period) -> CommonProblems:
    """Every finding of the period's quarters, counted by category, quarter and outlet."""
    quarters = quarters_in(period)
    inspected_rows = session.execute(
        sa_select(col(Inspection.quarter), func.count())
        .where(col(Inspection.quarter).in_(quarters))
        .group_by(col(Inspection.quarter))
    )
    inspected = {q: 0 for q in quarters} | {str(q): int(n) for q, n in inspected_rows}
    lines = _lines(session, quarters)
    rows = {area: CategoryRow(area=area) for area in [*InspectionArea, None]}
    seen: dict[tuple[InspectionArea | None, str], set[str]] = {}
    names = {line.outlet_code: line.outlet_name for line in lines}
    for line in lines:
        row = rows[line.area]
        row.findings[line.quarter] += 1
        row.outlets.setdefault(line.quarter, set()).add(line.outlet_code)
        row.open += line.state == FindingState.open
        seen.setdefault((line.area, line.outlet_code), set()).add(line.quarter)
    for row in rows.values():
        row.common_in = [
            q
            for q in quarters
            if row.area is not None and row.outlet_count(q) >= common_threshold(inspected[q])
        ]
        row.repeated_at = [
            names[code]
            for (area, code), qs in sorted(seen.items(), key=lambda item: item[0][1])
            if area == row.area and len(qs) > 1
        ]
    shown = [r for r in rows.values() if r.area is not None or r.total]
    return CommonProblems(quarters=quarters, inspected=inspected, rows=shown, lines=lines)
