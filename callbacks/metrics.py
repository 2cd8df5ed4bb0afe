"""How the callback desk is doing, per outlet and month: 回访率, reach, and how fast."""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, func, select

from callbacks.models import CallAttempt, CallbackTask, SurveyAnswer, TaskKind, TaskStatus
from kernel.clock import as_utc
from kernel.periods import parse_period
from kernel.vocabulary import Answer, Question

# Tasks not owed a callback: capped by the suppression window.
NOT_OWED = {"suppressed"}


@dataclass
class OutletMetrics:
    """One outlet's callback figures for a month of business."""

    outlet_id: int
    outlet_name: str
    tasks: int = 0
    due: int = 0  # the first attempt's time has come (or the task already ended)
    completed: int = 0
    reached: int = 0  # someone answered: a call with a person, an SMS reply, an operator's call
    to_first_attempt: list[float] = field(default_factory=list)  # hours
    to_answer: list[float] = field(default_factory=list)  # hours

    def as_dict(self) -> dict[str, object]:
        """The figures as the API shows them (rates 0–1, medians in hours)."""
        return {
            "outlet_id": self.outlet_id,
            "outlet_name": self.outlet_name,
            "tasks": self.tasks,
            "due": self.due,
            "completed": self.completed,
            "reached": self.reached,
            "callback_rate": _ratio(self.completed, self.due),
            "reach_rate": _ratio(self.reached, self.due),
            "median_hours_to_first_attempt": _median(self.to_first_attempt),
            "median_hours_to_answer": _median(self.to_answer),
        }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def outlet_metrics(session: Session, *, period: str) -> list[OutletMetrics]:
    """Per outlet, for business done in the month: tasks due, completed, reached, medians."""
    start, end = parse_period(period).utc_bounds()
    tasks = list(
        session.exec(
            select(CallbackTask)
            .where(CallbackTask.kind == TaskKind.survey)
            .where(col(CallbackTask.business_at) >= start, col(CallbackTask.business_at) < end)
        )
    )
    ids = [t.id for t in tasks]
    first_attempt = dict(
        session.exec(
            select(CallAttempt.task_id, func.min(CallAttempt.started_at))
            .where(col(CallAttempt.task_id).in_(ids))
            .group_by(col(CallAttempt.task_id))
        ).all()
    )
    answered = set(
        session.exec(select(SurveyAnswer.task_id).where(col(SurveyAnswer.task_id).in_(ids))).all()
    )
    spoke = set(
        session.exec(
            select(CallAttempt.task_id)
            .where(col(CallAttempt.task_id).in_(ids), CallAttempt.status == "completed")
            .where(
                col(CallAttempt.answered_by).is_(None)
                | col(CallAttempt.answered_by).in_(["human", "unknown"])
            )
        ).all()
    )
    rows: dict[int, OutletMetrics] = {}
    for task in tasks:
        row = rows.setdefault(task.outlet_id, OutletMetrics(task.outlet_id, task.outlet_name))
        _count(
            row, task, first=first_attempt.get(task.id or 0), reached=task.id in answered | spoke
        )
    return sorted(rows.values(), key=lambda r: r.outlet_name)


def _count(
    row: OutletMetrics, task: CallbackTask, *, first: datetime | None, reached: bool
) -> None:
    row.tasks += 1
    if task.close_reason in NOT_OWED:
        return
    ended = task.status in (TaskStatus.completed, TaskStatus.closed, TaskStatus.exception)
    if not (first or ended):
        return
    row.due += 1
    business = as_utc(task.business_at)
    if first is not None:
        row.to_first_attempt.append((as_utc(first) - business).total_seconds() / 3600)
    if reached:
        row.reached += 1
    if task.status == TaskStatus.completed and task.completed_at is not None:
        row.completed += 1
        row.to_answer.append((as_utc(task.completed_at) - business).total_seconds() / 3600)


def rectification_results(session: Session, *, period: str) -> list[dict[str, object]]:
    """The second callbacks (整改回访) of a month, per outlet: how many, and how they answered."""
    start, end = parse_period(period).utc_bounds()
    query = (
        select(CallbackTask.outlet_id, CallbackTask.outlet_name, SurveyAnswer.value)
        .join(SurveyAnswer, col(SurveyAnswer.task_id) == col(CallbackTask.id))
        .where(
            CallbackTask.kind == TaskKind.rectification,
            SurveyAnswer.question == Question.resolution,
        )
        .where(col(CallbackTask.business_at) >= start, col(CallbackTask.business_at) < end)
    )
    counts: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for outlet_id, name, value in session.exec(query):
        counts[(outlet_id, name)][value or "unclear"] += 1
    return [
        {
            "outlet_id": outlet_id,
            "outlet_name": name,
            "answered": sum(tally.values()),
            "satisfied": tally[Answer.very_satisfied] + tally[Answer.satisfied],
            "unsatisfied": tally[Answer.unsatisfied],
            "unclear": tally["unclear"],
        }
        for (outlet_id, name), tally in sorted(counts.items(), key=lambda kv: kv[0][1])
    ]
