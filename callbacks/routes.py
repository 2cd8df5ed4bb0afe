"""The callback desk API (/api/callbacks): exception queue, operator actions, tasks, metrics."""

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlmodel import Session

from callbacks import cases
from callbacks.history import history, note_event
from callbacks.metrics import outlet_metrics, rectification_results
from callbacks.optout import add_do_not_call, remove_do_not_call
from callbacks.schemas import (
    CasePublic,
    DoNotCallCreate,
    ManualResultCreate,
    NoteCreate,
    RectificationCreate,
    ScheduleUpdate,
    TaskPublic,
    VerificationCreate,
)
from callbacks.service import answers_for, attempts_of, get_task
from callbacks.sms import opt_out_phone
from callbacks.weblink import link_funnel
from core_ledger.org.models import Staff
from kernel.audit import AuditAction, record_audit
from kernel.auth import Capability, Role, User, require
from kernel.clock import utcnow
from kernel.db import SessionDep
from kernel.errors import Forbidden
from kernel.periods import month_of
from kernel.phone import normalize

router = APIRouter(prefix="/api/callbacks", tags=["callbacks"])
ManageDoNotCallUser = Annotated[User, Depends(require(Capability.manage_do_not_call))]
ReadCallbackMetricsUser = Annotated[User, Depends(require(Capability.read_callback_metrics))]
RectifyUser = Annotated[User, Depends(require(Capability.rectify))]
WorkCasesUser = Annotated[User, Depends(require(Capability.work_cases))]


def _case_out(session: Session, case_id: int) -> CasePublic:
    case = cases.get_case(session, case_id=case_id)
    return CasePublic.of(cases.view(case, get_task(session, task_id=case.task_id)))


@router.get("/exceptions")
def list_exceptions(
    session: SessionDep,
    _: WorkCasesUser,
    status: str | None = None,
    reason: str | None = None,
    outlet_id: int | None = None,
    include_closed: bool = False,
) -> list[CasePublic]:
    """The exception queue, most urgent first, with SLA breaches flagged."""
    found = cases.queue(
        session, status=status, reason=reason, outlet_id=outlet_id, include_closed=include_closed
    )
    return [CasePublic.of(item) for item in found]


@router.get("/exceptions/{case_id}")
def show_exception(case_id: int, session: SessionDep, _: WorkCasesUser) -> CasePublic:
    """One case."""
    return _case_out(session, case_id)


@router.get("/exceptions/{case_id}/phone")
def reveal_phone(case_id: int, session: SessionDep, user: WorkCasesUser) -> dict[str, str]:
    """The whole number, for a manual call; who looked is written into the task's history."""
    case = cases.get_case(session, case_id=case_id)
    task = get_task(session, task_id=case.task_id)
    note_event(session, task, actor=user.username, note="查看完整号码（人工回访）")
    record_audit(
        session,
        actor=user.username,
        action=AuditAction.reveal_phone,
        subject=f"callback_task:{task.id}",
        reason=f"异常工单 {case_id} 人工回访",
    )
    return {"phone": task.phone}


@router.post("/exceptions/{case_id}/claim")
def claim(case_id: int, session: SessionDep, user: WorkCasesUser) -> CasePublic:
    """Take a case."""
    cases.claim(session, case_id=case_id, actor=user.username)
    return _case_out(session, case_id)


@router.post("/exceptions/{case_id}/result")
def manual_result(
    case_id: int, body: ManualResultCreate, session: SessionDep, user: WorkCasesUser
) -> CasePublic:
    """Record what the person said on a manual call."""
    cases.record_manual_result(
        session,
        case_id=case_id,
        actor=user.username,
        answers=body.answers,
        suggestion=body.suggestion,
    )
    return _case_out(session, case_id)


@router.post("/exceptions/{case_id}/reschedule")
def reschedule(
    case_id: int, body: ScheduleUpdate, session: SessionDep, user: WorkCasesUser
) -> CasePublic:
    """Call again at a time (moved into the next calling window)."""
    cases.reschedule_case(session, case_id=case_id, actor=user.username, at=body.at)
    return _case_out(session, case_id)


@router.post("/exceptions/{case_id}/close")
def close(case_id: int, body: NoteCreate, session: SessionDep, user: WorkCasesUser) -> CasePublic:
    """Close a case with a note (a complaint needs its finding first)."""
    cases.close(session, case_id=case_id, actor=user.username, note=body.note)
    return _case_out(session, case_id)


