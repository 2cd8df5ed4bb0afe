"""The ranking pages (zh-CN): rankings of every kind, what is behind them, flags, appraisal."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, select

from admin.access import require_page, templates
from kernel.audit import AuditAction, record_audit
from kernel.auth import Capability, User
from kernel.clock import local, utcnow
from kernel.db import SessionDep
from kernel.errors import DomainError
from kernel.periods import KIND_NAMES as PERIOD_KIND_NAMES
from kernel.periods import Period, month_of, parse_period
from kernel.vocabulary import ANSWER_LABELS
from scoring.alerts import acknowledge_alert, check_bottom_alerts, list_alerts, rule_sentence
from scoring.appraisal import PART_NAMES
from scoring.config import get_scoring_settings
from scoring.drilldown import callback_drilldown
from scoring.evaluations import evaluation_drilldown
from scoring.export import KINDS, ranking_rows, ranking_workbook
from scoring.inspections import findings_of, list_inspections
from scoring.models import CRITERION_NAMES, STEP_NAMES, FlagState, IssueLetter
from scoring.performance import outlet_appraisals, parse_weights
from scoring.rankings import KIND_NAMES, RankedSubject, as_callback_kind, callback_ranking
from scoring.rectification import on_time, overdue, staff_name, steps_of
from scoring.redflags import favour_reports, repeat_trip_rates
from scoring.service import list_flags, resolve_flag

router = APIRouter(include_in_schema=False)
DecideFlagsUser = Annotated[User, Depends(require_page(Capability.decide_flags))]
ExportReportsUser = Annotated[User, Depends(require_page(Capability.export_reports))]
ManageAlertsUser = Annotated[User, Depends(require_page(Capability.manage_alerts))]
ReadAppraisalUser = Annotated[User, Depends(require_page(Capability.read_appraisal))]
ReadRankingsUser = Annotated[User, Depends(require_page(Capability.read_rankings))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request: Request, user: User, name: str, context: dict[str, object]) -> Response:
    base = {"user": user, "kinds": KIND_NAMES, "settings": get_scoring_settings()}
    base["alert_rule_text"] = rule_sentence()
    base.update({"tiers": ANSWER_LABELS, "criteria": CRITERION_NAMES, "local": local})
    return templates.TemplateResponse(request, name, {**base, **context})


def _error(request: Request, user: User, status_code: int, message: str) -> Response:
    context = {"user": user, "kinds": KIND_NAMES, "message": message}
    return templates.TemplateResponse(
        request, "rankings_error.html", context, status_code=status_code
    )


def _period(request: Request, user: User, period: str | None) -> Response | Period:
    """The period asked for (this month by default); a Response means stop."""
    try:
        return parse_period(period or month_of(utcnow()))
    except DomainError as error:
        return _error(request, user, 422, error.message)


def _ranked(
    request: Request, session: Session, user: User, *, period: str | None, kind: str
) -> Response | tuple[Period, list[RankedSubject]]:
    """The checks every ranking view makes, then the ranking; a Response means stop."""
    found = _period(request, user, period)
    if isinstance(found, Response):
        return found
    if kind not in KINDS:
        return _error(request, user, 422, f"未知的排名类型 {kind!r}")
    return found, ranking_rows(session, kind=kind, period=found)


@router.get("/rankings", response_class=HTMLResponse)
def rankings(
    request: Request,
    session: SessionDep,
    user: ReadRankingsUser,
    period: str | None = None,
    kind: str = "outlet",
) -> Response:
    """A ranking of one kind for a month, quarter or year, with the method explained."""
    found = _ranked(request, session, user, period=period, kind=kind)
    if isinstance(found, Response):
        return found
    ranked_for, rows = found
    context = {"period": ranked_for, "kind": kind, "rows": rows, "period_kinds": PERIOD_KIND_NAMES}
    return _page(request, user, "rankings.html", context)


@router.get("/rankings/export.xlsx")
def export(
    request: Request,
    session: SessionDep,
    user: ExportReportsUser,
    period: str | None = None,
    kind: str = "outlet",
) -> Response:
    """The ranking on the page as an Excel workbook, with the method on a second sheet (audited)."""
    found = _ranked(request, session, user, period=period, kind=kind)
    if isinstance(found, Response):
        return found
    ranked_for, rows = found
    name = f"{KIND_NAMES[kind]}满意度排名-{ranked_for.key}.xlsx"
    record_audit(
        session,
        actor=user.username,
        action=AuditAction.export,
        subject=f"ranking:{kind}:{ranked_for.key}",
        reason=name,
    )
    ascii_name = f"ranking-{kind}-{ranked_for.key}.xlsx"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(
        ranking_workbook(kind=kind, period=ranked_for, rows=rows),
        media_type=XLSX,
        headers={"Content-Disposition": disposition},
    )


@router.get("/rankings/red-flags", response_class=HTMLResponse)
def red_flags(
    request: Request, session: SessionDep, user: ReadRankingsUser, period: str | None = None
) -> Response:
    """Repeat-trip rates for outlets and tellers, and every favour-asking report."""
    found = _period(request, user, period)
    if isinstance(found, Response):
        return found
    context = {
        "period": found,
        "outlets": repeat_trip_rates(session, kind="outlet", period=found),
        "tellers": repeat_trip_rates(session, kind="teller", period=found),
        "reports": favour_reports(session, period=found),
    }
    return _page(request, user, "rankings_redflags.html", context)


@router.get("/rankings/project-contacts", response_class=HTMLResponse)
def project_contacts(
    request: Request, session: SessionDep, user: ReadRankingsUser, period: str | None = None
) -> Response:
    """签约楼盘负责人评价: per outlet, the project contacts' ratings, apart from the ranking."""
    found = _period(request, user, period)
    if isinstance(found, Response):
        return found
    rows = callback_ranking(session, kind="outlet", period=found, project_contacts=True)
    return _page(request, user, "rankings_projects.html", {"period": found, "rows": rows})


