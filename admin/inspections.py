"""Third-party inspections as web pages: the inspector's quarterly form, an inspection's findings
and their rectification, and the centre-wide view of findings by category (举一反三).

The form is one multipart request: the inspection, its area scores, its findings and their
photos are recorded in one transaction, so a refusal leaves nothing half-written; the form comes
back with the message and everything typed (photos, which a browser cannot be given back, are
asked for again).
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.datastructures import FormData, UploadFile

from admin.access import render_form, require_page, templates
from core_ledger.org.models import Outlet, Staff
from kernel.auth import Capability, User, can
from kernel.clock import local_date, utcnow
from kernel.db import SessionDep
from kernel.errors import DomainError, Invalid
from kernel.periods import month_of, parse_period, quarter_of
from scoring.common_problems import common_problems, common_threshold
from scoring.inspections import (
    FindingIn,
    add_finding,
    add_photo,
    area_scores_of,
    findings_of,
    get_inspection,
    list_inspections,
    mark_rectified,
    record_inspection,
)
from scoring.models import (
    AREA_NAMES,
    FINDING_STATE_NAMES,
    METHOD_NAMES,
    STEP_NAMES,
    STEP_STATE_NAMES,
    InspectionArea,
    InspectionMethod,
    IssueLetter,
    StepKind,
    StepState,
)
from scoring.rectification import overdue, staff_name, steps_of

router = APIRouter(prefix="/inspections", include_in_schema=False)

InspectorPageUser = Annotated[User, Depends(require_page(Capability.record_inspection))]
ReportPageReader = Annotated[User, Depends(require_page(Capability.read_inspections))]
# Whoever confirms that a finding was put right: the inspectors on their next visit, or 督查.
RectifierPageUser = Annotated[User, Depends(require_page(Capability.confirm_rectification))]
FINDING_ROWS = 5


@dataclass
class Draft:
    """What the inspector typed, to show the form again after a refusal."""

    outlet_code: str = ""
    quarter: str = ""
    inspected_on: str = ""
    firm: str = ""
    summary: str = ""
    methods: list[str] = field(default_factory=list)
    areas: dict[str, str] = field(default_factory=dict)
    findings: list[dict[str, str]] = field(default_factory=list)


def _labels() -> dict[str, object]:
    return {
        "area_names": {a.value: n for a, n in AREA_NAMES.items()},
        "method_names": {m.value: n for m, n in METHOD_NAMES.items()},
        "state_names": {s.value: n for s, n in FINDING_STATE_NAMES.items()},
    }


def _form_page(
    request: Request,
    session: Session,
    user: User,
    draft: Draft,
    *,
    error: DomainError | None = None,
) -> Response:
    outlets = session.exec(select(Outlet).order_by(col(Outlet.code))).all()
    rows = draft.findings + [{}] * max(0, FINDING_ROWS - len(draft.findings))
    context = {"user": user, "draft": draft, "outlets": outlets, "rows": rows, "error": error}
    return render_form(request, "inspection_form.html", {**context, **_labels()}, error=error)


@router.get("/new", response_class=HTMLResponse)
def new(request: Request, session: SessionDep, user: InspectorPageUser) -> Response:
    """The quarterly inspection form, for this quarter and today."""
    today = local_date(utcnow())
    quarter = quarter_of(parse_period(month_of(utcnow()))).key
    draft = Draft(quarter=quarter, inspected_on=today.isoformat())
    return _form_page(request, session, user, draft)


def _draft(form: FormData) -> Draft:
    text = {key: value for key, value in form.multi_items() if isinstance(value, str)}
    findings = [
        {name: text.get(f"finding_{name}_{i}", "") for name in ("text", "area", "method", "staff")}
        for i in range(FINDING_ROWS)
    ]
    return Draft(
        outlet_code=text.get("outlet_code", ""),
        quarter=text.get("quarter", ""),
        inspected_on=text.get("inspected_on", ""),
        firm=text.get("firm", ""),
        summary=text.get("summary", ""),
        methods=[v for v in form.getlist("methods") if isinstance(v, str)],
        areas={a.value: text.get(f"area_{a.value}", "") for a in InspectionArea},
        findings=findings,
    )


def _number(value: str, what: str) -> float:
    try:
        return float(value)
    except ValueError as error:
        raise Invalid(f"{what}应为 0 到 100 之间的数字，收到 {value!r}") from error


def _on(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise Invalid(f"检查日期格式应为 YYYY-MM-DD，收到 {value!r}") from error


async def _record(session: Session, form: FormData, draft: Draft, *, by: str) -> int:
    """Record the drafted inspection, its findings and their photos; the inspection's id."""
    missing = [AREA_NAMES[a] for a in InspectionArea if not draft.areas[a.value].strip()]
    if missing:
        raise Invalid(f"请为每个方面打分，缺少：{'、'.join(missing)}")
    if not draft.methods:
        raise Invalid("请勾选本次采用的检查方法")
    inspection = record_inspection(
        session,
        outlet_code=draft.outlet_code,
        quarter=draft.quarter,
        area_scores={a.value: _number(draft.areas[a.value], AREA_NAMES[a]) for a in InspectionArea},
        methods=draft.methods,
        inspected_on=_on(draft.inspected_on),
        firm=draft.firm,
        summary=draft.summary,
        recorded_by=by,
    )
    for i, row in enumerate(draft.findings):
        photos = [f for f in form.getlist(f"finding_photos_{i}") if isinstance(f, UploadFile)]
        photos = [f for f in photos if f.filename]
        if not row["text"].strip():
            if photos or row["staff"].strip():
                raise Invalid(f"第 {i + 1} 条问题：请填写问题描述")
            continue
        try:
            if not row["area"]:
                raise Invalid("请选择问题类别（内外环境、功能设置、服务形象、服务行为、业务办理）")
            finding = add_finding(
                session,
                inspection=inspection,
                finding=FindingIn(
                    text=row["text"],
                    staff_code=row["staff"].strip() or None,
                    area=row["area"],
                    method=row["method"] or None,
                ),
            )
            for photo in photos:
                add_photo(
                    session,
                    finding_id=finding.id or 0,
                    filename=photo.filename or "photo",
                    content_type=photo.content_type or "",
                    data=await photo.read(),
                )
        except DomainError as error:
            raise type(error)(f"第 {i + 1} 条问题：{error.message}") from error
    return inspection.id or 0


