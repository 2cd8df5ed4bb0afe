"""Scoring verbs for what is left out: an operator's finding, a rating's exclusion, its history.

The rule (docs/scoring-method.md, 申诉与复核 / 核实结论): a finding leaves out what it is about.
A 不满意 found untrue or not the staff's doing leaves the whole callback out of every score
(and, like a held rating, out of the repeat-trip rate); a repeat-trip or favour-asking report
found so leaves only that report's red-flag count. A 属实 finding changes nothing but the history.
"""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from kernel.clock import utcnow
from kernel.errors import Invalid, NotFound
from scoring.exclusions.models import (
    CONCERN_LABELS,
    FINDING_LABELS,
    Concern,
    Finding,
    RatingAction,
    RatingEvent,
)
from scoring.models import CallbackRating


def parse_finding(value: str) -> Finding:
    """A finding by its value (true, untrue, not_staff) or its Chinese label."""
    for finding, label in FINDING_LABELS.items():
        if value in (finding.value, label):
            return finding
    raise Invalid(
        f"核实结论应为 属实（true）、不属实（untrue）或 非工作人员原因（not_staff），收到 {value!r}"
    )


def get_rating(session: Session, *, rating_id: int, for_update: bool = False) -> CallbackRating:
    """A callback rating by id, optionally locked for a change."""
    query = select(CallbackRating).where(CallbackRating.id == rating_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    rating = session.exec(query).first()
    if rating is None:
        raise NotFound(f"找不到回访评价 #{rating_id}")
    return rating


def is_counted(rating: CallbackRating) -> bool:
    """Whether the rating counts in scores now (the Python twin of `counted_rating()`)."""
    return not rating.held and rating.excluded_reason is None


def note_event(
    session: Session, *, rating_id: int, actor: str, action: RatingAction, note: str
) -> RatingEvent:
    """Write one step into a rating's history."""
    event = RatingEvent(rating_id=rating_id, actor=actor, action=action, note=note[:2500])
    session.add(event)
    session.flush()
    return event


def exclude(session: Session, *, rating: CallbackRating, reason: str, by: str) -> None:
    """Leave a rating out of every score, keeping why, who and when (the first reason stands)."""
    if rating.excluded_reason is not None:
        return
    rating.excluded_reason, rating.excluded_by, rating.excluded_at = reason[:500], by, utcnow()
    session.add(rating)
    session.flush()


def record_finding(
    session: Session, *, task_id: int, concern: Concern, finding: Finding, note: str, by: str
) -> CallbackRating | None:
    """An operator's finding on one report of a callback; untrue and not-staff ones leave it out.

    Returns None when the task has no rating (a 整改回访 is kept apart from the ratings).
    """
    query = select(CallbackRating).where(CallbackRating.task_id == task_id)
    rating = session.exec(query.with_for_update()).first()
    if rating is None:
        return None
    words = f"“{CONCERN_LABELS[concern]}”{FINDING_LABELS[finding]}：{note.strip()}"
    note_event(session, rating_id=rating.id or 0, actor=by, action=RatingAction.finding, note=words)
    if finding is Finding.true:
        return rating
    if concern is Concern.rating:
        exclude(session, rating=rating, reason=f"坐席核实{words}", by=by)
    elif concern is Concern.repeat_trip:
        rating.repeat_trip_excluded = True
    else:
        rating.favour_excluded = True
    session.add(rating)
    session.flush()
    return rating


def history(session: Session, *, rating_ids: Sequence[int]) -> dict[int, list[RatingEvent]]:
    """Each rating's steps, oldest first; ratings without any are left out."""
    if not rating_ids:
        return {}
    query = (
        select(RatingEvent)
        .where(col(RatingEvent.rating_id).in_(rating_ids))
        .order_by(col(RatingEvent.at), col(RatingEvent.id))
    )
    found: dict[int, list[RatingEvent]] = {}
    for event in session.exec(query):
        found.setdefault(event.rating_id, []).append(event)
    return found
