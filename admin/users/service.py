"""Accounts, managed by admins: create, link to a member of staff, change role, disable, reset.

Every change is written to the audit log in the same transaction. An account is never
deleted (the log keeps naming it); disabling it, or resetting its password, revokes every
token it holds at once. Tellers and outlet heads act as a person at an outlet, so their
accounts must be linked to a member of staff who belongs to one; a member of staff has at
most one live account. An admin cannot disable or demote themselves, and the last active admin
cannot be disabled or demoted, so the centre is never locked out of its own system.
"""

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from core_ledger.org.models import Outlet, Staff
from kernel.audit import AuditAction, record_audit
from kernel.auth import ROLE_LABELS, Role, User, create_user, hash_password
from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from kernel.signin import revoke_all

# Roles that act as one person at an outlet: they need a staff record there.
SEATED = frozenset({Role.teller, Role.outlet_head})


@dataclass(frozen=True)
class Account:
    """An account as the users page shows it."""

    user: User
    staff: Staff | None
    outlet: Outlet | None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[Role(self.user.role)]


def list_accounts(session: Session, *, role: str | None = None, q: str = "") -> list[Account]:
    """Every account (by username), with its staff record and outlet; filtered if asked."""
    query = select(User).order_by(col(User.username))
    if role:
        query = query.where(User.role == _role(role))
    if q.strip():
        query = query.where(col(User.username).contains(q.strip()))
    accounts = []
    for user in session.exec(query):
        staff = session.get(Staff, user.staff_id) if user.staff_id else None
        outlet = session.get(Outlet, staff.outlet_id) if staff and staff.outlet_id else None
        accounts.append(Account(user=user, staff=staff, outlet=outlet))
    return accounts


def add_account(
    session: Session, *, actor: str, username: str, role: str, password: str, staff_code: str = ""
) -> User:
    """A new account, linked to a member of staff if one is named (tellers must be)."""
    username = username.strip()
    if not username or len(username) > 64:
        raise Invalid("请填写用户名（不超过 64 个字符）")
    chosen = _role(role)
    staff = _staff(session, staff_code) if staff_code.strip() else None
    _check_seat(session, role=chosen, staff=staff, user_id=None)
    user = create_user(session, username=username, role=chosen, password=password)
    user.staff_id = staff.id if staff else None
    session.add(user)
    linked = f"，关联员工 {staff.name}（{staff.code}）" if staff else ""
    record_audit(
        session,
        actor=actor,
        action=AuditAction.user_create,
        subject=f"user:{username}",
        reason=f"角色：{ROLE_LABELS[chosen]}{linked}",
    )
    return user


def change_role(session: Session, *, actor: str, user_id: int, role: str) -> User:
    """Give an account another role (the next request already runs under it)."""
    user = _user(session, user_id)
    chosen = _role(role)
    before = Role(user.role)
    if chosen == before:
        return user
    if before == Role.admin:
        _keep_an_admin(
            session, user=user, actor=actor, own="不能更改自己的管理员角色", doing="改为其他角色"
        )
    staff = session.get(Staff, user.staff_id) if user.staff_id else None
    _check_seat(session, role=chosen, staff=staff, user_id=user.id)
    user.role = chosen
    session.add(user)
    record_audit(
        session,
        actor=actor,
        action=AuditAction.role_change,
        subject=f"user:{user.username}",
        reason=f"{ROLE_LABELS[before]} → {ROLE_LABELS[chosen]}",
    )
    return user


def link_staff(session: Session, *, actor: str, user_id: int, staff_code: str) -> User:
    """Link an account to a member of staff (an empty code unlinks it, if its role allows)."""
    user = _user(session, user_id)
    staff = _staff(session, staff_code) if staff_code.strip() else None
    _check_seat(session, role=Role(user.role), staff=staff, user_id=user.id)
    user.staff_id = staff.id if staff else None
    session.add(user)
    record_audit(
        session,
        actor=actor,
        action=AuditAction.staff_link,
        subject=f"user:{user.username}",
        reason=f"关联员工 {staff.name}（{staff.code}）" if staff else "取消关联员工档案",
    )
    return user


def set_active(session: Session, *, actor: str, user_id: int, active: bool, reason: str) -> User:
    """Disable an account (its tokens are revoked at once) or enable it again."""
    user = _user(session, user_id)
    if user.is_active == active:
        return user
    if not active:
        if not reason.strip():
            raise Invalid("停用账号须写明原因（如：调离、离职）")
        if Role(user.role) == Role.admin:
            _keep_an_admin(
                session, user=user, actor=actor, own="不能停用自己的管理员账号", doing="停用"
            )
        revoke_all(session, user_id=user.id or 0)
    else:
        _check_seat(
            session,
            role=Role(user.role),
            staff=session.get(Staff, user.staff_id) if user.staff_id else None,
            user_id=user.id,
            enabling=True,
        )
    user.is_active = active
    session.add(user)
    record_audit(
        session,
        actor=actor,
        action=AuditAction.user_enable if active else AuditAction.user_disable,
        subject=f"user:{user.username}",
        reason=reason.strip() or None,
    )
    return user


def reset_password(session: Session, *, actor: str, user_id: int, password: str) -> User:
    """Set a new password (at least 8 characters); the account's tokens are revoked."""
    user = _user(session, user_id)
    if len(password) < 8:
        raise Invalid("新密码至少需要 8 位")
    user.password_hash = hash_password(password)
    session.add(user)
    revoke_all(session, user_id=user.id or 0)
    record_audit(
        session, actor=actor, action=AuditAction.password_reset, subject=f"user:{user.username}"
    )
    return user


def _role(role: str) -> Role:
    if not role:
        raise Invalid("请选择角色")
    if role not in Role.__members__:
        known = "、".join(f"{r.value}（{label}）" for r, label in ROLE_LABELS.items())
        raise Invalid(f"未知角色 {role!r}，可选：{known}")
    return Role(role)


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"找不到账号（编号 {user_id}）")
    return user


def _staff(session: Session, code: str) -> Staff:
    staff = session.exec(select(Staff).where(Staff.code == code.strip())).first()
    if staff is None:
        raise NotFound(f"找不到员工编号 {code.strip()!r}，请先在员工档案中登记")
    return staff


def _check_seat(
    session: Session,
    *,
    role: Role,
    staff: Staff | None,
    user_id: int | None,
    enabling: bool = False,
) -> None:
    """Tellers and outlet heads need a staff record at an outlet, held by no other live account."""
    if role in SEATED:
        if staff is None:
            raise Invalid(f"{ROLE_LABELS[role]}账号须关联员工档案（填写员工编号）")
        if staff.outlet_id is None:
            raise Invalid(
                f"{staff.name}（{staff.code}）不属于任何网点，不能作为{ROLE_LABELS[role]}"
            )
    if staff is None:
        return
    holder = session.exec(
        select(User).where(
            User.staff_id == staff.id, col(User.is_active).is_(True), User.id != (user_id or 0)
        )
    ).first()
    if holder is not None:
        what = "启用" if enabling else "关联"
        held = f"{staff.name}（{staff.code}）已关联账号 {holder.username}"
        raise Conflict(f"{held}，不能再{what}；请先停用该账号")


def _keep_an_admin(session: Session, *, user: User, actor: str, own: str, doing: str) -> None:
    if user.username == actor:
        raise Forbidden(f"{own}；请由另一位系统管理员操作")
    admins = session.exec(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.admin, col(User.is_active).is_(True))
    ).one()
    if int(admins) <= 1:
        raise Forbidden(f"这是最后一个启用的系统管理员账号，不能{doing}")
