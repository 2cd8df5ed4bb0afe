"""`POST /api/ledger/feed`: the core system (核心业务系统) sends the business it has posted."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlmodel import select

from core_ledger.feed import schemas
from core_ledger.feed.config import get_feed_settings
from core_ledger.feed.models import FeedRecord
from core_ledger.feed.service import FeedRefused, accept_records
from core_ledger.identity import mask_id_number
from core_ledger.loans.models import Project
from core_ledger.org.models import Outlet, Staff
from kernel.auth import Capability, User, require
from kernel.db import SessionDep
from kernel.errors import NotFound
from kernel.phone import mask

router = APIRouter(tags=["ledger: core-system feed"])
CoreSystemUser = Annotated[User, Depends(require(Capability.feed_business))]
REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "有错误的记录，整批未写入：detail 汇总，problems 逐条（行号、字段、原因）"
    },
    409: {"description": "重复发送的业务流水号内容不同，整批未写入"},
}


@router.post("/feed", response_model=schemas.FeedOutcomePublic, responses=REFUSED)
def feed(
    body: schemas.FeedBatchIn, session: SessionDep, user: CoreSystemUser
) -> schemas.FeedOutcomePublic | JSONResponse:
    """Withdrawals and loans posted in the core system, each called back like a posting here."""
    rows = [(number, record) for number, record in enumerate(body.records, start=1)]
    try:
        outcome = accept_records(
            session,
            source=body.source or get_feed_settings().feed_default_source,
            rows=rows,
            channel="api",
            received_by=user.username,
            check_only=body.check_only,
        )
    except FeedRefused as refused:
        session.rollback()
        return JSONResponse(
            status_code=refused.status_code,
            content={
                "detail": refused.message,
                "code": refused.code,
                "problems": [p.as_dict() for p in refused.problems],
            },
        )
    return schemas.FeedOutcomePublic(
        total=outcome.total,
        created=outcome.created,
        unchanged=outcome.unchanged,
        written=outcome.written,
        message=outcome.message,
    )


@router.get("/feed/{source}/{business_no}")
def fed_record(
    source: str, business_no: str, session: SessionDep, _: CoreSystemUser
) -> schemas.FeedRecordPublic:
    """Whether a record was received, and as what (the core system reconciles with this)."""
    record = session.exec(
        select(FeedRecord).where(FeedRecord.source == source, FeedRecord.business_no == business_no)
    ).first()
    if record is None:
        raise NotFound(f"来源 {source} 的业务流水号 {business_no} 尚未收到")
    outlet = session.get(Outlet, record.outlet_id)
    teller = session.get(Staff, record.teller_id)
    project = session.get(Project, record.project_id) if record.project_id else None
    assert outlet is not None and teller is not None
    return schemas.FeedRecordPublic(
        source=record.source,
        business_no=record.business_no,
        kind=record.kind,
        ground=record.ground,
        occurred_at=record.occurred_at,
        outlet_code=outlet.code,
        teller_code=teller.code,
        name=record.person_name,
        id_number_masked=mask_id_number(record.id_number),
        phone_masked=mask(record.phone),
        project_code=project.code if project else None,
        received_at=record.received_at,
        channel=record.channel,
    )
