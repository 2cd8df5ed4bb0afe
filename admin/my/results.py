"""我的评价: a teller's own scores (an outlet head's outlet's), the answers behind them, appeals.

Anonymous by design: the people who answered are never named and their numbers never shown;
the page shows when the business was done, what was answered, what was said in their own words
(意见建议, reasons for 不满意), and whether and why a rating counts.
"""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from admin.access import render_form, templates
from admin.my.seat import OutletPersonPage, Seat, seat_of
from callbacks.models import CallbackTask
from kernel.auth import User
from kernel.clock import local, local_date, utcnow
from kernel.db import SessionDep
from kernel.errors import DomainError, Forbidden
from kernel.periods import Period, month_of, parse_period
from kernel.vocabulary import ANSWER_LABELS
from scoring.config import get_scoring_settings
from scoring.drilldown import CallbackDrilldown, callback_drilldown
from scoring.exclusions.appeals import AppealLine, file_appeal, list_appeals
from scoring.exclusions.models import APPEAL_STATE_LABELS
from scoring.exclusions.service import get_rating
from scoring.models import CallbackRating
from scoring.rankings import CallbackKind

router = APIRouter(prefix="/my", include_in_schema=False)


def _months(session: Session, seat: Seat) -> list[str]:
    """The months the person (or outlet) was rated in, newest first."""
    subject = (
        col(CallbackRating.outlet_id) == seat.outlet_id
        if seat.head
        else col(CallbackRating.teller_id) == seat.staff_id
    )
    query = select(CallbackRating.period).where(subject).distinct()
    return sorted(session.exec(query).all(), reverse=True)[:24]


def _suggestions(session: Session, drill: CallbackDrilldown) -> dict[int, str]:
    """What each person said in their own words (意见建议, reasons), by task id."""
    ids = [line.task_id for line in drill.lines]
    if not ids:
        return {}
    query = select(CallbackTask.id, CallbackTask.suggestion).where(col(CallbackTask.id).in_(ids))
    return {task_id or 0: text for task_id, text in session.exec(query) if text}


def _appeals(session: Session, seat: Seat) -> list[AppealLine]:
    rows = list_appeals(session, outlet_id=seat.outlet_id)
    return rows if seat.head else [r for r in rows if r.rating.teller_id == seat.staff_id]


def _render(
    request: Request,
    session: Session,
    user: User,
    *,
    period: str | None,
    error: DomainError | None = None,
) -> Response:
    context: dict[str, object] = {"user": user, "error": error, "tiers": ANSWER_LABELS}
    try:
        seat = seat_of(session, user)
        months = _months(session, seat)
        chosen: Period = parse_period(period or (months[0] if months else month_of(utcnow())))
        kind: CallbackKind = "outlet" if seat.head else "teller"
        code = seat.outlet.code if seat.head else seat.staff.code
        drill = callback_drilldown(session, kind=kind, code=code, period=chosen, limit=200)
    except DomainError as problem:
        context["error"] = error or problem
        return templates.TemplateResponse(
            request, "my_results.html", context, status_code=problem.status_code
        )
    context.update(
        seat=seat,
        months=months,
        period=chosen,
        drill=drill,
        row=drill.row,
        suggestions=_suggestions(session, drill),
        appeals=_appeals(session, seat),
        appeal_states=APPEAL_STATE_LABELS,
        settings=get_scoring_settings(),
        today=local_date(utcnow()),
        local=local,
    )
    return render_form(request, "my_results.html", context, error=error)


@router.get("/results", response_class=HTMLResponse)
def results(
    request: Request, session: SessionDep, user: OutletPersonPage, period: str | None = None
) -> Response:
    """My scores with their intervals, the answers behind them, and my appeals."""
    return _render(request, session, user, period=period)


@router.post("/appeals", response_class=HTMLResponse)
def appeal(
    request: Request,
    session: SessionDep,
    user: OutletPersonPage,
    rating_id: Annotated[int, Form()],
    evidence: Annotated[str, Form()] = "",
    period: Annotated[str, Form()] = "",
) -> Response:
    """Appeal (申诉) a counted rating of mine (an outlet head: of the outlet), then back."""
    try:
        seat = seat_of(session, user)
        rating = get_rating(session, rating_id=rating_id)
        if not seat.head and rating.teller_id != seat.staff_id:
            raise Forbidden(f"回访评价 #{rating_id} 不是对您本人的评价，只能对本人的评价申诉")
        file_appeal(
            session,
            rating_id=rating_id,
            outlet_id=seat.outlet_id,
            evidence=evidence,
            by=user.username,
        )
    except DomainError as error:
        session.rollback()
        return _render(request, session, user, period=period or None, error=error)
    suffix = f"?{urlencode({'period': period})}" if period else ""
    return RedirectResponse(f"/my/results{suffix}#appeals", status_code=303)
