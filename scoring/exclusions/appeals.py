"""申诉与复核: an outlet appeals a counted rating in time, with its evidence; a manager decides."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from core_ledger.org.models import Outlet, Staff
from kernel.auth import User
from kernel.clock import local_date, utcnow
from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from kernel.vocabulary import Answer
from kernel.workdays import working_days_after
from scoring.config import get_scoring_settings
from scoring.exclusions.models import APPEAL_STATE_LABELS, Appeal, AppealState, RatingAction
from scoring.exclusions.service import exclude, get_rating, note_event
from scoring.models import CallbackRating, Rater, RaterKind


def appeal_due_on(rating: CallbackRating) -> date:
    """The last day to appeal: HUIFANG_APPEAL_DAYS working days after the day it was recorded."""
    days = get_scoring_settings().APPEAL_DAYS
    return working_days_after(local_date(rating.rated_at), days=days)


def counts_against(rating: CallbackRating) -> bool:
    """Whether an appeal could take anything from the rating: a 不满意, or a counted repeat trip.

    A favour-asking report is not the outlet's to appeal: an operator checks each one.
    """
    unhappy = Answer.unsatisfied in (rating.attitude, rating.efficiency)
    return unhappy or (rating.repeat_trip is True and not rating.repeat_trip_excluded)


def outlet_for(session: Session, *, user: User, outlet_code: str | None) -> Outlet:
    """The outlet a teller acts for: the one their account is seated at, else the one named."""
    named = None
    if outlet_code:
        named = session.exec(select(Outlet).where(Outlet.code == outlet_code)).first()
        if named is None:
            raise NotFound(f"找不到网点 {outlet_code!r}")
    seat = session.exec(
        select(Rater).where(Rater.user_id == user.id, Rater.kind == RaterKind.outlet)
    ).first()
    if seat is not None and seat.outlet_id is not None:
        own = session.get(Outlet, seat.outlet_id)
        assert own is not None
        if named is not None and named.id != own.id:
            raise Forbidden(f"账号 {user.username} 属于{own.name}（{own.code}），只能为本网点申诉")
        return own
    if named is None:
        raise Invalid("请注明为哪个网点申诉（网点编码 outlet_code）")
    return named


def file_appeal(
    session: Session,
    *,
    rating_id: int,
    outlet_id: int,
    evidence: str,
    by: str,
    now: datetime | None = None,
) -> Appeal:
    """An outlet's appeal (申诉) of one of its counted ratings, in time, one open at a time."""
    evidence = evidence.strip()
    if not evidence:
        raise Invalid("请填写申诉理由和证据")
    rating = get_rating(session, rating_id=rating_id, for_update=True)
    if rating.outlet_id != outlet_id:
        raise Forbidden(f"回访评价 #{rating_id} 不属于本网点，只能对本网点的评价申诉")
    if rating.excluded_reason is not None:
        raise Conflict(f"回访评价 #{rating_id} 已不计入评分（{rating.excluded_reason}），无需申诉")
    if rating.held:
        raise Conflict(f"回访评价 #{rating_id} 因异常号码待核实，暂不计入评分，无需申诉")
    if not counts_against(rating):
        raise Conflict(f"回访评价 #{rating_id} 没有计入的“不满意”或“跑回头路”，无需申诉")
    due = appeal_due_on(rating)
    if local_date(now or utcnow()) > due:
        raise Conflict(
            f"已超过申诉期限：回访评价 #{rating_id} 于 {local_date(rating.rated_at)} 记录，"
            f"须在 {get_scoring_settings().APPEAL_DAYS} 个工作日内（{due} 前，含当日）申诉"
        )
    pending = session.exec(
        select(Appeal).where(Appeal.rating_id == rating_id, Appeal.state == AppealState.open)
    ).first()
    if pending is not None:
        raise Conflict(f"回访评价 #{rating_id} 已有待复核的申诉（第 {pending.id} 号），请等待复核")
    appeal = Appeal(
        rating_id=rating_id, outlet_id=outlet_id, evidence=evidence[:2000], due_on=due, filed_by=by
    )
    session.add(appeal)
    session.flush()
    note = f"申诉第 {appeal.id} 号：{evidence}"
    note_event(session, rating_id=rating_id, actor=by, action=RatingAction.appeal_filed, note=note)
    return appeal


