"""Monthly internal evaluations: outlets rate departments; everyone rates the leadership."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core_ledger.org.models import Department, LeadershipMember, Manager, Outlet
from core_ledger.org.service import get_department, get_manager
from kernel.auth import User
from kernel.clock import as_utc, local, utcnow
from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from kernel.periods import Period, PeriodKind
from kernel.vocabulary import RATINGS, Answer
from scoring.models import (
    CRITERION_NAMES,
    Criterion,
    EvaluationAnswer,
    EvaluationBallot,
    EvaluationRound,
    Rater,
    RaterKind,
    SubjectKind,
)
from scoring.rankings import RankedSubject, Subject, find_subject, rank_subjects, tier_count
from scoring.stats import People, TierCounts

# Who may rate what (§五): outlets serve depositors and rate departments; departments serve
# outlets; leaders are rated by outlets, departments and every manager at 副科级 or above.
ELIGIBLE = {
    SubjectKind.department: {RaterKind.outlet},
    SubjectKind.leader: {RaterKind.outlet, RaterKind.department, RaterKind.manager},
}
RATER_NAMES = {
    RaterKind.outlet: "网点",
    RaterKind.department: "科室",
    RaterKind.manager: "管理人员",
}


def open_round(
    session: Session, *, period: Period, opens_at: datetime, closes_at: datetime
) -> EvaluationRound:
    """Open a month's round of evaluations for a window of time."""
    if period.kind is not PeriodKind.month:
        raise Invalid(f"测评按月进行，期间应写作 YYYY-MM，收到 {period.key!r}")
    if as_utc(closes_at) <= as_utc(opens_at):
        raise Invalid("测评截止时间必须晚于开始时间")
    if session.exec(select(EvaluationRound).where(EvaluationRound.period == period.key)).first():
        raise Conflict(f"{period.label}的测评轮次已存在")
    found = EvaluationRound(
        period=period.key, opens_at=as_utc(opens_at), closes_at=as_utc(closes_at)
    )
    session.add(found)
    session.flush()
    return found


def register_rater(session: Session, *, username: str, kind: str, code: str) -> Rater:
    """Seat a user as a rater for an outlet, a department, or as a manager themself."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"找不到用户 {username!r}")
    if kind not in RaterKind.__members__:
        raise Invalid(
            "测评人类型应为 outlet（网点）、department（科室）或 manager（管理人员），"
            f"收到 {kind!r}"
        )
    if session.exec(select(Rater).where(Rater.user_id == user.id)).first():
        raise Conflict(f"用户 {username!r} 已登记为测评人")
    rater = Rater(user_id=user.id or 0, kind=RaterKind(kind))
    if kind == RaterKind.outlet:
        outlet = session.exec(select(Outlet).where(Outlet.code == code)).first()
        if outlet is None:
            raise NotFound(f"找不到网点 {code!r}")
        rater.outlet_id = outlet.id
    elif kind == RaterKind.department:
        rater.department_id = get_department(session, code=code).id
    else:
        rater.manager_id = get_manager(session, code=code).id
    session.add(rater)
    session.flush()
    return rater


def rater_of(session: Session, *, user: User) -> Rater:
    """The rater seat of a signed-in user; Forbidden when they have none."""
    rater = session.exec(select(Rater).where(Rater.user_id == user.id)).first()
    if rater is None:
        raise Forbidden(f"账号 {user.username} 未登记为测评人，请联系管理员登记后再投票")
    return rater


def round_for(session: Session, *, period: Period) -> EvaluationRound:
    """The round of a month, or NotFound."""
    found = session.exec(select(EvaluationRound).where(EvaluationRound.period == period.key))
    round_ = found.first()
    if round_ is None:
        raise NotFound(f"{period.label}的测评尚未开启")
    return round_


def current_round(session: Session, *, now: datetime | None = None) -> EvaluationRound | None:
    """The round open now, else the one that opens next, else the latest; None before any."""
    moment = as_utc(now or utcnow())
    rounds = list(session.exec(select(EvaluationRound).order_by(col(EvaluationRound.opens_at))))
    for round_ in rounds:
        if moment < as_utc(round_.closes_at):
            return round_
    return rounds[-1] if rounds else None


def round_state(round_: EvaluationRound, *, now: datetime | None = None) -> str:
    """未开始, 进行中 or 已截止, as the ballot page shows the round's window."""
    moment = as_utc(now or utcnow())
    if moment < as_utc(round_.opens_at):
        return "未开始"
    return "进行中" if moment < as_utc(round_.closes_at) else "已截止"


