"""Scoring verbs the callbacks call: record a survey's ratings, hold suspicious ones back."""

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from core_ledger.accounts.models import Depositor
from core_ledger.org.models import Staff
from kernel.clock import as_utc, utcnow
from kernel.crypto import phone_index
from kernel.errors import Conflict, Invalid, NotFound
from kernel.periods import month_of, parse_period
from kernel.phone import mask, normalize
from kernel.vocabulary import RATINGS, YES_NO, Answer, Question
from scoring.models import CallbackRating, FlagReason, FlagState, RatingFlag
from scoring.rankings import RankedSubject, callback_ranking


def record_callback_rating(
    session: Session,
    *,
    task_id: int,
    audience: str,
    outlet_id: int,
    teller_id: int | None,
    business_at: datetime,
    answers: dict[str, str],
    phone: str | None = None,
) -> CallbackRating:
    """Store a callback's ratings once; a second call for the same task returns the first.

    With the number that was called, the anti-gaming rules run: a staff member's number, or one
    several depositors gave, flags the rating and holds it out of the ranking until an operator
    clears it.
    """
    existing = session.exec(select(CallbackRating).where(CallbackRating.task_id == task_id)).first()
    if existing is not None:
        return existing
    e164 = _e164_or_none(phone)
    rating = CallbackRating(
        task_id=task_id,
        audience=audience,
        outlet_id=outlet_id,
        teller_id=teller_id,
        period=month_of(business_at),
        business_at=as_utc(business_at),
        attitude=_tier(answers.get(Question.attitude)),
        efficiency=_tier(answers.get(Question.efficiency)),
        repeat_trip=_flag(answers.get(Question.repeat_trip)),
        favour_asked=_flag(answers.get(Question.favour_asked)),
        phone=e164,
    )
    session.add(rating)
    session.flush()
    if e164 is not None:
        flags = _suspicions(session, phone=e164)
        for reason, detail in flags:
            session.add(RatingFlag(rating_id=rating.id or 0, reason=reason, detail=detail))
        if flags:
            rating.held = True
            session.add(rating)
        session.flush()
    return rating


def _e164_or_none(phone: str | None) -> str | None:
    if not phone:
        return None
    try:
        return normalize(phone)
    except Invalid:
        # A number the telephony layer dialled but we cannot read: keep it as given.
        return phone[:20]


def _suspicions(session: Session, *, phone: str) -> list[tuple[FlagReason, str]]:
    """The anti-gaming rules that a called number breaks, each with a sentence for operators."""
    found: list[tuple[FlagReason, str]] = []
    shown = mask(phone)
    national = phone[3:] if phone.startswith("+86") else phone
    # Staff and depositor numbers may be stored with or without +86; look for both.
    forms = {phone, national}
    indexes = [phone_index(form) for form in forms]
    staff = session.exec(select(Staff).where(col(Staff.phone_index).in_(indexes))).all()
    if staff:
        names = "、".join(f"{s.name}（{s.code}）" for s in staff)
        found.append((FlagReason.staff_phone, f"回访号码 {shown} 是工作人员 {names} 的号码"))
    depositors = session.exec(
        select(func.count()).select_from(Depositor).where(col(Depositor.phone_index).in_(indexes))
    ).one()
    if depositors >= 2:
        found.append(
            (FlagReason.shared_phone, f"回访号码 {shown} 被 {depositors} 名缴存职工登记为联系电话")
        )
    return found


def _tier(value: str | None) -> Answer | None:
    return Answer(value) if value in RATINGS else None


def _flag(value: str | None) -> bool | None:
    return {Answer.yes: True, Answer.no: False}.get(Answer(value)) if value in YES_NO else None


def list_flags(session: Session, *, state: FlagState | None = FlagState.open) -> list[RatingFlag]:
    """Anti-gaming flags, oldest first; by default those still waiting for an operator."""
    query = select(RatingFlag).order_by(col(RatingFlag.created_at), col(RatingFlag.id))
    if state is not None:
        query = query.where(RatingFlag.state == state)
    return list(session.exec(query))


def resolve_flag(
    session: Session, *, flag_id: int, decision: FlagState, by: str, note: str | None = None
) -> RatingFlag:
    """An operator's decision: cleared ratings count again, upheld ones stay out."""
    if decision not in (FlagState.cleared, FlagState.upheld):
        raise Invalid("处理结果只能是 cleared（核实正常，计入排名）或 upheld（确认异常，不计入）")
    if decision is FlagState.upheld and not (note or "").strip():
        raise Invalid("确认异常时请填写核实情况说明")
    flag = session.get(RatingFlag, flag_id)
    if flag is None:
        raise NotFound(f"找不到异常号码标记 #{flag_id}")
    if flag.state != FlagState.open:
        raise Conflict(f"标记 #{flag_id} 已处理（{flag.state}），不能重复处理")
    flag.state, flag.resolved_by, flag.resolved_at, flag.note = decision, by, utcnow(), note
    session.add(flag)
    session.flush()
    rating = session.get(CallbackRating, flag.rating_id)
    assert rating is not None
    states = session.exec(select(RatingFlag.state).where(RatingFlag.rating_id == rating.id)).all()
    rating.held = any(s != FlagState.cleared for s in states)
    session.add(rating)
    session.flush()
    return flag


def outlet_ranking(session: Session, *, period: str) -> list[RankedSubject]:
    """Outlets ranked for a period by their people's scores (each the mean of two ratings)."""
    return callback_ranking(session, kind="outlet", period=parse_period(period))
