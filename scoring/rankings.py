"""Rankings: subjects scored from their people (人次), centre mean, intervals and equal ranks."""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
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
from scoring.stats import (
    People,
    Score,
    TierCounts,
    competition_rank,
    pooled_score,
    summarize,
    tier_points,
)

CallbackKind = Literal["outlet", "teller"]
# The audience of a project contact's rating (签约楼盘负责人): their own report, and in the
# depositor rankings only when HUIFANG_RANK_INCLUDE_PROJECT_CONTACTS is true.
PROJECT_CONTACT = "project_contact"
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
    summary: Score
    centre_score: float | None

    @property
    def responses(self) -> int:
        """人次: callbacks rated, or ballots cast."""
        return self.summary.people

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
        return self.summary.people

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
    rows: Sequence[tuple[Subject, People]], *, settings: ScoringSettings | None = None
) -> list[RankedSubject]:
    """Score each subject against the centre's pooled mean and rank them (ties share a rank)."""
    settings = settings or get_scoring_settings()
    prior = pooled_score((people for _, people in rows), points=tier_points(settings=settings))
    scored = [
        (subject, summarize(people, settings=settings, prior_mean=prior))
        for subject, people in sorted(rows, key=lambda r: (r[0].group, r[0].code))
    ]
    ranked = competition_rank(scored, key=lambda row: row[1].rank_score)
    return [
        RankedSubject(rank=rank, subject=s, summary=summary, centre_score=prior)
        for rank, (s, summary) in ranked
    ]


def tier_count(column: Any, tier: Answer) -> ColumnElement[int]:
    """COUNT(*) FILTER (WHERE column = tier): one pass over the rows for every tier."""
    return func.count().filter(column == tier.value)


@cache  # sixteen possible pairs: the same few TierCounts for every row of a ranking
def mix_of(*answers: str | None) -> TierCounts:
    """One person's answers as tier counts (a rating left unanswered counts in no tier)."""
    return TierCounts(*(sum(1 for a in answers if a == tier) for tier in RATINGS))


def audience_filter(*, project_contacts: bool) -> ColumnElement[bool]:
    """Whose ratings count: project contacts only (their report), or the ranking's people."""
    audience = col(CallbackRating.audience)
    if project_contacts:
        return audience == PROJECT_CONTACT
    if get_scoring_settings().RANK_INCLUDE_PROJECT_CONTACTS:
        return audience.is_not(None)
    return audience != PROJECT_CONTACT


def _callback_people(
    session: Session, *, kind: CallbackKind, period: Period, project_contacts: bool = False
) -> dict[int, People]:
    """People per outlet or teller: one group per pair of ratings, counted in the database."""
    subject = col(CallbackRating.outlet_id) if kind == "outlet" else col(CallbackRating.teller_id)
    attitude, efficiency = col(CallbackRating.attitude), col(CallbackRating.efficiency)
    months = period.months
    in_period = (
        col(CallbackRating.period) == months[0]
        if len(months) == 1
        else col(CallbackRating.period).in_(months)
    )
    # One pass over the covering index: at most 16 (attitude, efficiency) groups per subject,
    # each a number of people who rated alike; the scores are computed from those.
    query = (
        sa_select(subject, attitude, efficiency, func.count())
        .where(in_period, counted_rating(), subject.is_not(None))
        .where(audience_filter(project_contacts=project_contacts))
        .group_by(subject, attitude, efficiency)
    )
    groups: dict[int, list[tuple[TierCounts, int]]] = {}
    for subject_id, first, second, people in session.execute(query):
        groups.setdefault(int(subject_id), []).append((mix_of(first, second), int(people)))
    found = {subject_id: People.of(mixes) for subject_id, mixes in groups.items()}
    return {subject_id: people for subject_id, people in found.items() if people.total}


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
    session: Session,
    *,
    kind: CallbackKind,
    period: Period,
    include_unrated: bool = False,
    project_contacts: bool = False,
) -> list[RankedSubject]:
    """Outlets or tellers ranked by the people who rated them (flagged callbacks held out).

    Depositors and borrowers by default; `project_contacts` gives the project contacts' own
    report instead (签约楼盘负责人 on how the outlet served their buyers).
    """
    kind = as_callback_kind(kind)
    people = _callback_people(session, kind=kind, period=period, project_contacts=project_contacts)
    rows = [
        (subject, people.get(subject.id, People()))
        for subject in callback_subjects(session, kind=kind)
        if include_unrated or subject.id in people
    ]
    return rank_subjects(rows)


def find_subject(rows: Sequence[RankedSubject], *, code: str, kind: str) -> RankedSubject:
    """The ranking row of one subject, or NotFound naming it."""
    for row in rows:
        if row.subject.code == code:
            return row
    raise NotFound(f"找不到{KIND_NAMES.get(kind, kind)} {code!r}")