def _subject(session: Session, *, kind: SubjectKind, code: str) -> Department | LeadershipMember:
    found: Department | LeadershipMember | None
    if kind is SubjectKind.department:
        found, what = (
            session.exec(select(Department).where(Department.code == code)).first(),
            "科室",
        )
    else:
        found = session.exec(select(LeadershipMember).where(LeadershipMember.code == code)).first()
        what = "班子成员"
    if found is None or not found.active:
        raise NotFound(f"找不到可测评的{what} {code!r}")
    return found


@dataclass(frozen=True)
class Seat:
    """Who a rater is, as far as the conflict rules need: their department, the leader they are."""

    department_id: int | None
    leader_id: int | None


def _seat(session: Session, rater: Rater) -> Seat:
    if rater.kind == RaterKind.manager and rater.manager_id is not None:
        manager = session.get(Manager, rater.manager_id)
        if manager is not None:
            return Seat(department_id=manager.department_id, leader_id=manager.leader_id)
    return Seat(department_id=rater.department_id, leader_id=None)


def conflict(seat: Seat, *, kind: SubjectKind, subject_id: int | None) -> str | None:
    """Why this rater may not rate this subject (themselves, their own department), or None."""
    if kind is SubjectKind.department and seat.department_id == subject_id:
        return "不能对本科室进行测评"
    if kind is SubjectKind.leader and seat.leader_id is not None:
        # A leader who also holds a manager's seat sits in the team being rated: none of it.
        if seat.leader_id == subject_id:
            return "不能对自己进行测评"
        return "您是班子成员，不参与对领导班子成员的测评"
    return None


def _check_answers(answers: Mapping[str, tuple[str, str | None]]) -> list[EvaluationAnswer]:
    missing = [CRITERION_NAMES[c] for c in Criterion if c.value not in answers]
    unknown = sorted(set(answers) - set(Criterion.__members__))
    if unknown:
        raise Invalid(
            f"未知的测评项目：{', '.join(unknown)}（应为 attitude、work_quality、efficiency）"
        )
    if missing:
        raise Invalid(f"请对每一项作出评价，缺少：{'、'.join(missing)}")
    rows = []
    for criterion in Criterion:
        tier, reason = answers[criterion.value]
        if tier not in RATINGS:
            raise Invalid(
                f"{CRITERION_NAMES[criterion]}的评价应为 very_satisfied（非常满意）、"
                f"satisfied（满意）或 unsatisfied（不满意），收到 {tier!r}"
            )
        text = (reason or "").strip() or None
        if tier == Answer.unsatisfied and text is None:
            raise Invalid(f"{CRITERION_NAMES[criterion]}选择“不满意”时，请填写具体事项或缘由")
        rows.append(
            EvaluationAnswer(ballot_id=0, criterion=criterion, tier=Answer(tier), reason=text)
        )
    return rows


