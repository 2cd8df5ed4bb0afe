"""Signing in and out: failures throttled per name and per client, tokens revoked at sign-out.

A password guessed over and over is slowed to a handful of tries per quarter hour: after
`MAX_NAME_FAILURES` failures for one username, or `MAX_CLIENT_FAILURES` from one client, in
`FAILURE_WINDOW`, sign-in is refused (429) without checking the password, until the oldest
failure ages out. The failures are rows (`sign_in_failure`), so every server process and every
host counts the same ones; a successful sign-in clears its username's. Unknown usernames are
counted and answered like known ones, in the same time (kernel.auth.issue_token checks a
dummy hash), so the answers do not tell who has an account.
"""

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy import DateTime, delete, func
from sqlmodel import Field, Session, SQLModel, col, select

from kernel.audit import AuditAction, record_audit
from kernel.auth import (
    TOKEN_COOKIE,
    ApiToken,
    CurrentUser,
    issue_token,
    oauth2_scheme,
    token_digest,
)
from kernel.clock import utcnow
from kernel.db import SessionDep
from kernel.errors import DomainError

FAILURE_WINDOW = timedelta(minutes=15)
MAX_NAME_FAILURES = 5
MAX_CLIENT_FAILURES = 20


class SignInFailure(SQLModel, table=True):
    """One failed sign-in: the username tried (known or not) and the client it came from."""

    __tablename__ = "sign_in_failure"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    client: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=True)


class TokenPublic(BaseModel):
    access_token: str
    token_type: str = "bearer"


class SignInRefused(DomainError):
    """Wrong username or password (which of the two is never said)."""

    status_code = 401
    code = "sign_in_refused"


class SignInThrottled(DomainError):
    """Too many failures lately: wait, or ask an administrator."""

    status_code = 429
    code = "sign_in_throttled"


def _failures(
    session: Session, *, since: datetime, username: str | None, client: str | None
) -> int:
    query = select(func.count()).select_from(SignInFailure).where(SignInFailure.at >= since)
    if username is not None:
        query = query.where(SignInFailure.username == username)
    if client is not None:
        query = query.where(SignInFailure.client == client)
    return int(session.exec(query).one())


def sign_in(session: Session, *, username: str, password: str, client: str) -> str:
    """A new token; else SignInThrottled, or SignInRefused with the failure added to the session.

    The caller commits even when this raises SignInRefused, so that the failure is counted.
    """
    username, client = username.strip()[:64], (client or "unknown")[:64]
    since = utcnow() - FAILURE_WINDOW
    minutes = int(FAILURE_WINDOW.total_seconds() // 60)
    if (
        _failures(session, since=since, username=username, client=None) >= MAX_NAME_FAILURES
        or _failures(session, since=since, username=None, client=client) >= MAX_CLIENT_FAILURES
    ):
        raise SignInThrottled(
            f"登录失败次数过多，请 {minutes} 分钟后再试；如忘记密码，请联系系统管理员重置"
        )
    token = issue_token(session, username=username, password=password)
    if token is None:
        session.add(SignInFailure(username=username, client=client))
        record_audit(
            session,
            actor=username or "(空)",
            action=AuditAction.sign_in_failed,
            subject=f"client:{client}",
        )
        raise SignInRefused("用户名或密码错误，请重新输入")
    session.execute(delete(SignInFailure).where(col(SignInFailure.username) == username))
    return token


def sign_out(session: Session, *, token: str) -> bool:
    """Revoke one token (the one signing out); whether it was live."""
    found = session.exec(select(ApiToken).where(ApiToken.token_hash == token_digest(token))).first()
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def revoke_all(session: Session, *, user_id: int) -> int:
    """Revoke every token of a user (disabled, role changed, or signing out everywhere)."""
    result = session.execute(delete(ApiToken).where(col(ApiToken.user_id) == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def client_of(request: Request) -> str:
    """Where a request comes from, as counted by the throttle."""
    return request.client.host if request.client else "unknown"


def refused(error: SignInRefused | SignInThrottled) -> JSONResponse:
    """The API's answer to a refused sign-in (returned, not raised, so the failure is kept)."""
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, SignInRefused) else {}
    if isinstance(error, SignInThrottled):
        headers["Retry-After"] = str(int(FAILURE_WINDOW.total_seconds()))
    content = {"detail": error.message, "code": error.code}
    return JSONResponse(status_code=error.status_code, content=content, headers=headers)


router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/token", response_model=TokenPublic)
def login(
    request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep
) -> Response:
    """Exchange a username and password for a bearer token (throttled after repeated failures)."""
    try:
        token = sign_in(
            session, username=form.username, password=form.password, client=client_of(request)
        )
    except (SignInRefused, SignInThrottled) as error:
        return refused(error)
    return JSONResponse({"access_token": token, "token_type": "bearer"})


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    bearer: Annotated[str | None, Depends(oauth2_scheme)],
    everywhere: bool = False,
) -> dict[str, object]:
    """Revoke the token used (or, with everywhere=true, every token of the account)."""
    token = bearer or request.cookies.get(TOKEN_COOKIE) or ""
    revoked = (
        revoke_all(session, user_id=user.id or 0)
        if everywhere
        else int(sign_out(session, token=token))
    )
    return {"detail": "已退出登录", "revoked": revoked}