@router.post("", response_class=HTMLResponse)
async def record(request: Request, session: SessionDep, user: InspectorPageUser) -> Response:
    """Record the inspection in one transaction, then show it; refused, the form again."""
    form = await request.form()
    draft = _draft(form)
    try:
        inspection_id = await _record(session, form, draft, by=user.username)
    except DomainError as error:
        session.rollback()
        return _form_page(request, session, user, draft, error=error)
    return RedirectResponse(f"/inspections/{inspection_id}?recorded=1", status_code=303)


def _cannot_show(request: Request, user: User, error: DomainError) -> Response:
    """Why a page cannot be shown (a bad period, an inspection that is not there)."""
    context = {"user": user, "message": error.message, "kinds": {}}
    return templates.TemplateResponse(
        request, "rankings_error.html", context, status_code=error.status_code
    )


@router.get("", response_class=HTMLResponse)
def inspections(
    request: Request, session: SessionDep, user: ReportPageReader, period: str | None = None
) -> Response:
    """The inspections of a quarter or year (this year by default)."""
    try:
        chosen = parse_period(period or str(local_date(utcnow()).year))
        rows = list_inspections(session, period=chosen)
    except DomainError as error:
        return _cannot_show(request, user, error)
    context = {"user": user, "period": chosen, "rows": rows, **_labels()}
    return templates.TemplateResponse(request, "inspections.html", context)


