"""Whose pages these are: the signed-in teller or outlet head, by their account's staff record."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from admin.access import require_page
from core_ledger.org.models import Outlet, Staff
from kernel.auth import Capability, Role, User
from kernel.errors import Conflict

# A teller sees their own results; an outlet head their outlet's. Admins pass the gate too,
# and see these pages only through an account linked to a member of an outlet's staff.
OutletPersonPage = Annotated[User, Depends(require_page(Capability.read_own_results))]


class NoSeat(Conflict):
    """The account is not linked to a member of an outlet's staff."""


@dataclass(frozen=True)
class Seat:
    """The person behind the account and their outlet."""

    staff: Staff
    outlet: Outlet
    head: bool  # 网点负责人: the outlet's results and letters are theirs to answer

    @property
    def staff_id(self) -> int:
        return self.staff.id or 0

    @property
    def outlet_id(self) -> int:
        return self.outlet.id or 0


def seat_of(session: Session, user: User) -> Seat:
    """The account's staff record and outlet, or NoSeat saying what to ask for."""
    staff = session.get(Staff, user.staff_id) if user.staff_id else None
    if staff is None:
        raise NoSeat(f"账号 {user.username} 未关联员工档案，请联系系统管理员关联后再查看")
    outlet = session.get(Outlet, staff.outlet_id) if staff.outlet_id else None
    if outlet is None:
        raise NoSeat(f"{staff.name}（{staff.code}）不属于任何网点，无法查看网点的结果和待办")
    return Seat(staff=staff, outlet=outlet, head=user.role == Role.outlet_head)
