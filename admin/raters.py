"""Seating raters (测评人登记) as a web page: an administrator gives an account its seat — an
outlet, a department, or a manager rating in their own name — so it can cast the monthly
ballot. The list shows seats only, never ballots."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from admin.access import render_form, require_page
from kernel.auth import PERMISSIONS, Capability, User
from kernel.db import SessionDep
from kernel.errors import DomainError, Invalid
from scoring.evaluations import RATER_NAMES, register_rater
from scoring.models import Rater
from scoring.rounds import seat_choices, seated_raters

router = APIRouter(prefix="/ballots/raters", include_in_schema=False)

SeatingPageUser = Annotated[User, Depends(require_page(Capability.manage_org))]


def _page(
    request: Request,
    session: Session,
    user: User,
    *,
    error: DomainError | None = None,
    sent: dict[str, str] | None = None,
) -> Response:
    seated = set(session.exec(select(Rater.user_id)))
    voters = PERMISSIONS[Capability.cast_ballot]
    accounts = [
        u
        for u in session.exec(select(User).order_by(col(User.username)))
        if u.id not in seated and u.is_active and u.role in voters
    ]
    context = {
        "user": user,
        "raters": seated_raters(session),
        "accounts": accounts,
        "choices": seat_choices(session),
        "kind_names": RATER_NAMES,
        "error": error,
        "sent": sent or {},
    }
    return render_form(request, "ballots_raters.html", context, error=error)


@router.get("", response_class=HTMLResponse)
def raters(request: Request, session: SessionDep, user: SeatingPageUser) -> Response:
    """Every seated rater, and the form to seat another account."""
    return _page(request, session, user)


@router.post("", response_class=HTMLResponse)
def seat(
    request: Request,
    session: SessionDep,
    user: SeatingPageUser,
    username: Annotated[str, Form()] = "",
    seat: Annotated[str, Form()] = "",
) -> Response:
    """Seat an account as a rater, then back to the list."""
    try:
        kind, _, code = seat.partition(":")
        if not username or not code:
            raise Invalid("请选择账号和测评身份（网点、科室或管理人员）")
        register_rater(session, username=username, kind=kind, code=code)
    except DomainError as error:
        session.rollback()
        return _page(request, session, user, error=error, sent={"username": username, "seat": seat})
    return RedirectResponse("/ballots/raters", status_code=303)
