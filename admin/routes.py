"""The web UI (zh-CN): sign-in; the ranking pages live in admin.rankings."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from admin.access import PageUser, templates
from kernel.auth import TOKEN_COOKIE, TOKEN_LIFETIME, Role
from kernel.db import SessionDep
from kernel.signin import SignInRefused, SignInThrottled, client_of, sign_in, sign_out

router = APIRouter(include_in_schema=False)


# Where each role starts its day; the rest start on the rankings.
HOME_PAGES = {
    Role.admin: "/dashboard",
    Role.manager: "/dashboard",
    Role.teller: "/my/results",
    Role.outlet_head: "/my/results",
}


@router.get("/", response_class=HTMLResponse)
def home(user: PageUser) -> Response:
    """Send people to their own start page (those not signed in are sent to sign in first)."""
    return RedirectResponse(HOME_PAGES.get(Role(user.role), "/rankings"), status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    """The sign-in form."""
    return templates.TemplateResponse(request, "login.html", {"error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
) -> Response:
    """Check the password and set the session cookie (throttled after repeated failures)."""
    try:
        token = sign_in(session, username=username, password=password, client=client_of(request))
    except (SignInRefused, SignInThrottled) as error:
        # Answered, not raised: the request's session commits, so the failure is counted.
        context = {"error": error.message, "username": username}
        return templates.TemplateResponse(
            request, "login.html", context, status_code=error.status_code
        )
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=int(TOKEN_LIFETIME.total_seconds()),
    )
    return response


@router.post("/logout", response_class=HTMLResponse)
def logout(request: Request, session: SessionDep) -> Response:
    """Revoke this browser's token and forget the cookie (a stale one signs out the same)."""
    token = request.cookies.get(TOKEN_COOKIE)
    if token:
        sign_out(session, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, httponly=True, samesite="strict")
    return response
