"""People who sign in (operators, managers, tellers, inspectors, unit administrators) and tokens."""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import DateTime, String
from sqlmodel import Field, Session, SQLModel, select

from kernel.clock import as_utc, utcnow
from kernel.db import SessionDep
from kernel.errors import Conflict, Invalid

TOKEN_LIFETIME = timedelta(hours=12)


class Role(StrEnum):
    admin = "admin"
    manager = "manager"  # centre leadership and 督查
    operator = "operator"  # 12329 hotline
    outlet_head = "outlet_head"  # 网点负责人
    teller = "teller"
    department = "department"  # a department of the centre (科室)
    inspector = "inspector"  # third party
    unit_admin = "unit_admin"  # a unit's 专管员
    finance = "finance"  # payment settlement, bank confirmation
    supervisor = "supervisor"  # 业务主管: interest settlement, repayment runs, late business
    core_system = "core_system"  # 核心业务系统: a machine that feeds business posted elsewhere


ROLE_LABELS = {
    Role.admin: "系统管理员",
    Role.manager: "管理人员",
    Role.operator: "12329坐席",
    Role.outlet_head: "网点负责人",
    Role.teller: "柜员",
    Role.department: "科室",
    Role.inspector: "第三方检查员",
    Role.unit_admin: "单位专管员",
    Role.finance: "财务人员",
    Role.supervisor: "业务主管",
    Role.core_system: "核心业务系统",
}


class User(SQLModel, table=True):
    """A person who signs in to Huifang."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    role: Role = Field(sa_type=String(16))
    password_hash: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    # The person behind the account (a teller, an outlet head, a department's staff member), and
    # so their outlet or department; None for accounts that act for the centre as a whole.
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    # A disabled account cannot sign in and its tokens stop working; it is never deleted,
    # so the audit log keeps naming it.
    is_active: bool = Field(default=True)


class ApiToken(SQLModel, table=True):
    """A bearer token; only its hash is stored."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))


class _LegacyPbkdf2:
    """Reads the PBKDF2-SHA256 hashes written before argon2 (pbkdf2$rounds$salt$hex); never writes.

    Kept only so that people with such a hash can still sign in; that sign-in replaces it.
    """

    @classmethod
    def identify(cls, hash: str | bytes) -> bool:
        return _text(hash).startswith("pbkdf2$")

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        raise NotImplementedError("new passwords are hashed with argon2")

    def verify(self, password: str | bytes, hash: str | bytes) -> bool:
        try:
            _, rounds, salt, expected = _text(hash).split("$")
            digest = hashlib.pbkdf2_hmac("sha256", _bytes(password), salt.encode(), int(rounds))
        except ValueError:
            return False
        return hmac.compare_digest(digest.hex(), expected)

    def check_needs_rehash(self, hash: str | bytes) -> bool:
        return True


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


# argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile) for every new hash.
_passwords = PasswordHash((Argon2Hasher(), _LegacyPbkdf2()))


def hash_password(password: str) -> str:
    """An argon2id hash of the password, salt and parameters included."""
    return _passwords.hash(password)


def verify_password(password: str, stored: str) -> bool:
    """Check a password against its stored hash (argon2, or a PBKDF2 one from before)."""
    return check_password(password, stored)[0]


def check_password(password: str, stored: str) -> tuple[bool, str | None]:
    """Whether the password matches, and the hash to store instead when it is outdated."""
    try:
        return _passwords.verify_and_update(password, stored)
    except UnknownHashError:
        return False, None


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def create_user(session: Session, *, username: str, role: str, password: str) -> User:
    """Add a user; the username must be new and the password at least 8 characters."""
    if role not in Role.__members__:
        known = "、".join(f"{r.value}（{label}）" for r, label in ROLE_LABELS.items())
        raise Invalid(f"未知角色 {role!r}，可选：{known}")
    if len(password) < 8:
        raise Invalid("密码至少需要 8 位")
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict(f"用户 {username!r} 已存在")
    user = User(username=username, role=Role(role), password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def issue_token(session: Session, *, username: str, password: str) -> str | None:
    """A new bearer token for valid credentials, else None."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        # Do the work of a real check so that the answer's timing does not tell who exists.
        verify_password(password, _dummy_hash())
        return None
    valid, upgraded = check_password(password, user.password_hash)
    if not valid or not user.is_active:
        return None
    if upgraded is not None:
        user.password_hash = upgraded  # an old PBKDF2 hash becomes argon2 at this sign-in
        session.add(user)
    token = secrets.token_urlsafe(32)
    assert user.id is not None
    session.add(
        ApiToken(
            token_hash=token_digest(token), user_id=user.id, expires_at=utcnow() + TOKEN_LIFETIME
        )
    )
    session.flush()
    return token


def user_for_token(session: Session, *, token: str) -> User | None:
    """The user a live token belongs to."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == token_digest(token))).first()
    if row is None or as_utc(row.expires_at) < utcnow():
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.is_active else None


def token_digest(token: str) -> str:
    """What is stored of a token (its SHA-256): a stolen table holds no usable token."""
    return hashlib.sha256(token.encode()).hexdigest()


oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)
TOKEN_COOKIE = "huifang_token"


