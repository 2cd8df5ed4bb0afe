"""Whose business it is: counter business goes under the signed-in teller, not a typed code.

A security pass found that a teller could post business under another teller's code and
backdate it (`occurred_at`) into last month's ranking. Now an account linked to a member of
staff (User.staff_id) posts as that person, at their outlet, today: a different teller code or
outlet is refused, and so is a moment before today (Beijing time). Entering business late or
for someone else (补录) is the back office's: a supervisor (业务主管) or an admin, without a
staff seat of their own, names the outlet and the teller, and the entry is in the audit log.
"""

from dataclasses import dataclass
from datetime import datetime, time

from sqlmodel import Session

from core_ledger.org.models import Outlet, Staff
from kernel.audit import AuditAction, record_audit
from kernel.auth import Role, User
from kernel.clock import as_utc, centre_tz, local, utcnow
from kernel.errors import Forbidden, Invalid

# Roles that may enter business for a named teller (补录), never as themselves.
BACK_OFFICE = frozenset({Role.admin, Role.supervisor})


@dataclass(frozen=True)
class Counter:
    """The outlet and teller a posting is attributed to."""

    outlet_code: str
    teller_code: str


def attribute(
    session: Session,
    *,
    user: User,
    outlet_code: str | None,
    teller_code: str | None,
    occurred_at: datetime | None,
    what: str,
) -> Counter:
    """The outlet and teller to post `what` under, or Forbidden / Invalid saying why not."""
    staff = session.get(Staff, user.staff_id) if user.staff_id else None
    if staff is not None:
        return _as_themselves(
            session,
            user=user,
            staff=staff,
            outlet_code=outlet_code,
            teller_code=teller_code,
            occurred_at=occurred_at,
        )
    if Role(user.role) not in BACK_OFFICE:
        raise Forbidden(
            f"账号 {user.username} 未关联柜员档案，不能办理柜面业务；请联系系统管理员关联员工档案"
        )
    if not outlet_code or not teller_code:
        raise Invalid("代柜员补录业务须注明网点编号（outlet_code）和柜员号（teller_code）")
    record_audit(
        session,
        actor=user.username,
        action=AuditAction.business_on_behalf,
        subject=f"teller:{teller_code}",
        reason=f"{what}，网点 {outlet_code}"
        + (f"，办理时间 {local(as_utc(occurred_at)):%Y-%m-%d %H:%M}" if occurred_at else ""),
    )
    return Counter(outlet_code=outlet_code, teller_code=teller_code)


def _as_themselves(
    session: Session,
    *,
    user: User,
    staff: Staff,
    outlet_code: str | None,
    teller_code: str | None,
    occurred_at: datetime | None,
) -> Counter:
    outlet = session.get(Outlet, staff.outlet_id) if staff.outlet_id else None
    if outlet is None:
        raise Forbidden(f"{staff.name}（{staff.code}）不属于任何网点，不能办理柜面业务")
    if teller_code and teller_code != staff.code:
        raise Forbidden(
            f"业务记在办理人本人名下：账号 {user.username} 是柜员 {staff.code}，"
            f"不能以柜员 {teller_code} 的名义办理"
        )
    if outlet_code and outlet_code != outlet.code:
        raise Forbidden(
            f"柜员 {staff.code} 属于{outlet.name}（{outlet.code}），不能记在网点 {outlet_code}"
        )
    if occurred_at is not None:
        today = datetime.combine(local(utcnow()).date(), time(), tzinfo=centre_tz())
        if as_utc(occurred_at) < today:
            shown = f"{local(as_utc(occurred_at)):%Y-%m-%d %H:%M}"
            raise Forbidden(
                f"柜员只能登记当天的业务（收到办理时间 {shown}）；往日业务请由业务主管补录"
            )
    return Counter(outlet_code=outlet.code, teller_code=staff.code)
