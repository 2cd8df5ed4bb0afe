"""账号管理 (/admin/users): admins create accounts, link them to staff, change roles, disable."""

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from admin.access import render_form, require_page
from admin.users import service
from core_ledger.org.models import Outlet, Staff
from kernel.auth import ROLE_LABELS, Capability, User
from kernel.db import SessionDep
from kernel.errors import DomainError

router = APIRouter(prefix="/admin/users", include_in_schema=False)
AdminPageUser = Annotated[User, Depends(require_page(Capability.manage_users))]


def _page(
    request: Request,
    session: Session,
    user: User,
    *,
    role: str = "",
    q: str = "",
    notice: str = "",
    error: DomainError | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    staff = session.exec(select(Staff, Outlet).join(Outlet, isouter=True).order_by(col(Staff.code)))
    context = {
        "user": user,
        "accounts": service.list_accounts(session, role=role or None, q=q),
        "roles": ROLE_LABELS,
        "staff": list(staff),
        "role": role,
        "q": q,
        "notice": notice,
        "error": error.message if error else None,
        "form": form or {},
    }
    return render_form(request, "users.html", context, error=error)


@router.get("", response_class=HTMLResponse)
def users(
    request: Request,
    session: SessionDep,
    user: AdminPageUser,
    role: str = "",
    q: str = "",
    notice: str = "",
) -> Response:
    """Every account with its role, person and state, and the forms that change them."""
    return _page(request, session, user, role=role, q=q, notice=notice)


def _act(
    request: Request,
    session: Session,
    user: User,
    change: Callable[[], User],
    done: str,
    form: dict[str, str] | None = None,
) -> Response:
    """Make a change; back to the list saying what was done, or the list with why not."""
    try:
        changed = change()
    except DomainError as error:
        session.rollback()
        return _page(request, session, user, error=error, form=form)
    notice = urlencode({"notice": done.format(username=changed.username)})
    return RedirectResponse(f"/admin/users?{notice}", status_code=303)


@router.post("", response_class=HTMLResponse)
def create(
    request: Request,
    session: SessionDep,
    user: AdminPageUser,
    username: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    staff_code: Annotated[str, Form()] = "",
) -> Response:
    """Create an account (the password is given to its holder, who signs in with it)."""
    return _act(
        request,
        session,
        user,
        lambda: service.add_account(
            session,
            actor=user.username,
            username=username,
            role=role,
            password=password,
            staff_code=staff_code,
        ),
        "已创建账号 {username}",
        form={"username": username, "role": role, "staff_code": staff_code},
    )


@router.post("/{user_id}/role", response_class=HTMLResponse)
def role(
    request: Request,
    session: SessionDep,
    user: AdminPageUser,
    user_id: int,
    role: Annotated[str, Form()] = "",
) -> Response:
    """Change an account's role."""
    return _act(
        request,
        session,
        user,
        lambda: service.change_role(session, actor=user.username, user_id=user_id, role=role),
        "已变更 {username} 的角色",
    )


@router.post("/{user_id}/staff", response_class=HTMLResponse)
def staff(
    request: Request,
    session: SessionDep,
    user: AdminPageUser,
    user_id: int,
    staff_code: Annotated[str, Form()] = "",
) -> Response:
    """Link an account to a member of staff (or unlink it)."""
    return _act(
        request,
        session,
        user,
        lambda: service.link_staff(
            session, actor=user.username, user_id=user_id, staff_code=staff_code
        ),
        "已更新 {username} 关联的员工档案",
    )


@router.post("/{user_id}/active", response_class=HTMLResponse)
def active(
    request: Request,
    session: SessionDep,
    user: AdminPageUser,
    user_id: int,
    active: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Disable an account (with why) or enable it again."""
    enable = active == "1"
    return _act(
        request,
        session,
        user,
        lambda: service.set_active(
            session, actor=user.username, user_id=user_id, active=enable, reason=reason
        ),
        "已启用账号 {username}" if enable else "已停用账号 {username}，其登录已全部失效",
    )


@router.post("/{user_id}/password", response_class=HTMLResponse)
def password(
    request: Request,
    session: SessionDep,
    user: AdminPageUser,
    user_id: int,
    password: Annotated[str, Form()] = "",
) -> Response:
    """Set a new password for an account (its holder signs in again)."""
    return _act(
        request,
        session,
        user,
        lambda: service.reset_password(
            session, actor=user.username, user_id=user_id, password=password
        ),
        "已重置 {username} 的密码，其登录已全部失效",
    )