def current_user(
    request: Request, session: SessionDep, bearer: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    """The signed-in user, by bearer token (API) or cookie (web pages)."""
    token = bearer or request.cookies.get(TOKEN_COOKIE)
    user = user_for_token(session, token=token) if token else None
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="请先登录：缺少或无效的访问令牌（POST /api/auth/token 获取）",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


CurrentUser = Annotated[User, Depends(current_user)]


class Capability(StrEnum):
    """Something a signed-in person may do; `PERMISSIONS` says who, for the API and pages alike."""

    # The centre's administration
    manage_users = "manage_users"  # accounts: create, link to staff, change role, disable
    manage_org = "manage_org"  # outlets, staff, departments, leaders, raters
    read_audit = "read_audit"  # the audit log
    run_jobs = "run_jobs"  # the job queue (/admin/rq)
    # Reports
    read_rankings = "read_rankings"  # rankings, drill-downs, red flags, 约谈 alerts (reading)
    read_appraisal = "read_appraisal"  # 绩效考核 composites and their parts
    read_dashboard = "read_dashboard"  # the managers' dashboard
    export_reports = "export_reports"  # Excel exports and the quarterly PDF
    manage_alerts = "manage_alerts"  # run the 约谈 check, acknowledge an alert
    # The 12329 hotline
    work_cases = "work_cases"  # the exception queue: claim, call, record, reveal, close
    decide_flags = "decide_flags"  # clear or uphold an anti-gaming flag
    read_callback_metrics = "read_callback_metrics"
    manage_do_not_call = "manage_do_not_call"
    # Inspections (第三方检查) and issue letters (交办函)
    record_inspection = "record_inspection"
    read_inspections = "read_inspections"
    issue_letters = "issue_letters"  # issue a letter, accept or return its steps
    confirm_rectification = "confirm_rectification"  # a finding was put right (next visit, 督查)
    # Outlets and tellers
    read_own_results = "read_own_results"  # "my results": a teller's own, an outlet head's outlet
    rectify = "rectify"  # answer a complaint or an issue letter (整改, 个人检查)
    file_appeal = "file_appeal"  # 申诉 against a counted rating
    read_appeals = "read_appeals"  # appeals: an outlet its own, managers every one
    decide_appeals = "decide_appeals"  # 复核
    # Monthly evaluations of departments and leaders
    cast_ballot = "cast_ballot"
    manage_rounds = "manage_rounds"
    import_attendance = "import_attendance"  # 集中考勤, monthly
    # The core ledger
    read_ledger = "read_ledger"
    post_business = "post_business"  # counter business, attributed to the signed-in teller
    settle_payments = "settle_payments"  # the bank's answers, bank confirmations
    run_interest = "run_interest"  # interest settlement, repayment runs
    submit_remittance = "submit_remittance"  # a unit's own remittances (单位专管员)
    feed_business = "feed_business"  # withdrawals and loans posted in the core system


_HOTLINE = frozenset({Role.operator, Role.manager})
_OUTLET = frozenset({Role.teller, Role.outlet_head})
# Counter business (柜面业务): tellers, and the outlet heads, supervisors and managers behind them.
_COUNTER = frozenset({Role.teller, Role.outlet_head, Role.supervisor, Role.manager})

# Who may do what, named once: the API's `require` and the pages' `require_page` (admin.access)
# both read this table, so the two cannot disagree. Admins may do everything.
PERMISSIONS: dict[Capability, frozenset[Role]] = {
    Capability.manage_users: frozenset(),
    Capability.manage_org: frozenset(),
    Capability.read_audit: frozenset(),
    Capability.run_jobs: frozenset(),
    Capability.read_rankings: frozenset({Role.manager, Role.operator, Role.inspector}),
    Capability.read_appraisal: frozenset({Role.manager}),
    Capability.read_dashboard: frozenset({Role.manager}),
    Capability.export_reports: frozenset({Role.manager}),
    Capability.manage_alerts: frozenset({Role.manager}),
    Capability.work_cases: _HOTLINE,
    Capability.decide_flags: _HOTLINE,
    Capability.read_callback_metrics: _HOTLINE,
    Capability.manage_do_not_call: _HOTLINE,
    Capability.record_inspection: frozenset({Role.inspector}),
    Capability.read_inspections: frozenset({Role.manager, Role.operator, Role.inspector}),
    Capability.issue_letters: frozenset({Role.manager}),
    Capability.confirm_rectification: frozenset({Role.inspector, Role.manager}),
    Capability.read_own_results: _OUTLET,
    Capability.rectify: _OUTLET,
    Capability.file_appeal: _OUTLET,
    Capability.read_appeals: _OUTLET | {Role.manager},
    Capability.decide_appeals: frozenset({Role.manager}),
    Capability.cast_ballot: _OUTLET | {Role.department, Role.manager, Role.operator},
    Capability.manage_rounds: frozenset({Role.manager}),
    Capability.import_attendance: frozenset({Role.manager}),
    Capability.read_ledger: _COUNTER | {Role.finance},
    Capability.post_business: _COUNTER,
    # Money going out needs two people: payment settlement and bank confirmation are finance's
    # (or the bank's feed), interest settlement and repayment runs the supervisor's (业务主管).
    Capability.settle_payments: frozenset({Role.finance}),
    Capability.run_interest: frozenset({Role.supervisor}),
    Capability.submit_remittance: frozenset({Role.unit_admin}),
    # The centre's own core business system (a machine account), and nobody else.
    Capability.feed_business: frozenset({Role.core_system}),
}


def can(user: User | None, capability: Capability) -> bool:
    """Whether the user may do it (admins may do everything; nobody signed in may do nothing)."""
    if user is None or not user.is_active:
        return False
    return user.role == Role.admin or user.role in PERMISSIONS[capability]


def forbidden_message(user: User) -> str:
    """What a person whose role may not do something is told."""
    return f"当前账号（{ROLE_LABELS[Role(user.role)]}）无权执行此操作"


@cache
def require(capability: Capability) -> Callable[[User], User]:
    """The API dependency for one capability (one function per capability, so tests can find it)."""

    def check(user: CurrentUser) -> User:
        if not can(user, capability):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=forbidden_message(user))
        return user

    check.capability = capability  # type: ignore[attr-defined]
    return check
