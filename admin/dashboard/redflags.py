"""Red flags (红色警示) as tables: repeat trips, favour-asking reports, 约谈 alerts."""

from sqlmodel import Session

from admin.dashboard.figures import Table
from kernel.clock import local
from kernel.periods import Period
from scoring.alerts import list_alerts
from scoring.redflags import favour_reports, repeat_trip_rates


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def red_flags(session: Session, *, period: Period) -> list[Table]:
    """跑回头路 rates, 索拿卡要 reports and 约谈 alerts of a period, as tables."""
    trips = repeat_trip_rates(session, kind="outlet", period=period)
    favours = favour_reports(session, period=period)
    alerts = list_alerts(session, period=period)
    return [
        Table(
            key="repeat-trips",
            title=f"跑回头路比例（网点） · {period.label}",
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
            title=f"“索拿卡要”反映 · {period.label}",
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
            title=f"约谈提醒 · {period.label}",
            headers=("月份", "网点", "情况", "约谈"),
            rows=[
                (a.period, o.name, a.detail, "已约谈" if a.acknowledged_at else "待约谈")
                for a, o in alerts
            ],
        ),
    ]