def cast_ballot(
    session: Session,
    *,
    rater: Rater,
    period: Period,
    subject_kind: str,
    subject_code: str,
    answers: Mapping[str, tuple[str, str | None]],
    now: datetime | None = None,
) -> EvaluationBallot:
    """One ballot per rater, subject and round, inside the round's window; 不满意 needs a reason."""
    if subject_kind not in SubjectKind.__members__:
        raise Invalid(
            f"测评对象类型应为 department（科室）或 leader（班子成员），收到 {subject_kind!r}"
        )
    kind = SubjectKind(subject_kind)
    round_ = round_for(session, period=period)
    moment = as_utc(now or utcnow())
    if not as_utc(round_.opens_at) <= moment < as_utc(round_.closes_at):
        raise Conflict(
            f"{period.label}的测评开放时间为 {local(round_.opens_at):%Y-%m-%d %H:%M} 至 "
            f"{local(round_.closes_at):%Y-%m-%d %H:%M}，当前不在测评时间内"
        )
    subject = _subject(session, kind=kind, code=subject_code)
    refused = conflict(_seat(session, rater), kind=kind, subject_id=subject.id)
    if refused is not None:
        raise Forbidden(refused)
    if rater.kind not in ELIGIBLE[kind]:
        what = "科室" if kind is SubjectKind.department else "班子成员"
        raise Forbidden(f"{RATER_NAMES[rater.kind]}不参与对{what}的测评")
    where = (
        EvaluationBallot.round_id == round_.id,
        EvaluationBallot.rater_id == rater.id,
        EvaluationBallot.subject_kind == kind,
        EvaluationBallot.subject_id == subject.id,
    )
    if session.exec(select(EvaluationBallot).where(*where)).first() is not None:
        raise Conflict(f"您已对 {subject.name} 提交过{period.label}的测评，每轮只能投一次")
    # After the one-ballot check: a second ballot is refused as such, whatever its answers.
    rows = _check_answers(answers)
    ballot = EvaluationBallot(
        round_id=round_.id or 0,
        rater_id=rater.id or 0,
        rater_kind=rater.kind,
        subject_kind=kind,
        subject_id=subject.id or 0,
    )
    try:
        with session.begin_nested():
            session.add(ballot)
            session.flush()
    except IntegrityError as error:  # a second ballot raced the first
        raise Conflict(
            f"您已对 {subject.name} 提交过{period.label}的测评，每轮只能投一次"
        ) from error
    for row in rows:
        row.ballot_id = ballot.id or 0
        session.add(row)
    session.flush()
    return ballot


@dataclass(frozen=True)
class SheetLine:
    """A subject on a rater's ballot sheet, and whether they have voted on it this round."""

    kind: SubjectKind
    code: str
    name: str
    note: str
    done: bool


def ballot_sheet(session: Session, *, rater: Rater, period: Period) -> list[SheetLine]:
    """What a rater is asked to rate this round, with what they have already rated."""
    round_ = round_for(session, period=period)
    cast = {
        (b.subject_kind, b.subject_id)
        for b in session.exec(
            select(EvaluationBallot).where(
                EvaluationBallot.round_id == round_.id, EvaluationBallot.rater_id == rater.id
            )
        )
    }
    seat = _seat(session, rater)
    lines = []
    if rater.kind in ELIGIBLE[SubjectKind.department]:
        for d in session.exec(
            select(Department).where(col(Department.active)).order_by(col(Department.code))
        ):
            if conflict(seat, kind=SubjectKind.department, subject_id=d.id) is None:
                done = (SubjectKind.department, d.id) in cast
                lines.append(SheetLine(SubjectKind.department, d.code, d.name, "", done))
    for m in session.exec(
        select(LeadershipMember)
        .where(col(LeadershipMember.active))
        .order_by(col(LeadershipMember.code))
    ):
        if conflict(seat, kind=SubjectKind.leader, subject_id=m.id) is None:
            done = (SubjectKind.leader, m.id) in cast
            lines.append(SheetLine(SubjectKind.leader, m.code, m.name, m.title, done))
    return lines


def _subjects(session: Session, *, kind: SubjectKind) -> list[Subject]:
    if kind is SubjectKind.department:
        return [
            Subject(kind="department", id=d.id or 0, code=d.code, name=d.name)
            for d in session.exec(select(Department))
        ]
    return [
        Subject(kind="leader", id=m.id or 0, code=m.code, name=m.name, group=m.title)
        for m in session.exec(select(LeadershipMember))
    ]


