"""Verbs of the organisation: outlets and tellers, departments, leadership and managers."""

from sqlmodel import Session, select

from core_ledger.org.models import (
    GRADE_NAMES,
    Department,
    LeadershipMember,
    Manager,
    ManagerGrade,
    Outlet,
    Staff,
)
from kernel.errors import Conflict, Invalid, NotFound
from kernel.phone import normalize


def create_outlet(session: Session, *, code: str, name: str) -> Outlet:
    """Register an outlet (营业网点)."""
    if get_outlet_by_code(session, code=code, missing_ok=True):
        raise Conflict(f"网点编号 {code} 已存在")
    outlet = Outlet(code=code, name=name)
    session.add(outlet)
    session.flush()
    return outlet


def get_outlet_by_code(session: Session, *, code: str, missing_ok: bool = False) -> Outlet | None:
    """An outlet by its code."""
    outlet = session.exec(select(Outlet).where(Outlet.code == code)).first()
    if outlet is None and not missing_ok:
        raise NotFound(f"找不到网点 {code!r}，请核对网点编号")
    return outlet


def get_outlet(session: Session, *, code: str) -> Outlet:
    """An outlet that must exist."""
    outlet = get_outlet_by_code(session, code=code)
    assert outlet is not None
    return outlet


def create_staff(session: Session, *, code: str, name: str, outlet_code: str, phone: str) -> Staff:
    """Register a teller at an outlet."""
    outlet = get_outlet(session, code=outlet_code)
    if session.exec(select(Staff).where(Staff.code == code)).first():
        raise Conflict(f"柜员编号 {code} 已存在")
    staff = Staff(code=code, name=name, outlet_id=outlet.id, phone=normalize(phone))
    session.add(staff)
    session.flush()
    return staff


def get_teller(session: Session, *, code: str, outlet: Outlet) -> Staff:
    """A teller who works at the given outlet (every business names one: 综合柜员)."""
    staff = session.exec(select(Staff).where(Staff.code == code)).first()
    if staff is None:
        raise NotFound(f"找不到柜员 {code!r}，请核对柜员编号")
    if staff.outlet_id != outlet.id:
        raise Invalid(f"柜员 {code} 不属于网点 {outlet.code}")
    return staff


def outlet_and_teller(
    session: Session, *, outlet_code: str, teller_code: str
) -> tuple[Outlet, Staff]:
    """The outlet and teller a business is attributed to."""
    outlet = get_outlet(session, code=outlet_code)
    return outlet, get_teller(session, code=teller_code, outlet=outlet)


def _code_is_new(
    session: Session, model: type[Department | LeadershipMember | Manager], code: str, what: str
) -> None:
    if not code.strip():
        raise Invalid(f"{what}编码不能为空")
    if session.exec(select(model).where(model.code == code)).first() is not None:
        raise Conflict(f"{what}编码 {code!r} 已存在")


def create_department(session: Session, *, code: str, name: str) -> Department:
    """Register a department (科室)."""
    _code_is_new(session, Department, code, "科室")
    department = Department(code=code, name=name)
    session.add(department)
    session.flush()
    return department


def create_leader(
    session: Session, *, code: str, name: str, title: str, portfolio: str = ""
) -> LeadershipMember:
    """Register a leadership member (班子成员)."""
    _code_is_new(session, LeadershipMember, code, "班子成员")
    leader = LeadershipMember(code=code, name=name, title=title, portfolio=portfolio)
    session.add(leader)
    session.flush()
    return leader


def create_manager(
    session: Session,
    *,
    code: str,
    name: str,
    grade: str,
    department_code: str | None = None,
    outlet_code: str | None = None,
    leader_code: str | None = None,
) -> Manager:
    """Register a manager at deputy-section level or above, in a department or an outlet.

    leader_code names the leadership member (班子成员) this manager is, if they are one.
    """
    if grade not in ManagerGrade.__members__:
        allowed = "、".join(f"{g.value}（{GRADE_NAMES[g]}）" for g in ManagerGrade)
        raise Invalid(f"职级 {grade!r} 不在副科级以上，可选：{allowed}")
    _code_is_new(session, Manager, code, "管理人员")
    department = get_department(session, code=department_code) if department_code else None
    outlet = None
    if outlet_code:
        outlet = session.exec(select(Outlet).where(Outlet.code == outlet_code)).first()
        if outlet is None:
            raise NotFound(f"找不到网点 {outlet_code!r}")
    leader = _leader_to_link(session, code=leader_code) if leader_code else None
    manager = Manager(
        code=code,
        name=name,
        grade=ManagerGrade(grade),
        department_id=department.id if department else None,
        outlet_id=outlet.id if outlet else None,
        leader_id=leader.id if leader else None,
    )
    session.add(manager)
    session.flush()
    return manager


def _leader_to_link(session: Session, *, code: str) -> LeadershipMember:
    leader = session.exec(select(LeadershipMember).where(LeadershipMember.code == code)).first()
    if leader is None:
        raise NotFound(f"找不到班子成员 {code!r}")
    if session.exec(select(Manager).where(Manager.leader_id == leader.id)).first() is not None:
        raise Conflict(f"班子成员 {leader.name}（{code}）已登记为管理人员")
    return leader


def get_department(session: Session, *, code: str) -> Department:
    """The department with this code, or NotFound."""
    department = session.exec(select(Department).where(Department.code == code)).first()
    if department is None:
        raise NotFound(f"找不到科室 {code!r}")
    return department


def get_manager(session: Session, *, code: str) -> Manager:
    """The manager with this code, or NotFound."""
    manager = session.exec(select(Manager).where(Manager.code == code)).first()
    if manager is None:
        raise NotFound(f"找不到管理人员 {code!r}")
    return manager
