"""The operators' exception queue (异常工单) as web pages; phones masked unless revealed."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from admin.access import OperatorPageUser, templates
from callbacks import cases
from callbacks.history import history, note_event
from callbacks.service import answers_for, attempts_of, get_task, questions_for
from callbacks.triage import REASON_LABELS
from kernel.auth import User
from kernel.clock import centre_tz
from kernel.db import SessionDep
from kernel.errors import DomainError, Invalid, NotFound
from kernel.vocabulary import QUESTION_LABELS, Question, answer_label, answers_to
from scoring.exclusions.models import FINDING_LABELS

router = APIRouter(prefix="/exceptions", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def queue_page(
    request: Request, session: SessionDep, user: OperatorPageUser, reason: str | None = None
) -> Response:
    """The open cases, most urgent first, with SLA breaches marked."""
    rows = cases.queue(session, reason=reason or None)
    context = {
        "user": user,
        "rows": rows,
        "reasons": REASON_LABELS,
        "reason": reason,
        "findings": FINDING_LABELS,
    }
    return templates.TemplateResponse(request, "exceptions.html", context)


def _detail(
    request: Request,
    session: Session,
    user: User,
    case_id: int,
    *,
    phone: str | None = None,
    error: str | None = None,
) -> Response:
    case = cases.get_case(session, case_id=case_id)
    task = get_task(session, task_id=case.task_id)
    context = {
        "user": user,
        "item": cases.view(case, task),
        "answers": answers_for(session, task_id=task.id or 0),
        "attempts": attempts_of(session, task_id=task.id or 0),
        "events": history(session, task_id=task.id or 0),
        "phone": phone,
        "error": error,
        "questions": questions_for(task),
        "answers_to": answers_to,
        "answer_label": answer_label,
        "question_labels": QUESTION_LABELS,
        "findings": FINDING_LABELS,
        "needs_finding": case.reason in cases.NEEDS_FINDING,
    }
    status = 422 if error else 200
    return templates.TemplateResponse(
        request, "exceptions_detail.html", context, status_code=status
    )


@router.get("/{case_id}", response_class=HTMLResponse)
def detail_page(
    request: Request, case_id: int, session: SessionDep, user: OperatorPageUser
) -> Response:
    """One case: the task, its answers, attempts and history, and what the operator can do."""
    return _detail(request, session, user, case_id)


@router.post("/{case_id}/reveal", response_class=HTMLResponse)
def reveal(request: Request, case_id: int, session: SessionDep, user: OperatorPageUser) -> Response:
    """Show the whole number for a manual call; the look is written into the task's history."""
    task = get_task(session, task_id=cases.get_case(session, case_id=case_id).task_id)
    note_event(session, task, actor=user.username, note="查看完整号码（人工回访）")
    return _detail(request, session, user, case_id, phone=task.phone)


@router.post("/{case_id}/{action}", response_class=HTMLResponse)
def act(
    request: Request,
    case_id: int,
    action: str,
    session: SessionDep,
    user: OperatorPageUser,
    note: Annotated[str, Form()] = "",
    finding: Annotated[str, Form()] = "",
    at: Annotated[str, Form()] = "",
    attitude: Annotated[str, Form()] = "",
    efficiency: Annotated[str, Form()] = "",
    repeat_trip: Annotated[str, Form()] = "",
    favour_asked: Annotated[str, Form()] = "",
    resolution: Annotated[str, Form()] = "",
) -> Response:
    """Claim, record a manual call or a finding, reschedule, close or escalate; back to the case."""
    given: dict[str, str] = {
        Question.attitude: attitude,
        Question.efficiency: efficiency,
        Question.repeat_trip: repeat_trip,
        Question.favour_asked: favour_asked,
        Question.resolution: resolution,
    }
    try:
        _apply(
            session, case_id, action, user.username, note=note, finding=finding, at=at, given=given
        )
    except DomainError as error:
        session.rollback()
        return _detail(request, session, user, case_id, error=error.message)
    return RedirectResponse(f"/exceptions/{case_id}", status_code=303)


def _apply(
    session: Session,
    case_id: int,
    action: str,
    actor: str,
    *,
    note: str,
    finding: str,
    at: str,
    given: dict[str, str],
) -> None:
    if action == "claim":
        cases.claim(session, case_id=case_id, actor=actor)
    elif action == "verify":
        if not finding:
            raise Invalid("请选择核实结论")
        cases.verify(session, case_id=case_id, actor=actor, finding=finding, note=note)
    elif action == "close":
        cases.close(session, case_id=case_id, actor=actor, note=note)
    elif action == "escalate":
        cases.escalate(session, case_id=case_id, actor=actor, note=note)
    elif action == "reschedule":
        try:
            moment = datetime.fromisoformat(at).replace(tzinfo=centre_tz())
        except ValueError as error:
            raise Invalid("请选择重新回访的日期和时间") from error
        cases.reschedule_case(session, case_id=case_id, actor=actor, at=moment)
    elif action == "result":
        answers: dict[str, str | None] = {
            q: (None if v == "unclear" else v) for q, v in given.items() if v
        }
        if not answers:
            raise Invalid("请至少选择一项回答")
        cases.record_manual_result(
            session, case_id=case_id, actor=actor, answers=answers, suggestion=note or None
        )
    else:
        raise NotFound(f"未知操作 {action!r}")
