"""An inspection's findings after the form: the inspector adds one found later (until the issue
letter goes out) or photographs to one already recorded. Each request is one transaction: a
refused photo leaves the finding it came with unwritten."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from admin.access import require_page
from admin.inspections import detail_or_error
from kernel.auth import Capability, User
from kernel.db import SessionDep
from kernel.errors import DomainError, Invalid, NotFound
from scoring.inspections import FindingIn, add_later_finding, add_photo
from scoring.models import InspectionFinding

router = APIRouter(prefix="/inspections", include_in_schema=False)

InspectorPageUser = Annotated[User, Depends(require_page(Capability.record_inspection))]


async def _photos(request: Request) -> tuple[dict[str, str], list[UploadFile]]:
    form = await request.form()
    text = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    files = [f for f in form.getlist("photos") if isinstance(f, UploadFile) and f.filename]
    return text, files


async def _store(session: SessionDep, finding_id: int, files: list[UploadFile]) -> None:
    for photo in files:
        add_photo(
            session,
            finding_id=finding_id,
            filename=photo.filename or "photo",
            content_type=photo.content_type or "",
            data=await photo.read(),
        )


@router.post("/{inspection_id}/findings", response_class=HTMLResponse)
async def add_finding_later(
    request: Request, session: SessionDep, user: InspectorPageUser, inspection_id: int
) -> Response:
    """Add a finding (with photos) to a recorded inspection, then show it."""
    text, files = await _photos(request)
    try:
        finding = add_later_finding(
            session,
            inspection_id=inspection_id,
            finding=FindingIn(
                text=text.get("text", ""),
                staff_code=text.get("staff", "").strip() or None,
                area=text.get("area") or None,
                method=text.get("method") or None,
            ),
        )
        await _store(session, finding.id or 0, files)
    except DomainError as error:
        session.rollback()
        return detail_or_error(request, session, user, inspection_id, error=error, later=text)
    return RedirectResponse(f"/inspections/{inspection_id}#finding-{finding.id}", status_code=303)


@router.post("/findings/{finding_id}/photos", response_class=HTMLResponse)
async def add_photos(
    request: Request, session: SessionDep, user: InspectorPageUser, finding_id: int
) -> Response:
    """Attach photographs to a recorded finding, then back to its inspection."""
    _, files = await _photos(request)
    found = session.get(InspectionFinding, finding_id)
    inspection_id = found.inspection_id if found else 0
    try:
        if found is None:
            raise NotFound(f"找不到检查问题 #{finding_id}")
        if not files:
            raise Invalid("请选择要上传的照片")
        await _store(session, finding_id, files)
    except DomainError as error:
        session.rollback()
        return detail_or_error(request, session, user, inspection_id, error=error)
    return RedirectResponse(f"/inspections/{inspection_id}#finding-{finding_id}", status_code=303)