def evaluation_ranking(
    session: Session, *, kind: str, period: Period, include_unrated: bool = False
) -> list[RankedSubject]:
    """Departments or leaders ranked by their raters: one ballot is one rater (人次)."""
    subject_kind = SubjectKind(kind)
    tier = col(EvaluationAnswer.tier)
    # Each ballot's own tier counts first, then how many ballots share each mix: a ballot's
    # score is the mean of its criteria, so the three criteria weigh as one rater, not three.
    per_ballot = (
        sa_select(
            col(EvaluationBallot.subject_id).label("subject_id"),
            *(tier_count(tier, t).label(t.value) for t in RATINGS),
        )
        .join(EvaluationAnswer, col(EvaluationAnswer.ballot_id) == col(EvaluationBallot.id))
        .join(EvaluationRound, col(EvaluationRound.id) == col(EvaluationBallot.round_id))
        .where(
            col(EvaluationRound.period).in_(period.months),
            col(EvaluationBallot.subject_kind) == subject_kind,
        )
        .group_by(col(EvaluationBallot.id), col(EvaluationBallot.subject_id))
        .subquery()
    )
    mix = [per_ballot.c[t.value] for t in RATINGS]
    query = sa_select(per_ballot.c.subject_id, *mix, func.count()).group_by(
        per_ballot.c.subject_id, *mix
    )
    groups: dict[int, list[tuple[TierCounts, int]]] = {}
    for sid, very, satisfied, unsatisfied, ballots in session.execute(query):
        counts = TierCounts(int(very), int(satisfied), int(unsatisfied))
        groups.setdefault(int(sid), []).append((counts, int(ballots)))
    people = {sid: People.of(mixes) for sid, mixes in groups.items()}
    rows = [
        (subject, people.get(subject.id, People()))
        for subject in _subjects(session, kind=subject_kind)
        if include_unrated or subject.id in people
    ]
    return rank_subjects(rows)


@dataclass(frozen=True)
class Reason:
    """A 不满意 answer's matter or reason, shown without who gave it."""

    period: str
    criterion: str
    reason: str


@dataclass(frozen=True)
class EvaluationDrilldown:
    """A department's or leader's row, counts per criterion, and every reason given."""

    row: RankedSubject
    by_criterion: dict[str, TierCounts]
    reasons: list[Reason]


def evaluation_drilldown(
    session: Session, *, kind: str, code: str, period: Period
) -> EvaluationDrilldown:
    """What is behind a department's or leader's score; raters are never named."""
    rows = evaluation_ranking(session, kind=kind, period=period, include_unrated=True)
    row = find_subject(rows, code=code, kind=kind)
    base = (
        sa_select(EvaluationAnswer, EvaluationRound.period)  # type: ignore[call-overload]
        .join(EvaluationBallot, col(EvaluationBallot.id) == col(EvaluationAnswer.ballot_id))
        .join(EvaluationRound, col(EvaluationRound.id) == col(EvaluationBallot.round_id))
        .where(
            col(EvaluationRound.period).in_(period.months),
            col(EvaluationBallot.subject_kind) == SubjectKind(kind),
            col(EvaluationBallot.subject_id) == row.subject.id,
        )
    )
    tally: dict[str, list[int]] = {c.value: [0, 0, 0] for c in Criterion}
    reasons = []
    # Ordered by the answer's own columns, never by ballot or rater, so order reveals nobody.
    for answer, month in session.execute(
        base.order_by(EvaluationRound.period, EvaluationAnswer.criterion, EvaluationAnswer.reason)
    ):
        tally[answer.criterion][RATINGS.index(Answer(answer.tier))] += 1
        if answer.reason:
            reasons.append(Reason(period=month, criterion=answer.criterion, reason=answer.reason))
    by_criterion = {c: TierCounts(*counts) for c, counts in tally.items()}
    return EvaluationDrilldown(row=row, by_criterion=by_criterion, reasons=reasons)
