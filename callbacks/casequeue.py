"""The operators' queue as they work it: filters (reason, outlet, age, SLA state), pages, a tally.

`cases.queue` answers the API; this is the page's question: which cases, how many in all, how
many have run out of time. Favour-asking reports (索拿卡要) come first because their priority is
the highest (callbacks.sla.PRIORITY); within a priority the oldest comes first.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from callbacks.cases import CaseView, view
from callbacks.models import CallbackException, CallbackTask, ExceptionStatus
from callbacks.sla import PRIORITY
from kernel.clock import utcnow
from kernel.errors import Invalid

PAGE_SIZE = 50


class SlaState(StrEnum):
    """Where a case stands against its clock."""

    breached = "breached"  # 已超时: due and not yet handled
    due_soon = "due_soon"  # 24 小时内到期
    in_time = "in_time"  # 未到期


SLA_STATE_LABELS = {
    SlaState.breached: "已超时",
    SlaState.due_soon: "24小时内到期",
    SlaState.in_time: "未到期",
}
DUE_SOON = timedelta(hours=24)

# Age filters: opened more than so many days ago.
AGE_LABELS = {"1": "超过1天", "3": "超过3天", "7": "超过7天"}

# The queue's state filter: the open cases (default), one state, or every case.
STATE_CHOICES = ("open", *[s.value for s in ExceptionStatus], "all")


@dataclass(frozen=True)
class QueueFilter:
    """What the operator asked for; every field optional."""

    reason: str | None = None
    outlet_id: int | None = None
    older_than_days: int | None = None
    sla: SlaState | None = None
    state: str = "open"  # "open": every case not closed; "all": closed ones too


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, with the counts the operator sees at a glance."""

    rows: list[CaseView]
    total: int
    page: int
    pages: int
    breached: int  # open cases past their clock (whatever the filter)
    favours: int  # open favour-asking reports (whatever the filter)


def parse_filter(
    *,
    reason: str | None,
    outlet_id: str | None,
    age: str | None,
    sla: str | None,
    state: str | None,
) -> QueueFilter:
    """The filter from a page's query string; anything unknown is a 422 naming the choices."""
    if reason and reason not in PRIORITY:
        raise Invalid(f"未知的工单原因 {reason!r}")
    if age and age not in AGE_LABELS:
        raise Invalid(f"未知的时长筛选 {age!r}，可选：{'、'.join(AGE_LABELS.values())}")
    if sla and sla not in SlaState.__members__:
        raise Invalid(f"未知的时限筛选 {sla!r}，可选：{'、'.join(SLA_STATE_LABELS.values())}")
    if state and state not in STATE_CHOICES:
        raise Invalid(f"未知的工单状态 {state!r}")
    if outlet_id and not outlet_id.isdigit():
        raise Invalid(f"网点编号应为数字：{outlet_id!r}")
    return QueueFilter(
        reason=reason or None,
        outlet_id=int(outlet_id) if outlet_id else None,
        older_than_days=int(age) if age else None,
        sla=SlaState(sla) if sla else None,
        state=state or "open",
    )


def _unhandled() -> ColumnElement[bool]:
    return and_(
        col(CallbackException.status) != ExceptionStatus.closed,
        col(CallbackException.verified_at).is_(None),
    )


def _sla_clause(sla: SlaState, now: datetime) -> ColumnElement[bool]:
    due = col(CallbackException.sla_due_at)
    if sla is SlaState.breached:
        return and_(_unhandled(), due < now)
    if sla is SlaState.due_soon:
        return and_(_unhandled(), due >= now, due < now + DUE_SOON)
    return or_(~_unhandled(), due >= now + DUE_SOON)


def _conditions(chosen: QueueFilter, now: datetime) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if chosen.state == "open":
        where.append(col(CallbackException.status) != ExceptionStatus.closed)
    elif chosen.state != "all":
        where.append(col(CallbackException.status) == chosen.state)
    if chosen.reason:
        where.append(col(CallbackException.reason) == chosen.reason)
    if chosen.outlet_id:
        where.append(col(CallbackTask.outlet_id) == chosen.outlet_id)
    if chosen.older_than_days:
        cutoff = now - timedelta(days=chosen.older_than_days)
        where.append(col(CallbackException.opened_at) < cutoff)
    if chosen.sla:
        where.append(_sla_clause(chosen.sla, now))
    return where


def _count(session: Session, where: list[ColumnElement[bool]]) -> int:
    query = (
        select(func.count())
        .select_from(CallbackException)
        .join(CallbackTask, col(CallbackTask.id) == col(CallbackException.task_id))
        .where(*where)
    )
    return int(session.exec(query).one())


def queue_page(
    session: Session,
    *,
    chosen: QueueFilter,
    page: int = 1,
    size: int = PAGE_SIZE,
    now: datetime | None = None,
) -> QueuePage:
    """The page of cases the filter picks, most urgent first, with the at-a-glance counts."""
    now = now or utcnow()
    where = _conditions(chosen, now)
    total = _count(session, where)
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    query = (
        select(CallbackException, CallbackTask)
        .join(CallbackTask, col(CallbackTask.id) == col(CallbackException.task_id))
        .where(*where)
        .order_by(
            col(CallbackException.priority).desc(),
            col(CallbackException.opened_at),
            col(CallbackException.id),
        )
        .offset((page - 1) * size)
        .limit(size)
    )
    rows = [view(case, task, now=now) for case, task in session.exec(query)]
    return QueuePage(
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        breached=_count(session, [_sla_clause(SlaState.breached, now)]),
        favours=_count(
            session,
            [
                col(CallbackException.status) != ExceptionStatus.closed,
                col(CallbackException.reason) == "favour_asked",
            ],
        ),
    )
