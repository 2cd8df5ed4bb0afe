"""约谈 alerts: an outlet at the bottom of the monthly ranking two months running."""

from sqlmodel import Session, col, select

from core_ledger.org.models import Outlet
from kernel.clock import utcnow
from kernel.errors import Conflict, Invalid, NotFound
from kernel.periods import Period, PeriodKind
from scoring.models import RankingAlert
from scoring.rankings import RankedSubject, callback_ranking

BOTTOM_TWO_MONTHS = "bottom_two_months"


def bottom_codes(rows: list[RankedSubject]) -> set[str]:
    """Outlets sharing the last rank; nobody when every ranked outlet is tied."""
    ranks = {row.rank for row in rows if row.rank is not None}
    if len(ranks) < 2:
        return set()
    last = max(ranks)
    return {row.subject.code for row in rows if row.rank == last}


def check_bottom_alerts(session: Session, *, period: Period) -> list[RankingAlert]:
    """Raise (once) an alert for each outlet last in this month and the month before."""
    if period.kind is not PeriodKind.month:
        raise Invalid(f"约谈提醒按月检查，期间应写作 YYYY-MM，收到 {period.key!r}")
    now = bottom_codes(callback_ranking(session, kind="outlet", period=period))
    before = bottom_codes(callback_ranking(session, kind="outlet", period=period.previous()))
    raised = []
    for code in sorted(now & before):
        outlet = session.exec(select(Outlet).where(Outlet.code == code)).one()
        existing = session.exec(
            select(RankingAlert).where(
                RankingAlert.outlet_id == outlet.id,
                RankingAlert.period == period.key,
                RankingAlert.kind == BOTTOM_TWO_MONTHS,
            )
        ).first()
        if existing is not None:
            raised.append(existing)
            continue
        alert = RankingAlert(
            outlet_id=outlet.id or 0,
            period=period.key,
            kind=BOTTOM_TWO_MONTHS,
            detail=(
                f"{outlet.name}连续两个月（{period.previous().label}、{period.label}）"
                "回访满意度排名末位，请安排约谈"
            ),
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
