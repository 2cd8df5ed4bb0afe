"""The centre's side of an inspection's issue letter (问题交办函), on the inspection's page:
issue it, then accept or return each report the outlet hands in (the outlet answers in its
inbox, admin.my.inbox)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from admin.access import require_page
from admin.inspections import detail_or_error
from kernel.auth import Capability, User
from kernel.db import SessionDep
from kernel.errors import DomainError, Invalid
from scoring.models import RectificationStep
from scoring.rectification import issue_letter, review_step

router = APIRouter(prefix="/inspections", include_in_schema=False)

LetterPageUser = Annotated[User, Depends(require_page(Capability.issue_letters))]


def _on(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise Invalid(f"交办日期格式应为 YYYY-MM-DD，收到 {value!r}") from error


@router.post("/{inspection_id}/letter", response_class=HTMLResponse)
def issue(
    request: Request,
    session: SessionDep,
    user: LetterPageUser,
    inspection_id: int,
    issued_on: Annotated[str, Form()] = "",
) -> Response:
    """Issue the letter for an inspection's findings; due dates follow the settings."""
    try:
        issue_letter(
            session, inspection_id=inspection_id, issued_on=_on(issued_on), issued_by=user.username
        )
    except DomainError as error:
        session.rollback()
        return detail_or_error(request, session, user, inspection_id, error=error)
    return RedirectResponse(f"/inspections/{inspection_id}#letter", status_code=303)


@router.post("/steps/{step_id}/review", response_class=HTMLResponse)
def review(
    request: Request,
    session: SessionDep,
    user: LetterPageUser,
    step_id: int,
    inspection_id: Annotated[int, Form()],
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Accept a report or statement, or return it with what to change."""
    try:
        step = session.get(RectificationStep, step_id)
        if decision not in ("accept", "return"):
            raise Invalid("请选择审核结论：通过或退回")
        review_step(
            session,
            step_id=step_id,
            accept=decision == "accept",
            by=user.username,
            note=note.strip() or None,
        )
    except DomainError as error:
        session.rollback()
        return detail_or_error(request, session, user, inspection_id, error=error)
    anchor = f"step-{step.id}" if step else "letter"
    return RedirectResponse(f"/inspections/{inspection_id}#{anchor}", status_code=303)
