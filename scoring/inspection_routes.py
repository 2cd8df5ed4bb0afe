"""HTTP routes of third-party inspections and the rectification workflow."""

from typing import Annotated

from fastapi import APIRouter, Depends, UploadFile, status
from fastapi.responses import FileResponse
from pydantic import BaseModel
from sqlmodel import Session, select

from core_ledger.org.models import Outlet
from kernel.auth import Capability, Role, User, require
from kernel.db import SessionDep
from kernel.errors import NotFound
from kernel.periods import parse_period
from scoring.common_problems import common_problems
from scoring.inspections import (
    FindingIn,
    add_photo,
    area_scores_of,
    findings_of,
    get_inspection,
    list_inspections,
    photo_path,
    record_inspection,
)
from scoring.models import IssueLetter
from scoring.rectification import (
    check_submitter,
    issue_letter,
    on_time,
    overdue,
    review_step,
    staff_name,
    steps_of,
    submit_step,
)
from scoring.schemas import (
    FindingPublic,
    InspectionCreate,
    InspectionPublic,
    LetterCreate,
    LetterPublic,
    PhotoPublic,
    StepPublic,
    StepReviewCreate,
    StepSubmissionCreate,
)

router = APIRouter(prefix="/api/inspections", tags=["inspections"])
IssueLettersUser = Annotated[User, Depends(require(Capability.issue_letters))]
ReadInspectionsUser = Annotated[User, Depends(require(Capability.read_inspections))]
RecordInspectionUser = Annotated[User, Depends(require(Capability.record_inspection))]
RectifyUser = Annotated[User, Depends(require(Capability.rectify))]


def inspection_public(session: Session, inspection_id: int) -> InspectionPublic:
    """An inspection with its findings, photos and letter."""
    inspection = get_inspection(session, inspection_id=inspection_id)
    outlet = session.get(Outlet, inspection.outlet_id)
    letter = session.exec(
        select(IssueLetter).where(IssueLetter.inspection_id == inspection_id)
    ).first()
    return InspectionPublic(
        id=inspection.id or 0,
        outlet_code=outlet.code if outlet else "",
        quarter=inspection.quarter,
        score=inspection.score,
        area_scores=area_scores_of(session, inspection_id=inspection_id),
        methods=[m for m in inspection.methods.split(",") if m],
        inspected_on=inspection.inspected_on,
        firm=inspection.firm,
        summary=inspection.summary,
        findings=[
            FindingPublic(
                id=f.id or 0,
                text=f.text,
                staff_id=f.staff_id,
                area=f.area,
                method=f.method,
                state=f.state,
                photos=[
                    PhotoPublic(
                        id=p.id or 0,
                        filename=p.filename,
                        content_type=p.content_type,
                        size_bytes=p.size_bytes,
                        url=f"/api/inspections/photos/{p.id}",
                    )
                    for p in photos
                ],
            )
            for f, photos in findings_of(session, inspection_id=inspection_id)
        ],
        letter_id=letter.id if letter else None,
    )