@router.post("/exceptions/{case_id}/escalate")
def escalate(
    case_id: int, body: NoteCreate, session: SessionDep, user: WorkCasesUser
) -> CasePublic:
    """Hand a case up to a manager."""
    cases.escalate(session, case_id=case_id, actor=user.username, note=body.note)
    return _case_out(session, case_id)


@router.post("/exceptions/{case_id}/verify")
def verify(
    case_id: int, body: VerificationCreate, session: SessionDep, user: WorkCasesUser
) -> CasePublic:
    """The finding (核实结论): 属实 不满意 goes to the outlet; anything else closes the case."""
    cases.verify(
        session, case_id=case_id, actor=user.username, finding=body.finding, note=body.note
    )
    return _case_out(session, case_id)


def _own_complaint(session: Session, *, user: User, case_id: int) -> None:
    """Only the outlet's own people rectify its complaint: the teller it names, or the head."""
    staff = session.get(Staff, user.staff_id) if user.staff_id else None
    task = get_task(session, task_id=cases.get_case(session, case_id=case_id).task_id)
    head = Role(user.role) == Role.outlet_head
    if (
        staff is None
        or task.outlet_id != staff.outlet_id
        or not (head or task.teller_id == staff.id)
    ):
        raise Forbidden(f"工单 {case_id} 不是本网点（本人）的投诉，不能登记整改")


@router.post("/exceptions/{case_id}/rectification")
def rectification(
    case_id: int, body: RectificationCreate, session: SessionDep, user: RectifyUser
) -> dict[str, object]:
    """The outlet's rectification (整改情况); opens the second callback."""
    _own_complaint(session, user=user, case_id=case_id)
    task = cases.record_rectification(session, case_id=case_id, actor=user.username, text=body.text)
    return {"case": _case_out(session, case_id), "rectification_task_id": task.id if task else None}


@router.get("/tasks/{task_id}")
def show_task(task_id: int, session: SessionDep, _: WorkCasesUser) -> TaskPublic:
    """A task with its attempts, answers and full history."""
    task = get_task(session, task_id=task_id)
    return TaskPublic.of(
        task,
        answers=answers_for(session, task_id=task_id),
        attempts=attempts_of(session, task_id=task_id),
        events=history(session, task_id=task_id),
    )


@router.get("/metrics")
def metrics(
    session: SessionDep, _: ReadCallbackMetricsUser, period: str | None = None
) -> list[dict[str, object]]:
    """回访率, reach rate and medians per outlet for a month of business (default: this one)."""
    return [row.as_dict() for row in outlet_metrics(session, period=period or _this_month())]


@router.get("/metrics/web-links")
def web_link_metrics(
    session: SessionDep, _: ReadCallbackMetricsUser, period: str | None = None
) -> dict[str, int]:
    """The web survey links of a month's business: sent, opened, answered, expired unanswered."""
    return link_funnel(session, period=period or _this_month()).as_dict()


@router.get("/rectifications")
def rectifications(
    session: SessionDep, _: ReadCallbackMetricsUser, period: str | None = None
) -> list[dict[str, object]]:
    """The second callbacks' answers per outlet, reported apart from the ratings."""
    return rectification_results(session, period=period or _this_month())


@router.post("/do-not-call", status_code=201)
def add_number(
    body: DoNotCallCreate, session: SessionDep, user: ManageDoNotCallUser
) -> dict[str, object]:
    """Put a number on the do-not-call list (the person asked on the phone); close its tasks."""
    phone = normalize(body.phone)
    add_do_not_call(session, phone=phone, reason="requested", actor=user.username, note=body.note)
    closed = opt_out_phone(session, phone=phone, actor=user.username)
    return {"phone": phone, "closed_tasks": closed}


@router.delete("/do-not-call/{phone}")
def remove_number(phone: str, session: SessionDep, user: ManageDoNotCallUser) -> dict[str, object]:
    """Take a number off the list (the person asked to be called again)."""
    removed = remove_do_not_call(session, phone=normalize(phone))
    return {"phone": normalize(phone), "removed": removed, "by": user.username}


def _this_month() -> str:
    return month_of(utcnow())
