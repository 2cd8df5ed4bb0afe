"""The centre's organisation: outlets and their tellers, departments, leadership and managers."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from kernel.clock import utcnow
from kernel.columns import utc_timestamp
from kernel.crypto import PHONE, blind_index_field, encrypted, keep_blind_index


class Outlet(SQLModel, table=True):
    """营业网点 — a service outlet."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=100)
    created_at: datetime = utc_timestamp(default_factory=utcnow)


class Staff(SQLModel, table=True):
    """A member of staff; at an outlet, a comprehensive teller (综合柜员)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=100)
    outlet_id: int | None = Field(default=None, foreign_key="outlet.id", index=True)
    phone: str = encrypted("staff.phone")  # sealed; anti-gaming finds it by phone_index
    phone_index: str = blind_index_field(default="")


keep_blind_index(Staff, source="phone", target="phone_index", kind=PHONE)


class Department(SQLModel, table=True):
    """科室 — a department of the centre; the outlets are the people it serves."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=100)
    active: bool = True
    created_at: datetime = utc_timestamp(default_factory=utcnow)


class LeadershipMember(SQLModel, table=True):
    """班子成员 — a member of the centre's leadership team."""

    __tablename__ = "leadership_member"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=100)
    title: str = Field(max_length=50)  # 主任, 副主任, 纪检组长 …
    portfolio: str = Field(default="", max_length=200)  # 分管工作
    active: bool = True
    created_at: datetime = utc_timestamp(default_factory=utcnow)


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
    # Set when this manager sits on the leadership team (班子成员): they rate no leader.
    leader_id: int | None = Field(default=None, foreign_key="leadership_member.id", unique=True)
    active: bool = True
    created_at: datetime = utc_timestamp(default_factory=utcnow)
