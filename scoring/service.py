"""Scoring verbs: record ratings, rank outlets."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core_ledger.models import Outlet
from kernel.clock import as_utc, month_key
from scoring.config import get_scoring_settings
from scoring.models import CallbackRating, Tier
from scoring.stats import TierCounts, competition_rank, points_score, tier_points


def record_callback_rating(
    session: Session,
    *,
    task_id: int,
    audience: str,
    outlet_id: int,
    teller_id: int | None,
    business_at: datetime,
    answers: dict[str, str],
) -> CallbackRating:
    """Store a callback's ratings once; a second call for the same task returns the first."""
    existing = session.exec(select(CallbackRating).where(CallbackRating.task_id == task_id)).first()
    if existing is not None:
        return existing
    rating = CallbackRating(
        task_id=task_id,
        audience=audience,
        outlet_id=outlet_id,
        teller_id=teller_id,
        period=month_key(business_at),
        business_at=as_utc(business_at),
        attitude=_tier(answers.get("attitude")),
        efficiency=_tier(answers.get("efficiency")),
        repeat_trip=_flag(answers.get("repeat_trip")),
        favour_asked=_flag(answers.get("favour_asked")),
    )
    session.add(rating)
    session.flush()
    return rating


def _tier(value: str | None) -> Tier | None:
    if value is None or value not in Tier.__members__:
        return None
    return Tier(value)


def _flag(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


@dataclass(frozen=True)
class OutletRank:
    rank: int | None
    outlet_code: str
    name: str
    score: float | None
    answers: int
    counts: TierCounts


def _tier_sum(tier: Tier) -> ColumnElement[int]:
    hits = [
        case((col(CallbackRating.attitude) == tier, 1), else_=0),
        case((col(CallbackRating.efficiency) == tier, 1), else_=0),
    ]
    return func.coalesce(func.sum(hits[0] + hits[1]), 0)


def outlet_ranking(session: Session, *, period: str) -> list[OutletRank]:
    """Outlets ranked for a month by the points score of attitude and efficiency tiers."""
    query = (
        sa_select(
            col(Outlet.code),
            col(Outlet.name),
            func.count(col(CallbackRating.id)),
            _tier_sum(Tier.very_satisfied),
            _tier_sum(Tier.satisfied),
            _tier_sum(Tier.unsatisfied),
        )
        .join(CallbackRating, col(CallbackRating.outlet_id) == col(Outlet.id))
        .where(col(CallbackRating.period) == period)
        .group_by(col(Outlet.id), col(Outlet.code), col(Outlet.name))
    )
    points = tier_points(settings=get_scoring_settings())
    rows = []
    for code, name, answers, very, sat, unsat in session.execute(query):
        counts = TierCounts(very_satisfied=int(very), satisfied=int(sat), unsatisfied=int(unsat))
        rows.append((code, name, int(answers), counts, points_score(counts, points=points)))
    ranked = competition_rank(rows, key=lambda row: row[4])
    return [
        OutletRank(rank=rank, outlet_code=c, name=n, score=s, answers=a, counts=k)
        for rank, (c, n, a, k, s) in ranked
    ]
