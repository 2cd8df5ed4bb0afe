"""The operators' exception queue (异常工单): claim, call by hand, reschedule, close, escalate,
the finding (核实结论) every complaint needs, and the poor-rating loop (a 属实 不满意 → the
outlet's rectification → a second callback)."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from callbacks.config import get_callback_settings
from callbacks.history import note_event, transition
from callbacks.labels import TASK_STATUS_LABELS
from callbacks.models import (
    CallbackException,
    CallbackTask,
    ExceptionStatus,
    TaskKind,
    TaskStatus,
)
from callbacks.optout import is_do_not_call
from callbacks.schedule import next_slot
from callbacks.service import (
    complete_survey,
    get_task,
    missing_questions,
    questions_for,
    record_operator_answer,
    record_suggestion,
    reschedule,
)
from callbacks.sla import is_breached
from callbacks.triage import REASON_LABELS, open_cases
from kernel.clock import utcnow
from kernel.errors import Conflict, Invalid, NotFound
from kernel.vocabulary import Question, answers_to
from scoring.exclusions.models import FINDING_LABELS, Concern, Finding
from scoring.exclusions.service import parse_finding, record_finding

# Cases whose task waits on the operator: closing them ends the task too.
BLOCKING = {"unreachable", "invalid_number", "partial", "unclear", "wrong_person"}
# Cases that need the operator's finding before they close, and what in the callback it is about.
NEEDS_FINDING = {
    "unsatisfied": Concern.rating,
    "repeat_trip": Concern.repeat_trip,
    "favour_asked": Concern.favour_asked,
}


@dataclass(frozen=True)
class CaseView:
    """A case with its task, as the queue shows it."""

    case: CallbackException
    task: CallbackTask
    breached: bool
    rectify_breached: bool
    label: str


def view(case: CallbackException, task: CallbackTask, *, now: datetime | None = None) -> CaseView:
    """A case as shown: breached when its clock ran out before it was handled."""
    handled_at = case.closed_at or case.verified_at
    moment = handled_at or now or utcnow()
    rectified = case.rectified_at or (case.closed_at if case.reason == "unsatisfied" else None)
    rectify_breached = case.rectify_due_at is not None and is_breached(
        case.rectify_due_at, rectified or now or utcnow()
    )
    return CaseView(
        case=case,
        task=task,
        breached=is_breached(case.sla_due_at, moment),
        rectify_breached=rectify_breached,
        label=REASON_LABELS[case.reason],
    )


def queue(
    session: Session,
    *,
    status: str | None = None,
    reason: str | None = None,
    outlet_id: int | None = None,
    include_closed: bool = False,
    limit: int = 200,
) -> list[CaseView]:
    """The queue: most urgent first (priority, then the oldest)."""
    query = select(CallbackException, CallbackTask).join(
        CallbackTask, col(CallbackTask.id) == col(CallbackException.task_id)
    )
    if status:
        query = query.where(CallbackException.status == status)
    elif not include_closed:
        query = query.where(CallbackException.status != ExceptionStatus.closed)
    if reason:
        query = query.where(CallbackException.reason == reason)
    if outlet_id:
        query = query.where(CallbackTask.outlet_id == outlet_id)
    query = query.order_by(
        col(CallbackException.priority).desc(), col(CallbackException.opened_at)
    ).limit(limit)
    return [view(case, task) for case, task in session.exec(query)]


def get_case(session: Session, *, case_id: int, for_update: bool = False) -> CallbackException:
    """A case by id."""
    query = select(CallbackException).where(CallbackException.id == case_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    case = session.exec(query).first()
    if case is None:
        raise NotFound(f"找不到异常工单 {case_id}")
    return case


def _open(session: Session, case_id: int) -> tuple[CallbackException, CallbackTask]:
    case = get_case(session, case_id=case_id, for_update=True)
    if case.status == ExceptionStatus.closed:
        raise Conflict(f"工单 {case_id} 已关闭，不能再操作")
    return case, get_task(session, task_id=case.task_id, for_update=True)


def claim(session: Session, *, case_id: int, actor: str) -> CallbackException:
    """Take a case; another operator's claim stands until they close or release it."""
    case, task = _open(session, case_id)
    if case.assignee and case.assignee != actor:
        raise Conflict(f"工单 {case_id} 已由 {case.assignee} 认领")
    case.assignee = actor
    if case.status == ExceptionStatus.open:
        case.status = ExceptionStatus.claimed
    session.add(case)
    note_event(session, task, actor=actor, note=f"认领工单：{REASON_LABELS[case.reason]}")
    return case


