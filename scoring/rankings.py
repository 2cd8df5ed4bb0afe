"""Rankings: subjects scored from their tier counts, centre mean, intervals and equal ranks."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core_ledger.org.models import Outlet, Staff
from kernel.errors import Invalid, NotFound
from kernel.periods import Period
from kernel.vocabulary import RATINGS, Answer
from scoring.config import ScoringSettings, get_scoring_settings
from scoring.models import CallbackRating, counted_rating
from scoring.stats import Score, TierCounts, competition_rank, pooled_score, summarize, tier_points

CallbackKind = Literal["outlet", "teller"]
SubjectKindName = Literal["outlet", "teller", "department", "leader"]
KIND_NAMES = {"outlet": "网点", "teller": "柜员", "department": "科室", "leader": "班子成员"}


@dataclass(frozen=True)
class Subject:
    """Who or what is ranked: an outlet, a teller, a department or a leadership member."""

    kind: str
    id: int
    code: str
    name: str
    group: str = ""  # the teller's outlet, the leader's title


@dataclass(frozen=True)
class RankedSubject:
    """One row of a ranking: the subject, its rank and every figure behind it."""

    rank: int | None
    subject: Subject
    responses: int  # callbacks answered, or ballots cast
    summary: Score
    centre_score: float | None

    # The skeleton's names, kept for its callers (the demo, the public outlet list).
    @property
    def outlet_code(self) -> str:
        return self.subject.code

    @property
    def name(self) -> str:
        return self.subject.name

    @property
    def code(self) -> str:
        return self.subject.code

    @property
    def score(self) -> float | None:
        return self.summary.score

    @property
    def answers(self) -> int:
        return self.responses

    @property
    def counts(self) -> TierCounts:
        return self.summary.counts


def as_callback_kind(kind: str) -> CallbackKind:
    """outlet or teller, typed; anything else is refused."""
    if kind == "outlet":
        return "outlet"
    if kind == "teller":
        return "teller"
    raise Invalid(f"回访排名只针对网点（outlet）或柜员（teller），收到 {kind!r}")


def rank_subjects(
    rows: Sequence[tuple[Subject, int, TierCounts]], *, settings: ScoringSettings | None = None
) -> list[RankedSubject]:
    """Score each subject against the centre's pooled mean and rank them (ties share a rank)."""
    settings = settings or get_scoring_settings()
    prior = pooled_score((counts for _, _, counts in rows), points=tier_points(settings=settings))
    scored = [
        (subject, responses, summarize(counts, settings=settings, prior_mean=prior))
        for subject, responses, counts in sorted(rows, key=lambda r: (r[0].group, r[0].code))
    ]
    ranked = competition_rank(scored, key=lambda row: row[2].rank_score)
    return [
        RankedSubject(rank=rank, subject=s, responses=n, summary=summary, centre_score=prior)
        for rank, (s, n, summary) in ranked
    ]


def tier_count(column: Any, tier: Answer) -> ColumnElement[int]:
    """COUNT(*) FILTER (WHERE column = tier): one pass over the rows for every tier."""
    return func.count().filter(column == tier.value)


def _callback_counts(
    session: Session, *, kind: CallbackKind, period: Period
) -> dict[int, tuple[int, TierCounts]]:
    """Tier counts per outlet or teller, summed in the database over the period's months."""
    subject = col(CallbackRating.outlet_id) if kind == "outlet" else col(CallbackRating.teller_id)
    attitude, efficiency = col(CallbackRating.attitude), col(CallbackRating.efficiency)
    months = period.months
    in_period = (
        col(CallbackRating.period) == months[0]
        if len(months) == 1
        else col(CallbackRating.period).in_(months)
    )
    query = (
        sa_select(
            subject,
            func.count(),
            *(tier_count(attitude, t) + tier_count(efficiency, t) for t in RATINGS),
        )
        .where(in_period, counted_rating(), subject.is_not(None))
        .group_by(subject)
    )
    found = {}
    for subject_id, callbacks, very, satisfied, unsatisfied in session.execute(query):
        found[int(subject_id)] = (
            int(callbacks),
            TierCounts(int(very), int(satisfied), int(unsatisfied)),
        )
    return found


def callback_subjects(session: Session, *, kind: CallbackKind) -> list[Subject]:
    """Every outlet, or every teller (staff at an outlet), as ranking subjects."""
    if kind == "outlet":
        return [
            Subject(kind="outlet", id=o.id or 0, code=o.code, name=o.name)
            for o in session.exec(select(Outlet))
        ]
    rows = session.exec(select(Staff, Outlet).join(Outlet, col(Staff.outlet_id) == col(Outlet.id)))
    return [
        Subject(kind="teller", id=s.id or 0, code=s.code, name=s.name, group=o.name)
        for s, o in rows
    ]


def callback_ranking(
    session: Session, *, kind: CallbackKind, period: Period, include_unrated: bool = False
) -> list[RankedSubject]:
    """Outlets or tellers ranked by callback answers (flagged answers held out)."""
    kind = as_callback_kind(kind)
    counts = _callback_counts(session, kind=kind, period=period)
    rows = [
        (subject, *counts.get(subject.id, (0, TierCounts())))
        for subject in callback_subjects(session, kind=kind)
        if include_unrated or subject.id in counts
    ]
    return rank_subjects(rows)


def find_subject(rows: Sequence[RankedSubject], *, code: str, kind: str) -> RankedSubject:
    """The ranking row of one subject, or NotFound naming it."""
    for row in rows:
        if row.subject.code == code:
            return row
    raise NotFound(f"找不到{KIND_NAMES.get(kind, kind)} {code!r}")