@router.get("/rankings/alerts", response_class=HTMLResponse)
def alerts(
    request: Request, session: SessionDep, user: ReadRankingsUser, period: str | None = None
) -> Response:
    """约谈 alerts, and the anti-gaming flags waiting for an operator."""
    found = _period(request, user, period)
    if isinstance(found, Response):
        return found
    context = {
        "period": found,
        "alerts": list_alerts(session),
        "flags": list_flags(session, state=FlagState.open),
    }
    return _page(request, user, "rankings_alerts.html", context)


@router.post("/rankings/alerts/check", response_class=HTMLResponse)
def check(
    request: Request, session: SessionDep, user: ManageAlertsUser, period: Annotated[str, Form()]
) -> Response:
    """Run the month's 约谈 check (raising each alert once)."""
    found = _period(request, user, period)
    if isinstance(found, Response):
        return found
    try:
        check_bottom_alerts(session, period=found)
    except DomainError as error:
        return _error(request, user, error.status_code, error.message)
    return RedirectResponse(f"/rankings/alerts?period={found.key}", status_code=303)


@router.post("/rankings/alerts/{alert_id}", response_class=HTMLResponse)
def acknowledge(
    request: Request,
    session: SessionDep,
    user: ManageAlertsUser,
    alert_id: int,
    note: Annotated[str, Form()] = "",
) -> Response:
    """Record that the talk took place."""
    try:
        acknowledge_alert(session, alert_id=alert_id, by=user.username, note=note)
    except DomainError as error:
        return _error(request, user, error.status_code, error.message)
    return RedirectResponse("/rankings/alerts", status_code=303)


@router.post("/rankings/flags/{flag_id}", response_class=HTMLResponse)
def decide_flag(
    request: Request,
    session: SessionDep,
    user: DecideFlagsUser,
    flag_id: int,
    decision: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """An operator clears or upholds an anti-gaming flag."""
    states = {"clear": FlagState.cleared, "uphold": FlagState.upheld}
    try:
        if decision not in states:
            raise DomainError("处理方式应为 clear（排除）或 uphold（保留）")
        resolve_flag(
            session, flag_id=flag_id, decision=states[decision], by=user.username, note=note or None
        )
    except DomainError as error:
        return _error(request, user, error.status_code, error.message)
    return RedirectResponse("/rankings/alerts", status_code=303)


@router.get("/rankings/appraisal", response_class=HTMLResponse)
def appraisal(
    request: Request,
    session: SessionDep,
    user: ReadAppraisalUser,
    period: str | None = None,
    weights: str | None = None,
) -> Response:
    """绩效考核 composites with their parts; inspections and the letters they started."""
    found = _period(request, user, period)
    if isinstance(found, Response):
        return found
    try:
        rows = outlet_appraisals(session, period=found, weights=parse_weights(weights))
    except DomainError as error:
        return _error(request, user, error.status_code, error.message)
    inspections = []
    for inspection, outlet in list_inspections(session, period=found):
        letter = session.exec(
            select(IssueLetter).where(IssueLetter.inspection_id == inspection.id)
        ).first()
        steps = steps_of(session, letter_id=letter.id or 0) if letter else []
        inspections.append(
            {
                "inspection": inspection,
                "outlet": outlet,
                "findings": findings_of(session, inspection_id=inspection.id or 0),
                "letter": letter,
                "steps": [
                    {
                        "step": s,
                        "name": STEP_NAMES[s.kind],
                        "staff": staff_name(session, s.staff_id),
                        "overdue": overdue(s),
                        "on_time": on_time(s) if s.submitted_at else None,
                    }
                    for s in steps
                ],
            }
        )
    context = {"period": found, "rows": rows, "parts": PART_NAMES, "inspections": inspections}
    return _page(request, user, "rankings_appraisal.html", {**context, "weights": weights or ""})


@router.get("/rankings/{kind}/{code}", response_class=HTMLResponse)
def detail(
    request: Request,
    session: SessionDep,
    user: ReadRankingsUser,
    kind: str,
    code: str,
    period: str | None = None,
    page: int = 1,
) -> Response:
    """What is behind one subject's number."""
    found = _period(request, user, period)
    if isinstance(found, Response):
        return found
    try:
        if kind in ("outlet", "teller"):
            size = 50
            drill = callback_drilldown(
                session,
                kind=as_callback_kind(kind),
                code=code,
                period=found,
                limit=size,
                offset=(max(page, 1) - 1) * size,
            )
            pages = max(1, -(-drill.total // size))
            context: dict[str, object] = {"row": drill.row, "drill": drill, "page": page}
            context["pages"] = pages
        elif kind in ("department", "leader"):
            evaluation = evaluation_drilldown(session, kind=kind, code=code, period=found)
            context = {"row": evaluation.row, "evaluation": evaluation}
        else:
            raise DomainError(f"未知的排名类型 {kind!r}")
    except DomainError as error:
        return _error(request, user, error.status_code, error.message)
    return _page(request, user, "rankings_detail.html", {**context, "period": found, "kind": kind})
