"""约谈 alerts: an outlet last in the ranking and clearly below the centre, months running.

With five outlets somebody is always last, often by the luck of a few people. So a month
counts toward an alert only when the outlet is last *and* its whole interval lies below the
centre average (HUIFANG_ALERT_RULE), and it must happen HUIFANG_ALERT_MONTHS months running.
"""

from sqlmodel import Session, col, select

from core_ledger.org.models import Outlet
from kernel.clock import utcnow
from kernel.errors import Conflict, Invalid, NotFound
from kernel.periods import Period, PeriodKind
from scoring.config import AlertRule, get_scoring_settings
from scoring.models import RankingAlert
from scoring.rankings import RankedSubject, callback_ranking

RULE_TEXT = {
    AlertRule.last_and_below: "回访满意度排名末位，且可信区间整体低于全中心平均",
    AlertRule.below: "回访满意度可信区间整体低于全中心平均",
    AlertRule.last: "回访满意度排名末位",
}
COUNT_WORDS = dict(enumerate("两三四五六七八九十", start=2)) | {11: "十一", 12: "十二"}
DETAIL_MAX = 300


def rule_sentence() -> str:
    """The alert rule as the method note on every ranking page states it."""
    settings = get_scoring_settings()
    months = settings.ALERT_MONTHS
    when = f"连续{COUNT_WORDS[months]}个月" if months > 1 else "当月"
    return f"网点{when}{RULE_TEXT[settings.ALERT_RULE]}的，生成约谈提醒"


def bottom_codes(rows: list[RankedSubject]) -> set[str]:
    """Outlets sharing the last rank; nobody when every ranked outlet is tied."""
    ranks = {row.rank for row in rows if row.rank is not None}
    if len(ranks) < 2:
        return set()
    last = max(ranks)
    return {row.subject.code for row in rows if row.rank == last}


def clearly_below(row: RankedSubject) -> bool:
    """Whether the whole interval lies below the centre average: not a few people's bad luck."""
    interval, centre = row.summary.interval, row.centre_score
    return interval is not None and centre is not None and interval[1] < centre


def flagged(rows: list[RankedSubject], *, rule: AlertRule) -> dict[str, RankedSubject]:
    """The outlets one month's ranking puts under the rule, with their rows."""
    last = bottom_codes(rows)
    return {
        row.subject.code: row
        for row in rows
        if (rule is AlertRule.below or row.subject.code in last)
        and (rule is AlertRule.last or clearly_below(row))
    }


def _months_up_to(period: Period, count: int) -> list[Period]:
    months = [period]
    while len(months) < count:
        months.insert(0, months[0].previous())
    return months


# The months an outlet was flagged, oldest first, each with its ranking row.
Months = list[tuple[Period, RankedSubject]]


def alert_rows(session: Session, *, period: Period) -> dict[str, Months]:
    """Outlets the rule flags in every one of the ALERT_MONTHS months ending with this one."""
    if period.kind is not PeriodKind.month:
        raise Invalid(f"约谈提醒按月检查，期间应写作 YYYY-MM，收到 {period.key!r}")
    settings = get_scoring_settings()
    found: dict[str, Months] | None = None
    for month in _months_up_to(period, settings.ALERT_MONTHS):
        ranking = callback_ranking(session, kind="outlet", period=month)
        rows = flagged(ranking, rule=settings.ALERT_RULE)
        found = {
            code: [*([] if found is None else found[code]), (month, row)]
            for code, row in rows.items()
            if found is None or code in found
        }
    return found or {}


def _figures(month: Period, row: RankedSubject) -> str:
    s, (_, high) = row.summary, row.summary.interval or (0.0, 0.0)
    return (
        f"{month.label}第{row.rank}名，得分 {s.score or 0.0:.1f}，"
        f"区间上限 {high:.1f}，中心平均 {row.centre_score or 0.0:.1f}"
    )


def alert_detail(name: str, months: Months, *, rule: AlertRule) -> str:
    """The alert's sentence: which months, what the rule saw, each month's figures."""
    labels = "、".join(m.label for m, _ in months)
    when = f"连续{COUNT_WORDS[len(months)]}个月（{labels}）" if len(months) > 1 else labels
    figures = "；".join(_figures(m, row) for m, row in months)
    text = f"{name}{when}{RULE_TEXT[rule]}，请安排约谈（{figures}）"
    return text if len(text) <= DETAIL_MAX else text[: DETAIL_MAX - 1] + "…"


def check_bottom_alerts(session: Session, *, period: Period) -> list[RankingAlert]:
    """Raise (once) an alert for each outlet the rule flags ALERT_MONTHS months running."""
    rule = get_scoring_settings().ALERT_RULE
    raised = []
    for code, months in sorted(alert_rows(session, period=period).items()):
        outlet = session.exec(select(Outlet).where(Outlet.code == code)).one()
        existing = session.exec(
            select(RankingAlert).where(
                RankingAlert.outlet_id == outlet.id,
                RankingAlert.period == period.key,
                RankingAlert.kind == rule.value,
            )
        ).first()
        if existing is not None:
            raised.append(existing)
            continue
        alert = RankingAlert(
            outlet_id=outlet.id or 0,
            period=period.key,
            kind=rule.value,
            detail=alert_detail(outlet.name, months, rule=rule),
        )
        session.add(alert)
        session.flush()
        raised.append(alert)
    return raised


def list_alerts(
    session: Session, *, period: Period | None = None
) -> list[tuple[RankingAlert, Outlet]]:
    """Alerts with their outlets, newest first; within a period's months when one is given."""
    query = (
        select(RankingAlert, Outlet)
        .join(Outlet, col(Outlet.id) == col(RankingAlert.outlet_id))
        .order_by(col(RankingAlert.period).desc(), col(Outlet.code))
    )
    if period is not None:
        query = query.where(col(RankingAlert.period).in_(period.months))
    return list(session.exec(query).all())


def acknowledge_alert(session: Session, *, alert_id: int, by: str, note: str) -> RankingAlert:
    """Record that the talk (约谈) took place, with what was agreed."""
    if not note.strip():
        raise Invalid("请填写约谈情况（时间、参加人、整改要求）")
    alert = session.get(RankingAlert, alert_id)
    if alert is None:
        raise NotFound(f"找不到约谈提醒 #{alert_id}")
    if alert.acknowledged_at is not None:
        raise Conflict(f"约谈提醒 #{alert_id} 已于 {alert.acknowledged_at:%Y-%m-%d} 登记")
    alert.acknowledged_at, alert.acknowledged_by, alert.note = utcnow(), by, note.strip()
    session.add(alert)
    session.flush()
    return alert