@router.get("/common", response_class=HTMLResponse)
def common(
    request: Request, session: SessionDep, user: ReportPageReader, period: str | None = None
) -> Response:
    """Findings by category across outlets and quarters: common and recurring problems."""
    try:
        chosen = parse_period(period or str(local_date(utcnow()).year))
        view = common_problems(session, period=chosen)
    except DomainError as error:
        return _cannot_show(request, user, error)
    thresholds = {q: common_threshold(n) for q, n in view.inspected.items()}
    context = {"user": user, "period": chosen, "view": view, "thresholds": thresholds}
    return templates.TemplateResponse(request, "inspections_common.html", {**context, **_labels()})


def _detail(
    request: Request,
    session: Session,
    user: User,
    inspection_id: int,
    *,
    error: DomainError | None = None,
    recorded: bool = False,
    later: dict[str, str] | None = None,
) -> Response:
    inspection = get_inspection(session, inspection_id=inspection_id)
    findings = findings_of(session, inspection_id=inspection_id)
    staff_ids = {f.staff_id for f, _ in findings if f.staff_id}
    staff = {s.id: s for s in session.exec(select(Staff).where(col(Staff.id).in_(staff_ids)))}
    letter = session.exec(
        select(IssueLetter).where(IssueLetter.inspection_id == inspection_id)
    ).first()
    steps = [
        {
            "step": step,
            "name": STEP_NAMES[StepKind(step.kind)],
            "state": STEP_STATE_NAMES[StepState(step.state)],
            "staff": staff_name(session, step.staff_id),
            "overdue": overdue(step),
        }
        for step in (steps_of(session, letter_id=letter.id or 0) if letter else [])
    ]
    context = {
        "user": user,
        "inspection": inspection,
        "outlet": session.get(Outlet, inspection.outlet_id),
        "areas": [
            (AREA_NAMES[a], v)
            for a, v in area_scores_of(session, inspection_id=inspection_id).items()
        ],
        "methods": [METHOD_NAMES[InspectionMethod(m)] for m in inspection.methods.split(",") if m],
        "findings": findings,
        "staff": staff,
        "error": error,
        "recorded": recorded,
        "may_rectify": can(user, Capability.confirm_rectification),
        "may_issue": can(user, Capability.issue_letters),
        "may_record": can(user, Capability.record_inspection),
        "later": later or {},
        "letter": letter,
        "steps": steps,
        "today": local_date(utcnow()).isoformat(),
        **_labels(),
    }
    return render_form(request, "inspection_detail.html", context, error=error)


@router.get("/{inspection_id}", response_class=HTMLResponse)
def detail(
    request: Request,
    session: SessionDep,
    user: ReportPageReader,
    inspection_id: int,
    recorded: bool = False,
) -> Response:
    """An inspection: area scores, methods, findings with photos and their rectification."""
    return detail_or_error(request, session, user, inspection_id, recorded=recorded)


def detail_or_error(
    request: Request,
    session: Session,
    user: User,
    inspection_id: int,
    *,
    error: DomainError | None = None,
    recorded: bool = False,
    later: dict[str, str] | None = None,
) -> Response:
    """The inspection's page (with a refused action's message), or why it cannot be shown."""
    try:
        return _detail(
            request, session, user, inspection_id, error=error, recorded=recorded, later=later
        )
    except DomainError as problem:
        shown = error or problem  # what was refused, when the page behind it is gone too
        return _cannot_show(request, user, shown)


@router.post("/findings/{finding_id}/rectified", response_class=HTMLResponse)
def rectified(
    request: Request,
    session: SessionDep,
    user: RectifierPageUser,
    finding_id: int,
    inspection_id: Annotated[int, Form()],
    note: Annotated[str, Form()] = "",
) -> Response:
    """Confirm a finding was put right, then back to its inspection."""
    try:
        mark_rectified(session, finding_id=finding_id, by=user.username, note=note)
    except DomainError as error:
        session.rollback()
        return detail_or_error(request, session, user, inspection_id, error=error)
    return RedirectResponse(f"/inspections/{inspection_id}", status_code=303)
