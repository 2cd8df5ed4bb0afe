"""One dashboard: the tables of a period and the chart data drawn from them."""

from dataclasses import dataclass

from sqlmodel import Session

from admin.dashboard import figures
from admin.dashboard.figures import SLA_STATES, TIER_NAMES, Table
from admin.dashboard.redflags import red_flags
from kernel.errors import NotFound
from kernel.periods import Period
from scoring.rankings import RankedSubject, callback_ranking


@dataclass(frozen=True)
class Dashboard:
    """What /dashboard shows for a period: chart data (JSON-ready) and the tables behind it."""

    period: Period
    charts: dict[str, object]
    tables: list[Table]
    choices: list[str]  # periods with ratings, newest first (the period field offers them)
    headline: list[tuple[str, str]]  # the figures at a glance: (label, value)

    def table(self, key: str) -> Table:
        """One table by its key (what the Excel export asks for)."""
        for table in self.tables:
            if table.key == key:
                return table
        raise NotFound(f"没有名为 {key!r} 的表格，可导出：{'、'.join(t.key for t in self.tables)}")


def _count(table: Table, label: str, column: int = 1) -> int:
    return sum(int(str(row[column])) for row in table.rows if label in ("", row[0]))


def headline(rows: list[RankedSubject], *, funnel: Table, cases: Table) -> list[tuple[str, str]]:
    """回访人次, the centre's score, 满意率, how many callbacks were completed, open cases."""
    people = sum(r.summary.people for r in rows)
    unhappy = sum(r.summary.counts.unsatisfied for r in rows)
    centre = rows[0].centre_score if rows else None
    placed, completed = _count(funnel, "应回访业务"), _count(funnel, "完成回访")
    waiting = _count(cases, "", SLA_STATES.index("处理中") + 1)
    late = _count(cases, "", SLA_STATES.index("已超时未处理") + 1)
    return [
        ("回访人次", str(people)),
        ("全中心得分", "—" if centre is None else f"{centre:.1f}"),
        ("满意率", f"{(people - unhappy) / people:.1%}" if people else "—"),
        ("回访完成率", f"{completed / placed:.1%}" if placed else "—"),
        ("待处理工单", str(waiting + late)),
        ("其中已超时", str(late)),
    ]


def build(session: Session, *, period: Period) -> Dashboard:
    """Every figure of the dashboard for one period."""
    rows = callback_ranking(session, kind="outlet", period=period)
    months, series = figures.trend(session, period=period)
    ranking = figures.ranking_table(rows, kind="outlet", period=period)
    tellers = figures.ranking_table(
        callback_ranking(session, kind="teller", period=period), kind="teller", period=period
    )
    tiers = figures.tier_table(rows, period=period)
    funnel = figures.funnel(session, period=period)
    cases = figures.exceptions(session, period=period)
    tables = [
        ranking,
        figures.trend_table(months, series, period=period),
        tiers,
        funnel,
        cases,
        *red_flags(session, period=period),
        *figures.evaluations(session, period=period),
        figures.appraisal(session, period=period),
        figures.inspections(session, period=period),
        tellers,
    ]
    charts: dict[str, object] = {
        "trend": {
            "months": months,
            "series": [{"name": name, "data": data} for name, data in series.items()],
        },
        "tiers": {
            "outlets": [r[0] for r in tiers.rows],
            "series": [
                {"name": name, "data": [r[index + 1] for r in tiers.rows]}
                for index, name in enumerate(TIER_NAMES)
            ],
        },
        "ranking": {
            "names": [r[1] for r in ranking.rows],
            "scores": [r[2] for r in ranking.rows],
            "low": [r[3] for r in ranking.rows],
            "high": [r[4] for r in ranking.rows],
        },
        "funnel": [{"name": r[0], "value": r[1]} for r in funnel.rows],
        "exceptions": {
            "reasons": [r[0] for r in cases.rows],
            "series": [
                {"name": name, "data": [r[index + 1] for r in cases.rows]}
                for index, name in enumerate(SLA_STATES)
            ],
        },
    }
    return Dashboard(
        period=period,
        charts=charts,
        tables=tables,
        choices=figures.rated_periods(session),
        headline=headline(rows, funnel=funnel, cases=cases),
    )
