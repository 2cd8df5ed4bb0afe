"""The operators' queue as a page asks for it: filters, pages, the at-a-glance counts."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from callbacks.casequeue import QueueFilter, SlaState, parse_filter, queue_page
from callbacks.models import CallbackException, ExceptionStatus
from callbacks.triage import open_exception
from kernel.errors import Invalid
from tests.callbacks.factories import business, make_outlet

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 in Shanghai


def _case(
    session: Session, reason: str, *, outlet: str = "WD01", age_days: float = 0
) -> CallbackException:
    at = make_outlet(session, code=outlet, name=f"{outlet}网点")
    (task,) = business(session, at=NOW - timedelta(days=30), outlet=at)
    case = open_exception(session, task=task, reason=reason, actor="system")
    # Opened `age_days` ago, with its clock where it would be then.
    case.opened_at = NOW - timedelta(days=age_days)
    case.sla_due_at = case.opened_at + timedelta(days=1)
    session.add(case)
    session.flush()
    return case


def test_favour_reports_come_first_and_breaches_are_counted(session: Session) -> None:
    old = _case(session, "unreachable", age_days=5)
    fresh = _case(session, "unsatisfied", age_days=0.1)
    favour = _case(session, "favour_asked", age_days=0.2)
    page = queue_page(session, chosen=QueueFilter(), now=NOW)
    assert [row.case.id for row in page.rows] == [favour.id, fresh.id, old.id]
    assert [row.breached for row in page.rows] == [False, False, True]
    assert (page.total, page.breached, page.favours) == (3, 1, 1)


def test_filters_by_reason_outlet_age_and_sla(session: Session) -> None:
    east = _case(session, "unreachable", outlet="WD01", age_days=4)
    west = _case(session, "unreachable", outlet="WD02", age_days=0.5)
    other = _case(session, "repeat_trip", outlet="WD02", age_days=2)
    west_id = west.id

    def ids(chosen: QueueFilter) -> list[int | None]:
        return [row.case.id for row in queue_page(session, chosen=chosen, now=NOW).rows]

    assert ids(QueueFilter(reason="unreachable")) == [east.id, west_id]
    outlet_id = make_outlet(session, code="WD02").id
    assert ids(QueueFilter(outlet_id=outlet_id)) == [other.id, west_id]
    assert ids(QueueFilter(older_than_days=3)) == [east.id]
    assert ids(QueueFilter(sla=SlaState.breached)) == [other.id, east.id]
    assert ids(QueueFilter(sla=SlaState.due_soon)) == [west_id]
    assert ids(QueueFilter(sla=SlaState.in_time)) == []


def test_closed_cases_leave_the_default_queue(session: Session) -> None:
    case = _case(session, "unreachable")
    case.status = ExceptionStatus.closed
    session.add(case)
    session.flush()
    assert queue_page(session, chosen=QueueFilter(), now=NOW).total == 0
    assert queue_page(session, chosen=QueueFilter(state="all"), now=NOW).total == 1
    assert queue_page(session, chosen=QueueFilter(state="closed"), now=NOW).total == 1


def test_pages_hold_the_rest_in_order(session: Session) -> None:
    made = [_case(session, "unreachable", age_days=10 - i).id for i in range(5)]
    first = queue_page(session, chosen=QueueFilter(), page=1, size=2, now=NOW)
    last = queue_page(session, chosen=QueueFilter(), page=3, size=2, now=NOW)
    beyond = queue_page(session, chosen=QueueFilter(), page=9, size=2, now=NOW)
    assert (first.pages, first.total) == (3, 5)
    assert [r.case.id for r in first.rows] == made[:2]
    assert [r.case.id for r in last.rows] == made[4:]
    assert beyond.page == 3  # a page past the end shows the last one


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("reason", "bogus", "未知的工单原因"),
        ("age", "2", "未知的时长筛选"),
        ("sla", "late", "未知的时限筛选"),
        ("state", "gone", "未知的工单状态"),
        ("outlet_id", "WD01", "网点编号应为数字"),
    ],
)
def test_unknown_filters_are_refused_in_words(field: str, value: str, words: str) -> None:
    given = {"reason": None, "outlet_id": None, "age": None, "sla": None, "state": None}
    with pytest.raises(Invalid, match=words):
        parse_filter(**{**given, field: value})