def _check_answers(task: CallbackTask, answers: dict[str, str | None]) -> None:
    allowed = questions_for(task)
    for question, value in answers.items():
        if question not in allowed:
            raise Invalid(f"问题 {question!r} 不属于本次回访，可选：{', '.join(allowed)}")
        options = answers_to(Question(question))
        if value is not None and value not in options:
            raise Invalid(f"问题 {question} 的回答 {value!r} 无效，可选：{', '.join(options)}")


def record_manual_result(
    session: Session,
    *,
    case_id: int,
    actor: str,
    answers: dict[str, str | None],
    suggestion: str | None = None,
) -> CallbackException:
    """The answers an operator took by phone; a complete survey closes the task and the case."""
    case, task = _open(session, case_id)
    _check_answers(task, answers)
    for question, value in answers.items():
        record_operator_answer(session, task=task, question=question, value=value, actor=actor)
    record_suggestion(session, task=task, text=suggestion)
    note_event(session, task, actor=actor, note="记录人工回访结果")
    case.assignee = case.assignee or actor
    if task.status != TaskStatus.completed and not missing_questions(session, task=task):
        if case.reason in BLOCKING:
            _close(session, case, actor=actor, note="人工回访已完成")
        complete_survey(session, task=task, actor=actor)
    return case


def reschedule_case(session: Session, *, case_id: int, actor: str, at: datetime) -> CallbackTask:
    """Call again at `at` (moved into the next calling slot); the case closes meanwhile."""
    case, task = _open(session, case_id)
    if task.status not in (TaskStatus.exception, TaskStatus.scheduled):
        state = TASK_STATUS_LABELS[TaskStatus(task.status)]
        raise Conflict(f"回访任务当前为“{state}”，不能重新安排")
    if is_do_not_call(session, phone=task.phone):
        raise Conflict("该号码在免打扰名单中，不能再次外呼")
    reschedule(session, task=task, at=at, actor=actor)
    _close(session, case, actor=actor, note=f"重新安排回访：{task.due_at:%Y-%m-%d %H:%M} UTC")
    return task


def close(session: Session, *, case_id: int, actor: str, note: str) -> CallbackException:
    """Close a case with a note; a task still waiting on it is closed too."""
    if not note.strip():
        raise Invalid("关闭工单需要填写处理说明")
    case, task = _open(session, case_id)
    _close(session, case, actor=actor, note=note.strip())
    others = [c for c in open_cases(session, task_id=task.id or 0) if c.id != case.id]
    if task.status == TaskStatus.exception and not any(c.reason in BLOCKING for c in others):
        task.close_reason = "operator"
        transition(session, task, to=TaskStatus.closed, actor=actor, note=note.strip()[:500])
    return case


def _close(session: Session, case: CallbackException, *, actor: str, note: str) -> None:
    if case.reason in NEEDS_FINDING and case.finding is None:
        raise Invalid("请先填写核实结论（属实、不属实或非工作人员原因），再关闭工单")
    case.status = ExceptionStatus.closed
    case.closed_at = utcnow()
    case.closed_by = actor
    case.note = f"{case.note}\n{note}" if case.note else note
    session.add(case)