def open_appeals(session: Session, *, rating_ids: Sequence[int]) -> dict[int, int]:
    """The open appeal's id of each rating that has one."""
    if not rating_ids:
        return {}
    query = select(Appeal.rating_id, Appeal.id).where(
        col(Appeal.rating_id).in_(rating_ids), Appeal.state == AppealState.open
    )
    return {rating_id: appeal_id or 0 for rating_id, appeal_id in session.exec(query)}


def get_appeal(session: Session, *, appeal_id: int, for_update: bool = False) -> Appeal:
    """An appeal by id."""
    query = select(Appeal).where(Appeal.id == appeal_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    appeal = session.exec(query).first()
    if appeal is None:
        raise NotFound(f"找不到申诉第 {appeal_id} 号")
    return appeal


def decide_appeal(session: Session, *, appeal_id: int, upheld: bool, note: str, by: str) -> Appeal:
    """A manager's review (复核): upheld leaves the rating out of every score; rejected keeps it."""
    note = note.strip()
    if not note:
        raise Invalid("请填写复核意见")
    # Lock the rating before the appeal, the order filing takes them in, so the two cannot
    # deadlock.
    rating_id = get_appeal(session, appeal_id=appeal_id).rating_id
    rating = get_rating(session, rating_id=rating_id, for_update=True)
    appeal = get_appeal(session, appeal_id=appeal_id, for_update=True)
    if appeal.state != AppealState.open:
        label = APPEAL_STATE_LABELS[AppealState(appeal.state)]
        raise Conflict(f"申诉第 {appeal_id} 号已复核（{label}），不能重复复核")
    appeal.state = AppealState.upheld if upheld else AppealState.rejected
    appeal.decided_by, appeal.decided_at, appeal.decision_note = by, utcnow(), note[:2000]
    session.add(appeal)
    if upheld:
        exclude(session, rating=rating, reason=f"申诉第 {appeal_id} 号成立：{note}", by=by)
    action = RatingAction.appeal_upheld if upheld else RatingAction.appeal_rejected
    note_event(
        session,
        rating_id=appeal.rating_id,
        actor=by,
        action=action,
        note=f"申诉第 {appeal_id} 号：{note}",
    )
    return appeal


@dataclass(frozen=True)
class AppealLine:
    """An appeal with the rating it is about, as the queue shows it."""

    appeal: Appeal
    rating: CallbackRating
    outlet: Outlet
    teller: Staff | None


def list_appeals(
    session: Session,
    *,
    state: AppealState | None = None,
    outlet_id: int | None = None,
    appeal_id: int | None = None,
) -> list[AppealLine]:
    """Appeals, open ones first, then the oldest first."""
    query = (
        select(Appeal, CallbackRating, Outlet, Staff)
        .join(CallbackRating, col(CallbackRating.id) == col(Appeal.rating_id))
        .join(Outlet, col(Outlet.id) == col(Appeal.outlet_id))
        .outerjoin(Staff, col(Staff.id) == col(CallbackRating.teller_id))
    )
    if state is not None:
        query = query.where(Appeal.state == state)
    if outlet_id is not None:
        query = query.where(Appeal.outlet_id == outlet_id)
    if appeal_id is not None:
        query = query.where(Appeal.id == appeal_id)
    query = query.order_by(col(Appeal.state) != AppealState.open, col(Appeal.filed_at))
    return [AppealLine(a, r, o, s) for a, r, o, s in session.exec(query)]
