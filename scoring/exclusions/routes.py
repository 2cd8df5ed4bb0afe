"""HTTP routes of appeals (申诉与复核): outlets file, managers decide, both read."""

from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlmodel import Session

from kernel.auth import Capability, User, can, require
from kernel.db import SessionDep
from kernel.errors import Invalid
from scoring.exclusions.appeals import decide_appeal, file_appeal, list_appeals, outlet_for
from scoring.exclusions.models import AppealState
from scoring.exclusions.schemas import AppealCreate, AppealDecisionCreate, AppealPublic

router = APIRouter(prefix="/api/appeals", tags=["appeals"])
DecideAppealsUser = Annotated[User, Depends(require(Capability.decide_appeals))]
FileAppealUser = Annotated[User, Depends(require(Capability.file_appeal))]
ReadAppealsUser = Annotated[User, Depends(require(Capability.read_appeals))]


def _one(session: Session, appeal_id: int) -> AppealPublic:
    (line,) = list_appeals(session, appeal_id=appeal_id)
    return AppealPublic.of(line)


@router.post("", status_code=status.HTTP_201_CREATED)
def file(body: AppealCreate, session: SessionDep, user: FileAppealUser) -> AppealPublic:
    """An outlet appeals one of its counted ratings within HUIFANG_APPEAL_DAYS working days."""
    outlet = outlet_for(session, user=user, outlet_code=body.outlet_code)
    appeal = file_appeal(
        session,
        rating_id=body.rating_id,
        outlet_id=outlet.id or 0,
        evidence=body.evidence,
        by=user.username,
    )
    return _one(session, appeal.id or 0)


@router.get("")
def appeals(
    session: SessionDep,
    user: ReadAppealsUser,
    state: str | None = None,
    outlet_code: str | None = None,
) -> list[AppealPublic]:
    """Appeals, open first; an outlet sees its own only, the managers who decide see every one."""
    if state is not None and state not in AppealState.__members__:
        raise Invalid(
            "state 应为 open（待复核）、upheld（申诉成立）或 rejected（维持原评价），"
            f"收到 {state!r}"
        )
    outlet_id = None
    if not can(user, Capability.decide_appeals) or outlet_code:
        outlet_id = outlet_for(session, user=user, outlet_code=outlet_code).id
    found = list_appeals(session, state=AppealState(state) if state else None, outlet_id=outlet_id)
    return [AppealPublic.of(line) for line in found]


@router.post("/{appeal_id}/decision")
def decide(
    appeal_id: int, body: AppealDecisionCreate, session: SessionDep, user: DecideAppealsUser
) -> AppealPublic:
    """A manager's review (复核): upheld leaves the rating out of every score, rejected keeps it."""
    decide_appeal(
        session, appeal_id=appeal_id, upheld=body.upheld, note=body.note, by=user.username
    )
    return _one(session, appeal_id)
