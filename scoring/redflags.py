"""Red flags per outlet and teller: repeat-trip rate, and every favour-asking report by itself."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from core_ledger.org.models import Outlet, Staff
from kernel.periods import Period
from kernel.phone import mask
from scoring.config import get_scoring_settings
from scoring.models import CallbackRating, counted_rating
from scoring.rankings import CallbackKind, Subject, callback_subjects
from scoring.stats import wilson_interval


@dataclass(frozen=True)
class RepeatTrips:
    """跑回头路: how many said they had to come back, of those who answered the question."""

    subject: Subject
    asked: int
    repeat_trips: int
    rate: float | None
    interval: tuple[float, float] | None
    favour_reports: int


@dataclass(frozen=True)
class FavourReport:
    """One 索拿卡要 report: never averaged, always shown by itself."""

    rating_id: int
    task_id: int
    business_at: datetime
    audience: str
    outlet_code: str
    outlet_name: str
    teller_code: str | None
    teller_name: str | None
    phone_masked: str | None
    held: bool
    excluded: bool  # found untrue or not the staff's doing: listed, no longer counted


def _in_period(period: Period) -> object:
    return col(CallbackRating.period).in_(period.months)


def repeat_trip_rates(session: Session, *, kind: CallbackKind, period: Period) -> list[RepeatTrips]:
    """Repeat-trip rate per outlet or teller with a Wilson interval, worst first."""
    subject_col = (
        col(CallbackRating.outlet_id) if kind == "outlet" else col(CallbackRating.teller_id)
    )
    counted = and_(counted_rating(), col(CallbackRating.repeat_trip_excluded).is_(False))
    # Held and excluded callbacks stay out of the rate like they stay out of the ranking, and
    # so does a repeat trip found untrue. A favour report counts whoever made it (an operator
    # must see it either way) until its own finding says it was untrue or not the staff's.
    query = (
        sa_select(
            subject_col,
            func.count(col(CallbackRating.repeat_trip)).filter(counted),
            func.count().filter(counted, col(CallbackRating.repeat_trip).is_(True)),
            func.count().filter(
                col(CallbackRating.favour_asked).is_(True),
                col(CallbackRating.favour_excluded).is_(False),
            ),
        )
        .where(_in_period(period), subject_col.is_not(None))  # type: ignore[arg-type]
        .group_by(subject_col)
    )
    level = get_scoring_settings().INTERVAL_LEVEL
    counts = {int(s): (int(a), int(r), int(f)) for s, a, r, f in session.execute(query)}
    rows = []
    for subject in callback_subjects(session, kind=kind):
        if subject.id not in counts:
            continue
        asked, trips, favours = counts[subject.id]
        rows.append(
            RepeatTrips(
                subject=subject,
                asked=asked,
                repeat_trips=trips,
                rate=trips / asked if asked else None,
                interval=wilson_interval(trips, asked, level=level) if asked else None,
                favour_reports=favours,
            )
        )
    rows.sort(key=lambda r: (-r.favour_reports, -(r.rate or 0.0), r.subject.code))
    return rows


def favour_reports(
    session: Session,
    *,
    period: Period,
    outlet_id: int | None = None,
    teller_id: int | None = None,
) -> list[FavourReport]:
    """Every callback that reported staff asking for money, gifts or favours, newest first."""
    query = (
        sa_select(CallbackRating, Outlet, Staff)
        .join(Outlet, col(Outlet.id) == col(CallbackRating.outlet_id))
        .outerjoin(Staff, col(Staff.id) == col(CallbackRating.teller_id))
        .where(_in_period(period), col(CallbackRating.favour_asked).is_(True))  # type: ignore[arg-type]
        .order_by(col(CallbackRating.business_at).desc(), col(CallbackRating.id).desc())
    )
    if outlet_id is not None:
        query = query.where(col(CallbackRating.outlet_id) == outlet_id)
    if teller_id is not None:
        query = query.where(col(CallbackRating.teller_id) == teller_id)
    return [
        FavourReport(
            rating_id=rating.id,
            task_id=rating.task_id,
            business_at=rating.business_at,
            audience=rating.audience,
            outlet_code=outlet.code,
            outlet_name=outlet.name,
            teller_code=staff.code if staff else None,
            teller_name=staff.name if staff else None,
            phone_masked=mask(rating.phone) if rating.phone else None,
            held=rating.held,
            excluded=rating.favour_excluded,
        )
        for rating, outlet, staff in session.execute(query)
    ]
