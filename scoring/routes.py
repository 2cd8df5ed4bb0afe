"""HTTP routes of the ranking engine."""

import re
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from kernel.auth import Role, User, require_roles
from kernel.db import SessionDep
from scoring.service import outlet_ranking

router = APIRouter(prefix="/api/rankings", tags=["rankings"])
Reader = Annotated[User, Depends(require_roles(Role.manager, Role.operator, Role.inspector))]
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class OutletRankPublic(BaseModel):
    rank: int | None
    outlet_code: str
    name: str
    score: float | None
    answers: int
    very_satisfied: int
    satisfied: int
    unsatisfied: int


@router.get("/outlets")
def rank_outlets(
    session: SessionDep, _: Reader, period: Annotated[str, Query(description="YYYY-MM")]
) -> list[OutletRankPublic]:
    """Outlets ranked for a month."""
    if not PERIOD.match(period):
        raise HTTPException(422, detail=f"期间格式应为 YYYY-MM（如 2026-11），收到 {period!r}")
    return [
        OutletRankPublic(
            rank=row.rank,
            outlet_code=row.outlet_code,
            name=row.name,
            score=None if row.score is None else round(row.score, 2),
            answers=row.answers,
            very_satisfied=row.counts.very_satisfied,
            satisfied=row.counts.satisfied,
            unsatisfied=row.counts.unsatisfied,
        )
        for row in outlet_ranking(session, period=period)
    ]
