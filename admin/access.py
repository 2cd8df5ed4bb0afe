"""Who may open a web page: the API's sign-in and role checks, answered as pages instead of JSON.

A page depends on `PageUser` (anyone signed in) or on `require_page(Capability.x)`, which
reads the same permission table as the API's `require` (kernel.auth.PERMISSIONS); the app
factory registers `sign_in_first` and `forbidden_page` as the handlers of the two exceptions
they raise. Only the
sign-in failure (`current_user`'s 401) is turned into a redirect: anything else, a database
that cannot be reached among them, stays an error and is not mistaken for "not signed in".
"""

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from kernel.auth import ROLE_LABELS, Capability, Role, User, can, current_user
from kernel.clock import local
from kernel.csrf import csrf_field
from kernel.db import SessionDep
from kernel.errors import DomainError
from kernel.phone import mask

# The one template environment of every page, with the helpers every page may use.
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals["csrf_field"] = pass_context(lambda context: csrf_field(context["request"]))
templates.env.filters["local"] = lambda m: f"{local(m):%Y-%m-%d %H:%M}" if m else "—"
templates.env.filters["mask"] = mask


@pass_context
def _can(context: Mapping[str, Any], capability: str) -> bool:
    """`{% if can("work_cases") %}`: whether the page's signed-in user may do it."""
    user = context.get("user")
    return isinstance(user, User) and can(user, Capability(capability))


templates.env.globals["can"] = _can


def render_form(
    request: Request, name: str, context: dict[str, Any], *, error: DomainError | None
) -> Response:
    """A page with a form; after a refusal, the refusal's 4xx status with the form kept."""
    return templates.TemplateResponse(
        request, name, context, status_code=error.status_code if error else 200
    )


class SignInRequired(Exception):
    """A page was asked for without a live sign-in; answered by a redirect to /login."""


class PageForbidden(Exception):
    """The signed-in user's role may not open the page; answered by a 403 page."""

    def __init__(self, user: User) -> None:
        # Plain values: by the time the handler runs, the request's session has rolled back.
        self.username, self.role = user.username, Role(user.role)
        super().__init__(f"{self.username} ({self.role}) may not open this page")


def page_user(request: Request, session: SessionDep) -> User:
    """The signed-in user of a web page (by the session cookie)."""
    try:
        return current_user(request, session, None)
    except HTTPException as error:
        if error.status_code != status.HTTP_401_UNAUTHORIZED:
            raise
        raise SignInRequired() from error


PageUser = Annotated[User, Depends(page_user)]


@cache
def require_page(capability: Capability) -> Callable[[User], User]:
    """The page dependency for one capability (the same table as the API's `require`)."""

    def check(user: PageUser) -> User:
        if not can(user, capability):
            raise PageForbidden(user)
        return user

    check.capability = capability  # type: ignore[attr-defined]
    return check


def sign_in_first(_: Request, error: Exception) -> Response:
    """Send someone who is not signed in to the sign-in form."""
    assert isinstance(error, SignInRequired)
    return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)


def forbidden_page(request: Request, error: Exception) -> Response:
    """Tell a signed-in user that their role may not open the page."""
    assert isinstance(error, PageForbidden)
    context = {
        "user": {"username": error.username, "role": error.role},
        "message": f"当前账号（{ROLE_LABELS[error.role]}）无权查看此页面",
    }
    return templates.TemplateResponse(
        request, "forbidden.html", context, status_code=status.HTTP_403_FORBIDDEN
    )
