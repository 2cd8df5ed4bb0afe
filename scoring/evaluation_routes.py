"""HTTP routes of internal evaluations: the org chart, rounds, raters, ballots."""

from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlmodel import select

from core_ledger.org.models import Department, LeadershipMember
from core_ledger.org.service import create_department, create_leader, create_manager
from kernel.auth import Capability, User, require
from kernel.db import SessionDep
from kernel.periods import parse_period
from scoring.evaluations import ballot_sheet, cast_ballot, open_round, rater_of, register_rater
from scoring.models import EvaluationRound
from scoring.schemas import (
    BallotCreate,
    BallotPublic,
    DepartmentCreate,
    LeaderCreate,
    ManagerCreate,
    OrgPublic,
    RaterCreate,
    RoundCreate,
    RoundPublic,
    SheetLinePublic,
)

router = APIRouter(tags=["evaluations"])
CastBallotUser = Annotated[User, Depends(require(Capability.cast_ballot))]
ManageOrgUser = Annotated[User, Depends(require(Capability.manage_org))]
ManageRoundsUser = Annotated[User, Depends(require(Capability.manage_rounds))]
ReadRankingsUser = Annotated[User, Depends(require(Capability.read_rankings))]


@router.post("/api/org/departments", status_code=status.HTTP_201_CREATED)
def add_department(session: SessionDep, _: ManageOrgUser, body: DepartmentCreate) -> OrgPublic:
    """Register a department (科室)."""
    found = create_department(session, code=body.code, name=body.name)
    return OrgPublic(id=found.id or 0, code=found.code, name=found.name)


@router.post("/api/org/leaders", status_code=status.HTTP_201_CREATED)
def add_leader(session: SessionDep, _: ManageOrgUser, body: LeaderCreate) -> OrgPublic:
    """Register a leadership member (班子成员)."""
    found = create_leader(
        session, code=body.code, name=body.name, title=body.title, portfolio=body.portfolio
    )
    return OrgPublic(id=found.id or 0, code=found.code, name=found.name)


@router.post("/api/org/managers", status_code=status.HTTP_201_CREATED)
def add_manager(session: SessionDep, _: ManageOrgUser, body: ManagerCreate) -> OrgPublic:
    """Register a manager at deputy-section level or above (副科级以上)."""
    found = create_manager(session, **body.model_dump())
    return OrgPublic(id=found.id or 0, code=found.code, name=found.name)


@router.get("/api/org/departments")
def departments(session: SessionDep, _: ReadRankingsUser) -> list[OrgPublic]:
    """The departments."""
    rows = session.exec(select(Department).order_by(Department.code))
    return [OrgPublic(id=d.id or 0, code=d.code, name=d.name) for d in rows]


@router.get("/api/org/leaders")
def leaders(session: SessionDep, _: ReadRankingsUser) -> list[OrgPublic]:
    """The leadership members."""
    rows = session.exec(select(LeadershipMember).order_by(LeadershipMember.code))
    return [OrgPublic(id=m.id or 0, code=m.code, name=m.name) for m in rows]


@router.post("/api/evaluations/raters", status_code=status.HTTP_201_CREATED)
def add_rater(session: SessionDep, _: ManageOrgUser, body: RaterCreate) -> dict[str, int]:
    """Seat a user as a rater for an outlet, a department, or as a manager."""
    rater = register_rater(session, username=body.username, kind=body.kind, code=body.code)
    return {"id": rater.id or 0}


@router.post("/api/evaluations/rounds", status_code=status.HTTP_201_CREATED)
def add_round(session: SessionDep, _: ManageRoundsUser, body: RoundCreate) -> RoundPublic:
    """Open a month's round of evaluations."""
    found = open_round(
        session, period=parse_period(body.period), opens_at=body.opens_at, closes_at=body.closes_at
    )
    return RoundPublic.model_validate(found)


@router.get("/api/evaluations/rounds")
def rounds(session: SessionDep, _: ReadRankingsUser) -> list[RoundPublic]:
    """Every round, newest first."""
    rows = session.exec(select(EvaluationRound).order_by(EvaluationRound.period.desc()))  # type: ignore[attr-defined]
    return [RoundPublic.model_validate(r) for r in rows]


@router.get("/api/evaluations/sheet")
def sheet(session: SessionDep, user: CastBallotUser, period: str) -> list[SheetLinePublic]:
    """What the signed-in rater is asked to rate in a month's round, and what is done."""
    rater = rater_of(session, user=user)
    return [
        SheetLinePublic(
            subject_kind=line.kind, code=line.code, name=line.name, note=line.note, done=line.done
        )
        for line in ballot_sheet(session, rater=rater, period=parse_period(period))
    ]


@router.post("/api/evaluations/ballots", status_code=status.HTTP_201_CREATED)
def ballot(session: SessionDep, user: CastBallotUser, body: BallotCreate) -> BallotPublic:
    """Cast one ballot: a tier for each criterion, and the matter or reason for 不满意."""
    rater = rater_of(session, user=user)
    period = parse_period(body.period)
    cast = cast_ballot(
        session,
        rater=rater,
        period=period,
        subject_kind=body.subject_kind,
        subject_code=body.subject_code,
        answers={name: (a.tier, a.reason) for name, a in body.answers.items()},
    )
    return BallotPublic(
        period=period.key,
        subject_kind=cast.subject_kind,
        subject_code=body.subject_code,
        cast_at=cast.cast_at,
    )