def letter_public(session: Session, letter_id: int) -> LetterPublic:
    """A letter with its steps, due dates and states."""
    letter = session.get(IssueLetter, letter_id)
    if letter is None:
        raise NotFound(f"找不到问题交办函 #{letter_id}")
    outlet = session.get(Outlet, letter.outlet_id)
    return LetterPublic(
        id=letter.id or 0,
        number=letter.number,
        inspection_id=letter.inspection_id,
        outlet_code=outlet.code if outlet else "",
        issued_on=letter.issued_on,
        closed_at=letter.closed_at,
        steps=[
            StepPublic(
                id=s.id or 0,
                kind=s.kind,
                staff=staff_name(session, s.staff_id),
                due_on=s.due_on,
                state=s.state,
                overdue=overdue(s),
                on_time=on_time(s) if s.submitted_at else None,
                content=s.content,
                submitted_at=s.submitted_at,
                reviewed_at=s.reviewed_at,
                review_note=s.review_note,
            )
            for s in steps_of(session, letter_id=letter_id)
        ],
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def add_inspection(
    session: SessionDep, user: RecordInspectionUser, body: InspectionCreate
) -> InspectionPublic:
    """Record an outlet's quarterly inspection: score, summary and findings."""
    inspection = record_inspection(
        session,
        outlet_code=body.outlet_code,
        quarter=body.quarter,
        score=body.score,
        area_scores=body.area_scores,
        methods=body.methods,
        inspected_on=body.inspected_on,
        firm=body.firm,
        summary=body.summary,
        findings=[
            FindingIn(text=f.text, staff_code=f.staff_code, area=f.area, method=f.method)
            for f in body.findings
        ],
        recorded_by=user.username,
    )
    return inspection_public(session, inspection.id or 0)


@router.get("")
def inspections(session: SessionDep, _: ReadInspectionsUser, period: str) -> list[InspectionPublic]:
    """Inspections of the quarters within a period."""
    rows = list_inspections(session, period=parse_period(period))
    return [inspection_public(session, i.id or 0) for i, _ in rows]


class CategoryPublic(BaseModel):
    area: str | None
    label: str
    findings: dict[str, int]  # per quarter
    outlets: dict[str, int]  # outlets with such a finding, per quarter
    open: int
    common_in: list[str]  # quarters where it was a common problem (共性问题)
    repeated_at: list[str]  # outlets where it came back quarter after quarter


class CommonProblemsPublic(BaseModel):
    quarters: list[str]
    inspected: dict[str, int]
    categories: list[CategoryPublic]


@router.get("/findings-by-category")
def findings_by_category(
    session: SessionDep, _: ReadInspectionsUser, period: str
) -> CommonProblemsPublic:
    """Findings by category across outlets and quarters (举一反三): common and recurring ones."""
    view = common_problems(session, period=parse_period(period))
    return CommonProblemsPublic(
        quarters=view.quarters,
        inspected=view.inspected,
        categories=[
            CategoryPublic(
                area=row.area,
                label=row.label,
                findings={q: row.findings[q] for q in view.quarters},
                outlets={q: row.outlet_count(q) for q in view.quarters},
                open=row.open,
                common_in=row.common_in,
                repeated_at=row.repeated_at,
            )
            for row in view.rows
        ],
    )


@router.get("/{inspection_id}")
def inspection(session: SessionDep, _: ReadInspectionsUser, inspection_id: int) -> InspectionPublic:
    """One inspection."""
    return inspection_public(session, inspection_id)


@router.post("/findings/{finding_id}/photos", status_code=status.HTTP_201_CREATED)
async def upload_photo(
    session: SessionDep, _: RecordInspectionUser, finding_id: int, file: UploadFile
) -> PhotoPublic:
    """Attach a photograph (JPEG, PNG or WebP) to a finding."""
    data = await file.read()
    photo = add_photo(
        session,
        finding_id=finding_id,
        filename=file.filename or "photo",
        content_type=file.content_type or "",
        data=data,
    )
    return PhotoPublic(
        id=photo.id or 0,
        filename=photo.filename,
        content_type=photo.content_type,
        size_bytes=photo.size_bytes,
        url=f"/api/inspections/photos/{photo.id}",
    )


@router.get("/photos/{photo_id}")
def photo(session: SessionDep, _: ReadInspectionsUser, photo_id: int) -> FileResponse:
    """A stored photograph."""
    found, path = photo_path(session, photo_id=photo_id)
    return FileResponse(path, media_type=found.content_type, filename=found.filename)


@router.post("/{inspection_id}/letter", status_code=status.HTTP_201_CREATED)
def send_letter(
    session: SessionDep, user: IssueLettersUser, inspection_id: int, body: LetterCreate
) -> LetterPublic:
    """Issue the 问题交办函 for an inspection's findings; the due dates follow the settings."""
    letter = issue_letter(
        session, inspection_id=inspection_id, issued_on=body.issued_on, issued_by=user.username
    )
    return letter_public(session, letter.id or 0)


@router.get("/letters/{letter_id}")
def letter(session: SessionDep, _: ReadInspectionsUser, letter_id: int) -> LetterPublic:
    """A letter and the state of each of its steps."""
    return letter_public(session, letter_id)


@router.post("/steps/{step_id}/submit")
def submit(
    session: SessionDep, user: RectifyUser, step_id: int, body: StepSubmissionCreate
) -> LetterPublic:
    """The outlet signs for the letter or hands in a report or a personal statement.

    As on the inbox page: the outlet head signs and reports; a 个人检查 only by the person named.
    """
    head = user.role == Role.outlet_head
    check_submitter(session, step_id=step_id, staff_id=user.staff_id, outlet_head=head)
    step = submit_step(session, step_id=step_id, content=body.content, by=user.username)
    return letter_public(session, step.letter_id)


@router.post("/steps/{step_id}/review")
def review(
    session: SessionDep, user: IssueLettersUser, step_id: int, body: StepReviewCreate
) -> LetterPublic:
    """The centre accepts a step or returns it with what to change."""
    step = review_step(
        session, step_id=step_id, accept=body.accept, by=user.username, note=body.note
    )
    return letter_public(session, step.letter_id)
