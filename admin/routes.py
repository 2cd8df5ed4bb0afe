"""The web UI (zh-CN): sign-in; the ranking pages live in admin.rankings."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from admin.access import PageUser, templates
from kernel.auth import ROLE_LABELS, TOKEN_COOKIE, TOKEN_LIFETIME, Capability, Role, User, can
from kernel.config import get_kernel_settings
from kernel.db import SessionDep
from kernel.signin import SignInRefused, SignInThrottled, client_of, sign_in, sign_out

router = APIRouter(include_in_schema=False)


# Where each person starts their day: the first of these pages they may open (the table in
# kernel.auth decides, so a role's start page can never be one that refuses it).
START_PAGES = (
    (Capability.read_dashboard, "/dashboard"),  # managers, admins
    (Capability.read_own_results, "/my/results"),  # tellers, outlet heads
    (Capability.work_cases, "/exceptions"),  # the 12329 hotline
    (Capability.record_inspection, "/inspections"),  # third-party inspectors
    (Capability.cast_ballot, "/ballots"),  # departments
    (Capability.read_rankings, "/rankings"),
)


def start_page(user: User) -> str | None:
    """The page a person starts on, or None when no page serves their role."""
    return next((path for capability, path in START_PAGES if can(user, capability)), None)


@router.get("/", response_class=HTMLResponse)
@router.get("/home", response_class=HTMLResponse)
def home(request: Request, user: PageUser) -> Response:
    """Send people to their own start page (those not signed in are sent to sign in first)."""
    path = start_page(user)
    if path is not None:
        return RedirectResponse(path, status_code=303)
    context = {"user": user, "role": ROLE_LABELS[Role(user.role)]}
    return templates.TemplateResponse(request, "home.html", context)


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
        secure=get_kernel_settings().cookies_secure(request.url.scheme),
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
