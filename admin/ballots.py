"""The monthly ballot (月度满意度测评) as a web page: outlets, departments and managers rate.

One form per department or leader on the rater's sheet. A refused ballot (不满意 without a
reason, outside the round's window, a second ballot) comes back with the message beside that
form and every answer the rater gave still filled in. The page never shows anyone's votes.
"""

from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from admin.access import render_form, require_page, templates
from kernel.auth import Capability, User
from kernel.clock import centre_tz, local_date, utcnow
from kernel.db import SessionDep
from kernel.errors import DomainError, Invalid
from kernel.periods import parse_period
from kernel.vocabulary import ANSWER_LABELS, RATINGS
from scoring.evaluations import (
    RATER_NAMES,
    ballot_sheet,
    cast_ballot,
    current_round,
    open_round,
    rater_of,
    round_for,
    round_state,
)
from scoring.models import CRITERION_NAMES, Criterion, EvaluationRound, SubjectKind
from scoring.rounds import rounds_with_turnout

router = APIRouter(prefix="/ballots", include_in_schema=False)

# Whoever may hold a rater's seat (Capability.cast_ballot: outlets, departments, managers, the
# hotline); the seat itself (scoring.evaluations.rater_of) decides what they rate.
RaterPageUser = Annotated[User, Depends(require_page(Capability.cast_ballot))]
SUBJECT_NAMES = {SubjectKind.department: "科室", SubjectKind.leader: "班子成员"}


def _round(session: Session, period: str | None) -> EvaluationRound | None:
    if period:
        return round_for(session, period=parse_period(period))
    return current_round(session)


def _render(
    request: Request,
    session: Session,
    user: User,
    *,
    period: str | None,
    failed: tuple[str, str, DomainError, dict[str, str]] | None = None,
    done: str | None = None,
) -> Response:
    """The sheet; `failed` is (kind, code, error, the answers sent) of a refused ballot."""
    context: dict[str, object] = {
        "user": user,
        "tiers": [(t.value, ANSWER_LABELS[t]) for t in RATINGS],
        "criteria": [(c.value, CRITERION_NAMES[c]) for c in Criterion],
        "subject_names": SUBJECT_NAMES,
        "failed": failed,
        "done": done,
        "error": None,
    }
    status_code = failed[2].status_code if failed else 200
    try:
        rater = rater_of(session, user=user)
        round_ = _round(session, period)
        context["seat"] = RATER_NAMES[rater.kind]
        if round_ is not None:
            context.update(
                round=round_,
                state=round_state(round_),
                lines=ballot_sheet(session, rater=rater, period=parse_period(round_.period)),
                label=parse_period(round_.period).label,
            )
    except DomainError as problem:
        context["error"] = problem.message
        status_code = problem.status_code if failed is None else status_code
    return templates.TemplateResponse(request, "ballots.html", context, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def sheet(
    request: Request,
    session: SessionDep,
    user: RaterPageUser,
    period: str | None = None,
    done: str | None = None,
) -> Response:
    """The round's window and one form per department or leader still to rate."""
    return _render(request, session, user, period=period, done=done)


@router.post("", response_class=HTMLResponse)
async def cast(
    request: Request,
    session: SessionDep,
    user: RaterPageUser,
    period: Annotated[str, Form()] = "",
    subject_kind: Annotated[str, Form()] = "",
    subject_code: Annotated[str, Form()] = "",
) -> Response:
    """Cast one ballot, then back to the sheet; refused, the sheet again with the answers kept."""
    form = await request.form()
    sent = {
        key: str(value)
        for key, value in form.items()
        if key.startswith(("tier_", "reason_")) and isinstance(value, str)
    }
    answers = {
        c.value: (sent.get(f"tier_{c.value}", ""), sent.get(f"reason_{c.value}"))
        for c in Criterion
        if sent.get(f"tier_{c.value}")
    }
    try:
        rater = rater_of(session, user=user)
        cast_ballot(
            session,
            rater=rater,
            period=parse_period(period),
            subject_kind=subject_kind,
            subject_code=subject_code,
            answers=answers,
        )
    except DomainError as error:
        session.rollback()
        failed = (subject_kind, subject_code, error, sent)
        return _render(request, session, user, period=period or None, failed=failed)
    query = urlencode({"period": period, "done": subject_code})
    return RedirectResponse(f"/ballots?{query}", status_code=303)


ManageRoundsPageUser = Annotated[User, Depends(require_page(Capability.manage_rounds))]


def _local_moment(value: str, what: str) -> datetime:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=centre_tz())
    except ValueError as error:
        raise Invalid(
            f"{what}格式应为 年-月-日 时:分（如 2026-12-01 09:00），收到 {value!r}"
        ) from error


def _rounds_page(
    request: Request,
    session: Session,
    user: User,
    *,
    error: DomainError | None = None,
    sent: dict[str, str] | None = None,
) -> Response:
    today = local_date(utcnow())
    default = {
        "period": f"{today:%Y-%m}",
        "opens_at": f"{today:%Y-%m-%d}T09:00",
        "closes_at": f"{today + timedelta(days=7):%Y-%m-%d}T18:00",
    }
    context = {
        "user": user,
        "rounds": rounds_with_turnout(session),
        "state": round_state,
        "error": error,
        "form": sent or default,
    }
    return render_form(request, "ballots_rounds.html", context, error=error)


@router.get("/rounds", response_class=HTMLResponse)
def rounds(request: Request, session: SessionDep, user: ManageRoundsPageUser) -> Response:
    """Every round with its window and turnout (who took part, never how), and a new round."""
    return _rounds_page(request, session, user)


@router.post("/rounds", response_class=HTMLResponse)
def add_round(
    request: Request,
    session: SessionDep,
    user: ManageRoundsPageUser,
    period: Annotated[str, Form()] = "",
    opens_at: Annotated[str, Form()] = "",
    closes_at: Annotated[str, Form()] = "",
) -> Response:
    """Open a month's round for a window of time (Beijing time), then back to the rounds."""
    try:
        open_round(
            session,
            period=parse_period(period),
            opens_at=_local_moment(opens_at, "开始时间"),
            closes_at=_local_moment(closes_at, "截止时间"),
        )
    except DomainError as error:
        session.rollback()
        sent = {"period": period, "opens_at": opens_at, "closes_at": closes_at}
        return _rounds_page(request, session, user, error=error, sent=sent)
    return RedirectResponse("/ballots/rounds", status_code=303)
