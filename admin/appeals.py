"""Appeals as web pages: an outlet appeals from the ratings behind its score; a manager decides."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from admin.access import require_page, templates
from kernel.auth import Capability, User
from kernel.clock import local, local_date, utcnow
from kernel.db import SessionDep
from kernel.errors import DomainError, Invalid
from kernel.periods import month_of, parse_period
from kernel.vocabulary import ANSWER_LABELS
from scoring.drilldown import callback_drilldown
from scoring.exclusions.appeals import decide_appeal, file_appeal, list_appeals, outlet_for
from scoring.exclusions.models import APPEAL_STATE_LABELS
from scoring.exclusions.service import history

router = APIRouter(prefix="/appeals", include_in_schema=False)
DecideAppealsUser = Annotated[User, Depends(require_page(Capability.decide_appeals))]
FileAppealUser = Annotated[User, Depends(require_page(Capability.file_appeal))]


def _render(
    request: Request, name: str, context: dict[str, object], *, status_code: int = 200
) -> Response:
    base = {"local": local, "tiers": ANSWER_LABELS, "states": APPEAL_STATE_LABELS}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def _outlet_page(
    request: Request,
    session: Session,
    user: User,
    *,
    outlet: str | None,
    period: str | None,
    error: DomainError | None = None,
) -> Response:
    context: dict[str, object] = {"user": user, "outlet_code": outlet or "", "error": error}
    try:
        found = outlet_for(session, user=user, outlet_code=outlet)
        chosen = parse_period(period or month_of(utcnow()))
        drill = callback_drilldown(
            session, kind="outlet", code=found.code, period=chosen, limit=200
        )
    except DomainError as problem:
        # No outlet named yet (an account not seated at one) is a question, not a failure.
        status_code = problem.status_code if outlet or period or error else 200
        context.update(error=error or problem, outlet=None, period=period or "")
        return _render(request, "appeals_outlet.html", context, status_code=status_code)
    context.update(
        outlet=found,
        period=chosen.key,
        drill=drill,
        today=local_date(utcnow()),
        appeals=list_appeals(session, outlet_id=found.id),
    )
    status_code = error.status_code if error else 200
    return _render(request, "appeals_outlet.html", context, status_code=status_code)


@router.get("/outlet", response_class=HTMLResponse)
def outlet_page(
    request: Request,
    session: SessionDep,
    user: FileAppealUser,
    outlet: str | None = None,
    period: str | None = None,
) -> Response:
    """The ratings behind the outlet's score, each with its state, history and appeal form."""
    return _outlet_page(request, session, user, outlet=outlet, period=period)


@router.post("", response_class=HTMLResponse)
def file(
    request: Request,
    session: SessionDep,
    user: FileAppealUser,
    rating_id: Annotated[int, Form()],
    evidence: Annotated[str, Form()] = "",
    outlet: Annotated[str, Form()] = "",
    period: Annotated[str, Form()] = "",
) -> Response:
    """File an appeal, then back to the outlet's ratings."""
    try:
        found = outlet_for(session, user=user, outlet_code=outlet or None)
        file_appeal(
            session,
            rating_id=rating_id,
            outlet_id=found.id or 0,
            evidence=evidence,
            by=user.username,
        )
    except DomainError as error:
        session.rollback()
        return _outlet_page(
            request, session, user, outlet=outlet or None, period=period or None, error=error
        )
    query = urlencode({k: v for k, v in (("outlet", outlet), ("period", period)) if v})
    return RedirectResponse(f"/appeals/outlet?{query}", status_code=303)


def _queue(
    request: Request, session: Session, user: User, *, error: DomainError | None = None
) -> Response:
    rows = list_appeals(session)
    events = history(session, rating_ids=[row.rating.id or 0 for row in rows])
    context = {"user": user, "rows": rows, "events": events, "error": error}
    return _render(
        request, "appeals.html", context, status_code=error.status_code if error else 200
    )


@router.get("", response_class=HTMLResponse)
def queue(request: Request, session: SessionDep, user: DecideAppealsUser) -> Response:
    """The appeals: open ones first, each with the rating, its history and a decision form."""
    return _queue(request, session, user)


@router.post("/{appeal_id}/decision", response_class=HTMLResponse)
def decide(
    request: Request,
    session: SessionDep,
    user: DecideAppealsUser,
    appeal_id: int,
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """A manager's review (复核), then back to the queue."""
    try:
        if decision not in ("upheld", "rejected"):
            raise Invalid("请选择复核结论：申诉成立或维持原评价")
        decide_appeal(
            session, appeal_id=appeal_id, upheld=decision == "upheld", note=note, by=user.username
        )
    except DomainError as error:
        session.rollback()
        return _queue(request, session, user, error=error)
    return RedirectResponse("/appeals", status_code=303)
