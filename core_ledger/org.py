"""The centre's organisation beyond the counters: departments, leadership and managers."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, String
from sqlmodel import Field, Session, SQLModel, select

from core_ledger.models import Outlet
from kernel.clock import utcnow
from kernel.errors import Conflict, Invalid, NotFound


class Department(SQLModel, table=True):
    """科室 — a department of the centre; the outlets are the people it serves."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=100)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class LeadershipMember(SQLModel, table=True):
    """班子成员 — a member of the centre's leadership team."""

    __tablename__ = "leadership_member"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=100)
    title: str = Field(max_length=50)  # 主任, 副主任, 纪检组长 …
    portfolio: str = Field(default="", max_length=200)  # 分管工作
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ManagerGrade(StrEnum):
    """Civil-service grades at deputy-section level or above (副科级以上)."""

    deputy_section = "deputy_section"  # 副科级
    section = "section"  # 正科级
    deputy_division = "deputy_division"  # 副处级
    division = "division"  # 正处级


GRADE_NAMES = {
    ManagerGrade.deputy_section: "副科级",
    ManagerGrade.section: "正科级",
    ManagerGrade.deputy_division: "副处级",
    ManagerGrade.division: "正处级",
}


class Manager(SQLModel, table=True):
    """副科级以上管理人员 — a manager who rates the leadership each month."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=100)
    grade: ManagerGrade = Field(sa_type=String(16))
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    outlet_id: int | None = Field(default=None, foreign_key="outlet.id", index=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


def _code_is_new(session: Session, model: type[SQLModel], code: str, what: str) -> None:
    if not code.strip():
        raise Invalid(f"{what}编码不能为空")
    if session.exec(select(model).where(model.code == code)).first() is not None:  # type: ignore[attr-defined]
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
) -> Manager:
    """Register a manager at deputy-section level or above, in a department or an outlet."""
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
    manager = Manager(
        code=code,
        name=name,
        grade=ManagerGrade(grade),
        department_id=department.id if department else None,
        outlet_id=outlet.id if outlet else None,
    )
    session.add(manager)
    session.flush()
    return manager


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
