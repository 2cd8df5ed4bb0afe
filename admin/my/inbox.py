"""我的待办: complaints to rectify, issue letters (问题交办函) with due dates, and the answers.

The outlet head signs for a letter and writes its rectification report (问题整改报告); a personal
statement (个人检查) is written by the person a finding names and by no one else
(scoring.rectification.check_submitter). A teller sees the complaints about their own service and
the letters that name them.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from admin.access import render_form, templates
from admin.my.seat import OutletPersonPage, Seat, seat_of
from callbacks import cases
from callbacks.labels import EXCEPTION_STATUS_LABELS, label
from callbacks.models import CallbackException, CallbackTask, ExceptionStatus
from callbacks.service import answers_for, get_task
from kernel.auth import User
from kernel.clock import local_date, utcnow
from kernel.db import SessionDep
from kernel.errors import DomainError, Forbidden
from kernel.vocabulary import QUESTION_LABELS, answer_label
from scoring.exclusions.models import FINDING_LABELS
from scoring.inspections import findings_of, get_inspection
from scoring.models import (
    STEP_NAMES,
    STEP_STATE_NAMES,
    Inspection,
    InspectionFinding,
    IssueLetter,
    RectificationStep,
    StepKind,
    StepState,
)
from scoring.rectification import check_submitter, overdue, staff_name, steps_of, submit_step

router = APIRouter(prefix="/my", include_in_schema=False)

# The complaints an outlet answers: confirmed 不满意 waiting for its rectification, then its
# second callback (整改回访).
TO_RECTIFY = (ExceptionStatus.verified, ExceptionStatus.rectified)


@dataclass(frozen=True)
class StepView:
    """One step of a letter as the inbox shows it, with whether this person may hand it in."""

    step: RectificationStep
    name: str
    state: str
    owner: str | None
    overdue: bool
    mine: bool


@dataclass(frozen=True)
class LetterView:
    letter: IssueLetter
    inspection: Inspection
    findings: list[tuple[InspectionFinding, str | None]]
    steps: list[StepView]


def _complaints(session: Session, seat: Seat) -> list[cases.CaseView]:
    query = (
        select(CallbackException, CallbackTask)
        .join(CallbackTask, col(CallbackTask.id) == col(CallbackException.task_id))
        .where(
            col(CallbackException.status).in_(TO_RECTIFY),
            col(CallbackTask.outlet_id) == seat.outlet_id,
        )
        .order_by(col(CallbackException.rectify_due_at), col(CallbackException.id))
    )
    return [
        cases.view(case, task)
        for case, task in session.exec(query)
        if seat.head or task.teller_id == seat.staff_id
    ]


def _may(session: Session, seat: Seat, step: RectificationStep) -> bool:
    if step.state not in (StepState.pending, StepState.returned):
        return False
    try:
        check_submitter(
            session, step_id=step.id or 0, staff_id=seat.staff_id, outlet_head=seat.head
        )
    except Forbidden:
        return False
    return True


def _letters(session: Session, seat: Seat) -> list[LetterView]:
    query = (
        select(IssueLetter)
        .where(IssueLetter.outlet_id == seat.outlet_id)
        .order_by(col(IssueLetter.issued_on).desc())
    )
    views = []
    for letter in session.exec(query):
        steps = steps_of(session, letter_id=letter.id or 0)
        if not seat.head and all(s.staff_id != seat.staff_id for s in steps):
            continue  # a teller sees the letters that name them
        findings = findings_of(session, inspection_id=letter.inspection_id)
        views.append(
            LetterView(
                letter=letter,
                inspection=get_inspection(session, inspection_id=letter.inspection_id),
                findings=[(f, staff_name(session, f.staff_id)) for f, _ in findings],
                steps=[
                    StepView(
                        step=s,
                        name=STEP_NAMES[StepKind(s.kind)],
                        state=STEP_STATE_NAMES[StepState(s.state)],
                        owner=staff_name(session, s.staff_id),
                        overdue=overdue(s),
                        mine=_may(session, seat, s),
                    )
                    for s in steps
                ],
            )
        )
    return views


def _render(
    request: Request, session: Session, user: User, *, error: DomainError | None = None
) -> Response:
    context: dict[str, object] = {"user": user, "error": error}
    try:
        seat = seat_of(session, user)
    except DomainError as problem:
        context["error"] = problem
        return templates.TemplateResponse(
            request, "my_inbox.html", context, status_code=problem.status_code
        )
    complaints = _complaints(session, seat)
    context.update(
        seat=seat,
        complaints=complaints,
        answers={c.task.id: answers_for(session, task_id=c.task.id or 0) for c in complaints},
        letters=_letters(session, seat),
        today=local_date(utcnow()),
        case_states=EXCEPTION_STATUS_LABELS,
        findings_words=FINDING_LABELS,
        question_labels=QUESTION_LABELS,
        answer_label=answer_label,
        label=label,
    )
    return render_form(request, "my_inbox.html", context, error=error)


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, session: SessionDep, user: OutletPersonPage) -> Response:
    """What waits on me: complaints to rectify and issue letters to answer, each with its date."""
    return _render(request, session, user)


@router.post("/complaints/{case_id}/rectify", response_class=HTMLResponse)
def rectify(
    request: Request,
    session: SessionDep,
    user: OutletPersonPage,
    case_id: int,
    text: Annotated[str, Form()] = "",
) -> Response:
    """Report how a confirmed complaint was put right (整改情况); a second callback follows."""
    try:
        seat = seat_of(session, user)
        task = get_task(session, task_id=cases.get_case(session, case_id=case_id).task_id)
        mine = task.outlet_id == seat.outlet_id and (seat.head or task.teller_id == seat.staff_id)
        if not mine:
            raise Forbidden(f"工单 {case_id} 不是本网点（本人）的投诉，不能登记整改")
        cases.record_rectification(session, case_id=case_id, actor=user.username, text=text)
    except DomainError as error:
        session.rollback()
        return _render(request, session, user, error=error)
    return RedirectResponse("/my/inbox#complaints", status_code=303)


@router.post("/steps/{step_id}", response_class=HTMLResponse)
def answer_step(
    request: Request,
    session: SessionDep,
    user: OutletPersonPage,
    step_id: int,
    content: Annotated[str, Form()] = "",
) -> Response:
    """Sign for a letter, or hand in the rectification report or my personal statement."""
    try:
        seat = seat_of(session, user)
        check_submitter(session, step_id=step_id, staff_id=seat.staff_id, outlet_head=seat.head)
        submit_step(session, step_id=step_id, content=content, by=user.username)
    except DomainError as error:
        session.rollback()
        return _render(request, session, user, error=error)
    return RedirectResponse("/my/inbox#letters", status_code=303)