def escalate(session: Session, *, case_id: int, actor: str, note: str) -> CallbackException:
    """Hand a case up to a manager (上报), keeping its clock."""
    if not note.strip():
        raise Invalid("上报需要填写原因")
    case, task = _open(session, case_id)
    case.escalated = True
    case.status = ExceptionStatus.escalated
    case.note = f"{case.note}\n上报：{note}" if case.note else f"上报：{note}"
    session.add(case)
    note_event(session, task, actor=actor, note=f"上报：{note}")
    return case


def verify(
    session: Session, *, case_id: int, actor: str, finding: Finding | str, note: str
) -> CallbackException:
    """The operator's finding (核实结论) after checking with the person, with a note.

    A 属实 不满意 goes to the outlet for rectification; every other finding closes the case.
    Untrue and not-staff findings leave the report out of scores (scoring.exclusions).
    """
    finding = parse_finding(finding)
    if not note.strip():
        raise Invalid("请填写核实情况说明")
    case, task = _open(session, case_id)
    concern = NEEDS_FINDING.get(case.reason)
    if concern is None:
        raise Conflict("只有“不满意”“跑回头路”“索拿卡要”工单需要填写核实结论")
    if case.finding is not None:
        label = FINDING_LABELS[Finding(case.finding)]
        raise Conflict(f"工单 {case_id} 已有核实结论（{label}），不能重复核实")
    case.finding, case.found_by, case.verified_at = finding, actor, utcnow()
    case.assignee = case.assignee or actor
    record_finding(
        session, task_id=task.id or 0, concern=concern, finding=finding, note=note, by=actor
    )
    words = f"核实结论：{FINDING_LABELS[finding]}。{note.strip()}"
    note_event(session, task, actor=actor, note=words[:500])
    if finding is Finding.true and case.reason == "unsatisfied":
        case.status = ExceptionStatus.verified
        case.note = f"{case.note}\n{words}" if case.note else words
        session.add(case)
        note_event(session, task, actor=actor, note="不满意已核实，交网点整改")
        return case
    _close(session, case, actor=actor, note=words)
    return case


def record_rectification(
    session: Session, *, case_id: int, actor: str, text: str
) -> CallbackTask | None:
    """The outlet's rectification (整改情况); a second callback asks if the person is satisfied.

    Returns the rectification task, or None when the person may not be called again.
    """
    if not text.strip():
        raise Invalid("请填写整改情况")
    case, task = _open(session, case_id)
    if case.status != ExceptionStatus.verified:
        raise Conflict("请先由坐席核实该“不满意”，再登记整改情况")
    case.status = ExceptionStatus.rectified
    case.rectified_at = utcnow()
    case.rectification = text.strip()[:2000]
    session.add(case)
    note_event(session, task, actor=actor, note="网点已登记整改情况")
    if is_do_not_call(session, phone=task.phone):
        _close(session, case, actor=actor, note="本人已退订，不再进行整改回访")
        return None
    return _open_rectification_task(session, parent=task)


def _open_rectification_task(session: Session, *, parent: CallbackTask) -> CallbackTask:
    """The second callback (整改回访), kept apart from the ratings."""
    audience = "rectify_project" if parent.audience == "project_contact" else "rectify_depositor"
    existing = session.exec(
        select(CallbackTask).where(
            CallbackTask.parent_task_id == parent.id, CallbackTask.kind == TaskKind.rectification
        )
    ).first()
    if existing is not None:
        return existing
    task = CallbackTask(
        event_id=parent.event_id,
        audience=audience,
        kind=TaskKind.rectification,
        parent_task_id=parent.id,
        business_kind=parent.business_kind,
        business_id=parent.business_id,
        business_at=parent.business_at,
        outlet_id=parent.outlet_id,
        teller_id=parent.teller_id,
        outlet_name=parent.outlet_name,
        person_name=parent.person_name,
        person_gender=parent.person_gender,
        phone=parent.phone,
        due_at=next_slot(utcnow(), settings=get_callback_settings()),
    )
    session.add(task)
    session.flush()
    transition(session, task, to=TaskStatus.scheduled, actor="system", note="整改回访")
    return task
