"""The rounds of monthly evaluations as the centre runs them: who took part, never how; and
the raters' seats (who rates on behalf of which outlet, department or manager).

Participation is counted per kind of rater (网点, 科室, 管理人员): seated raters and those who
cast at least one ballot in the round. Nothing here names a rater or joins a rater to an answer.
"""

from dataclasses import dataclass

from sqlalchemy import distinct, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core_ledger.org.models import Department, Manager, Outlet
from kernel.auth import User
from scoring.evaluations import RATER_NAMES
from scoring.models import EvaluationBallot, EvaluationRound, Rater, RaterKind


@dataclass(frozen=True)
class Turnout:
    """One kind of rater in one round: how many are seated, how many voted, ballots cast."""

    kind: RaterKind
    seated: int
    voted: int
    ballots: int

    @property
    def label(self) -> str:
        """The kind of rater as pages show it."""
        return RATER_NAMES[self.kind]


@dataclass(frozen=True)
class RoundTurnout:
    """A round and its turnout per kind of rater."""

    round: EvaluationRound
    turnout: list[Turnout]


def rounds_with_turnout(session: Session) -> list[RoundTurnout]:
    """Every round, newest first, with how many of each kind of rater took part."""
    seated = dict(
        session.execute(sa_select(col(Rater.kind), func.count()).group_by(col(Rater.kind))).all()
    )
    cast = sa_select(
        col(EvaluationBallot.round_id),
        col(EvaluationBallot.rater_kind),
        func.count(distinct(col(EvaluationBallot.rater_id))),
        func.count(),
    ).group_by(col(EvaluationBallot.round_id), col(EvaluationBallot.rater_kind))
    voted: dict[tuple[int, str], tuple[int, int]] = {
        (int(r), str(k)): (int(people), int(ballots))
        for r, k, people, ballots in session.execute(cast)
    }
    rounds = session.exec(select(EvaluationRound).order_by(col(EvaluationRound.period).desc()))
    return [
        RoundTurnout(
            round=found,
            turnout=[
                Turnout(
                    kind=kind,
                    seated=int(seated.get(kind.value, 0)),
                    voted=voted.get((found.id or 0, kind.value), (0, 0))[0],
                    ballots=voted.get((found.id or 0, kind.value), (0, 0))[1],
                )
                for kind in RaterKind
            ],
        )
        for found in rounds
    ]


@dataclass(frozen=True)
class SeatLine:
    """A seated rater as the administrators' list shows it: whose account, on whose behalf."""

    username: str
    kind: RaterKind
    seat: str

    @property
    def label(self) -> str:
        """The kind of rater as pages show it."""
        return RATER_NAMES[self.kind]


@dataclass(frozen=True)
class SeatChoice:
    """A seat a rater may be given: its value for the form (kind:code) and its name."""

    value: str
    name: str


def seated_raters(session: Session) -> list[SeatLine]:
    """Every seated rater with the outlet, department or manager they rate for."""
    names: dict[tuple[str, int], str] = {}
    for outlet in session.exec(select(Outlet)):
        names[("outlet", outlet.id or 0)] = f"{outlet.name}（{outlet.code}）"
    for department in session.exec(select(Department)):
        names[("department", department.id or 0)] = f"{department.name}（{department.code}）"
    for manager in session.exec(select(Manager)):
        names[("manager", manager.id or 0)] = f"{manager.name}（{manager.code}）"
    rows = session.exec(
        select(Rater, User)
        .join(User, col(User.id) == col(Rater.user_id))
        .order_by(col(Rater.kind), col(User.username))
    )
    lines = []
    for rater, user in rows:
        seat_id = rater.outlet_id or rater.department_id or rater.manager_id or 0
        lines.append(
            SeatLine(user.username, RaterKind(rater.kind), names.get((rater.kind, seat_id), "—"))
        )
    return lines


def seat_choices(session: Session) -> dict[RaterKind, list[SeatChoice]]:
    """The outlets, departments and managers a rater may be seated for, by kind."""
    outlets = session.exec(select(Outlet).order_by(col(Outlet.code)))
    departments = session.exec(
        select(Department).where(col(Department.active)).order_by(col(Department.code))
    )
    managers = session.exec(select(Manager).where(col(Manager.active)).order_by(col(Manager.code)))
    return {
        RaterKind.outlet: [
            SeatChoice(f"outlet:{o.code}", f"{o.name}（{o.code}）") for o in outlets
        ],
        RaterKind.department: [
            SeatChoice(f"department:{d.code}", f"{d.name}（{d.code}）") for d in departments
        ],
        RaterKind.manager: [
            SeatChoice(f"manager:{m.code}", f"{m.name}（{m.code}）") for m in managers
        ],
    }
