"""每季度末检查报告: a quarter's rankings, trends, red flags, inspections, rectification, as PDF.

Rendered on the server by WeasyPrint from an HTML template, with the charts drawn as SVG
(admin.dashboard.charts) and the text set in Noto Sans CJK (fonts-noto-cjk, installed by
scripts/system-packages): the PDF carries real text, so it can be searched and checked.
"""

from dataclasses import dataclass

from sqlmodel import Session
from weasyprint import HTML

from admin.access import templates
from admin.dashboard import charts, figures
from admin.dashboard.figures import Table
from kernel.clock import local, utcnow
from kernel.periods import Period
from scoring.alerts import list_alerts
from scoring.rankings import callback_ranking
from scoring.redflags import favour_reports, repeat_trip_rates


@dataclass(frozen=True)
class Report:
    """Everything the quarterly report prints, in its order."""

    quarter: Period
    rankings: list[Table]
    trend_svg: str
    ranking_svg: str
    trend: Table
    red_flags: list[Table]
    inspections: Table
    findings: list[tuple[str, list[str]]]
    appraisal: Table


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _red_flags(session: Session, *, quarter: Period) -> list[Table]:
    trips = repeat_trip_rates(session, kind="outlet", period=quarter)
    favours = favour_reports(session, period=quarter)
    alerts = list_alerts(session, period=quarter)
    return [
        Table(
            key="repeat-trips",
            title="跑回头路比例（网点）",
            headers=("网点", "回答人次", "跑回头路", "比例", "区间"),
            rows=[
                (
                    r.subject.name,
                    r.asked,
                    r.repeat_trips,
                    _pct(r.rate),
                    f"{r.interval[0]:.1%} – {r.interval[1]:.1%}" if r.interval else "—",
                )
                for r in trips
            ],
        ),
        Table(
            key="favours",
            title="“索拿卡要”反映",
            headers=("业务时间", "网点", "柜员", "电话", "核实情况"),
            rows=[
                (
                    f"{local(f.business_at):%Y-%m-%d %H:%M}",
                    f.outlet_name,
                    f.teller_name or "—",
                    f.phone_masked or "—",
                    "经核实不计入" if f.excluded else ("待核实" if f.held else "计入"),
                )
                for f in favours
            ],
        ),
        Table(
            key="alerts",
            title="约谈提醒",
            headers=("月份", "网点", "情况", "约谈"),
            rows=[
                (a.period, o.name, a.detail, "已约谈" if a.acknowledged_at else "待约谈")
                for a, o in alerts
            ],
        ),
    ]


def _trend_table(months: list[str], series: dict[str, list[float | None]]) -> Table:
    return Table(
        key="trend",
        title="月度满意度得分",
        headers=("网点", *months),
        rows=[(name, *("—" if v is None else v for v in data)) for name, data in series.items()],
    )


def build_report(session: Session, *, quarter: Period) -> Report:
    """Gather the quarter's figures."""
    outlets = callback_ranking(session, kind="outlet", period=quarter)
    rankings = [figures.ranking_table(outlets, kind="outlet", period=quarter)]
    rankings.append(
        figures.ranking_table(
            callback_ranking(session, kind="teller", period=quarter), kind="teller", period=quarter
        )
    )
    rankings += figures.evaluations(session, period=quarter)
    months, series = figures.trend(session, period=quarter)
    inspections = figures.inspections(session, period=quarter)
    findings = [(str(row[0]), str(row[4]).split("；")) for row in inspections.rows if row[3]]
    return Report(
        quarter=quarter,
        rankings=rankings,
        trend_svg=charts.line_chart(months, series),
        ranking_svg=charts.interval_bars(
            [
                (
                    r.subject.name,
                    r.summary.score,
                    *(r.summary.interval if r.summary.interval else (None, None)),
                )
                for r in outlets
            ]
        ),
        trend=_trend_table(months, series),
        red_flags=_red_flags(session, quarter=quarter),
        inspections=inspections,
        findings=findings,
        appraisal=figures.appraisal(session, period=quarter),
    )


def report_pdf(report: Report) -> bytes:
    """The report as a PDF file."""
    html = templates.env.get_template("quarterly_report.html").render(
        report=report, generated_at=f"{local(utcnow()):%Y-%m-%d %H:%M}"
    )
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf)
