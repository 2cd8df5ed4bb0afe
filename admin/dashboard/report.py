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
from admin.dashboard.redflags import red_flags
from kernel.clock import local, utcnow
from kernel.periods import Period
from scoring.rankings import callback_ranking


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
        trend=figures.trend_table(months, series, period=quarter),
        red_flags=red_flags(session, period=quarter),
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
