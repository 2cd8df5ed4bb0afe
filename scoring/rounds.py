"""The rounds of monthly evaluations as the centre runs them: who took part, never how.

Participation is counted per kind of rater (网点, 科室, 管理人员): seated raters and those who
cast at least one ballot in the round. Nothing here names a rater or joins a rater to an answer.
"""

from dataclasses import dataclass

from sqlalchemy import distinct, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

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
