"""The callback ratings behind a number on a ranking page."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from core_ledger.org.models import Outlet, Staff
from kernel.errors import Invalid
from kernel.periods import Period
from kernel.phone import mask
from scoring.exclusions.appeals import appeal_due_on, counts_against, open_appeals
from scoring.exclusions.models import ACTION_LABELS, RatingAction, RatingEvent
from scoring.exclusions.service import history, is_counted
from scoring.models import CallbackRating, FlagState, RatingFlag
from scoring.rankings import (
    CallbackKind,
    RankedSubject,
    audience_filter,
    callback_ranking,
    find_subject,
)

MAX_PAGE = 500


@dataclass(frozen=True)
class HistoryLine:
    """One step behind a rating: a finding, an appeal, a review — who, when, what."""

    at: datetime
    actor: str
    action: str
    label: str
    note: str

    @classmethod
    def of(cls, event: RatingEvent) -> "HistoryLine":
        label = ACTION_LABELS[RatingAction(event.action)]
        return cls(
            at=event.at, actor=event.actor, action=event.action, label=label, note=event.note
        )


@dataclass(frozen=True)
class RatingLine:
    """One answered callback as a manager sees it: who served, what was said, whether it counts."""

    rating_id: int
    task_id: int
    business_at: datetime
    audience: str
    outlet_code: str
    teller_code: str | None
    teller_name: str | None
    attitude: str | None
    efficiency: str | None
    repeat_trip: bool | None
    favour_asked: bool | None
    phone_masked: str | None
    held: bool
    open_flags: int
    counted: bool  # in the score now: neither held nor excluded
    excluded_reason: str | None
    repeat_trip_excluded: bool
    favour_excluded: bool
    appealable: bool  # counted, and holding a 不满意 or a repeat trip an appeal could remove
    appeal_due_on: date  # the last day the outlet may appeal it (申诉)
    open_appeal_id: int | None
    history: list[HistoryLine]


@dataclass(frozen=True)
class CallbackDrilldown:
    """A subject's ranking row and one page of the ratings behind it."""

    row: RankedSubject
    total: int
    lines: list[RatingLine]


def callback_drilldown(
    session: Session,
    *,
    kind: CallbackKind,
    code: str,
    period: Period,
    limit: int = 100,
    offset: int = 0,
) -> CallbackDrilldown:
    """The ratings behind a score, newest first: held and excluded ones marked, with history."""
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise Invalid(f"分页参数不正确：limit 应在 1..{MAX_PAGE}，offset 不小于 0")
    row = find_subject(
        callback_ranking(session, kind=kind, period=period, include_unrated=True),
        code=code,
        kind=kind,
    )
    subject_col = (
        col(CallbackRating.outlet_id) if kind == "outlet" else col(CallbackRating.teller_id)
    )
    where = (
        col(CallbackRating.period).in_(period.months),
        subject_col == row.subject.id,
        audience_filter(project_contacts=False),  # the people the score counts
    )
    total = session.execute(sa_select(func.count()).select_from(CallbackRating).where(*where))
    open_flags = (
        sa_select(func.count())
        .where(
            col(RatingFlag.rating_id) == col(CallbackRating.id),
            col(RatingFlag.state) == FlagState.open,
        )
        .scalar_subquery()
    )
    query = (
        sa_select(CallbackRating, Outlet.code, Staff.code, Staff.name, open_flags)  # type: ignore[call-overload]
        .join(Outlet, col(Outlet.id) == col(CallbackRating.outlet_id))
        .outerjoin(Staff, col(Staff.id) == col(CallbackRating.teller_id))
        .where(*where)
        .order_by(col(CallbackRating.business_at).desc(), col(CallbackRating.id).desc())
        .limit(limit)
        .offset(offset)
    )
    rows = list(session.execute(query))
    ids = [r.id or 0 for r, *_ in rows]
    events, appeals = history(session, rating_ids=ids), open_appeals(session, rating_ids=ids)
    lines = [
        RatingLine(
            rating_id=r.id or 0,
            task_id=r.task_id,
            business_at=r.business_at,
            audience=r.audience,
            outlet_code=outlet_code,
            teller_code=teller_code,
            teller_name=teller_name,
            attitude=r.attitude,
            efficiency=r.efficiency,
            repeat_trip=r.repeat_trip,
            favour_asked=r.favour_asked,
            phone_masked=mask(r.phone) if r.phone else None,
            held=r.held,
            open_flags=int(flags),
            counted=is_counted(r),
            excluded_reason=r.excluded_reason,
            repeat_trip_excluded=r.repeat_trip_excluded,
            favour_excluded=r.favour_excluded,
            appealable=is_counted(r) and counts_against(r),
            appeal_due_on=appeal_due_on(r),
            open_appeal_id=appeals.get(r.id or 0),
            history=[HistoryLine.of(e) for e in events.get(r.id or 0, [])],
        )
        for r, outlet_code, teller_code, teller_name, flags in rows
    ]
    return CallbackDrilldown(row=row, total=int(total.scalar_one()), lines=lines)
