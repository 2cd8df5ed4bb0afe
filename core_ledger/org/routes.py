"""HTTP routes of the organisation: outlets and their tellers."""

from typing import Annotated

from fastapi import APIRouter, Depends, status
from sqlmodel import select

from core_ledger.org import schemas, service
from core_ledger.org.models import Outlet
from kernel.auth import Capability, User, require
from kernel.db import SessionDep
from kernel.phone import mask

router = APIRouter(tags=["ledger: organisation"])
ManageOrgUser = Annotated[User, Depends(require(Capability.manage_org))]
ReadLedgerUser = Annotated[User, Depends(require(Capability.read_ledger))]


@router.post("/outlets", status_code=status.HTTP_201_CREATED)
def create_outlet(
    body: schemas.OutletCreate, session: SessionDep, _: ManageOrgUser
) -> schemas.OutletPublic:
    """Register an outlet."""
    outlet = service.create_outlet(session, code=body.code, name=body.name)
    return schemas.OutletPublic(id=outlet.id or 0, code=outlet.code, name=outlet.name)


@router.get("/outlets")
def list_outlets(session: SessionDep, _: ReadLedgerUser) -> list[schemas.OutletPublic]:
    """Every outlet."""
    rows = session.exec(select(Outlet).order_by(Outlet.code))
    return [schemas.OutletPublic(id=o.id or 0, code=o.code, name=o.name) for o in rows]


@router.post("/staff", status_code=status.HTTP_201_CREATED)
def create_staff(
    body: schemas.StaffCreate, session: SessionDep, _: ManageOrgUser
) -> schemas.StaffPublic:
    """Register a teller at an outlet."""
    staff = service.create_staff(session, **body.model_dump())
    return schemas.StaffPublic(
        id=staff.id or 0,
        code=staff.code,
        name=staff.name,
        outlet_code=body.outlet_code,
        phone_masked=mask(staff.phone),
    )
