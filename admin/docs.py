"""The API description for signed-in people only (production): /docs and /openapi.json.

In development the app serves FastAPI's own open /docs; in production (HUIFANG_ENVIRONMENT=
production) those are turned off and these take their place, behind the sign-in, so the map of
every route is not handed to whoever asks.
"""

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from admin.access import PageUser
from kernel.auth import CurrentUser


def signed_in_docs(app: FastAPI) -> APIRouter:
    """Routes serving the app's API description to signed-in people (a page or a token)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/openapi.json")
    def openapi(_: CurrentUser) -> JSONResponse:
        """The OpenAPI description."""
        return JSONResponse(app.openapi())

    @router.get("/docs", response_class=HTMLResponse)
    def docs(_: PageUser) -> HTMLResponse:
        """Swagger UI over the description (those not signed in are sent to sign in first)."""
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} · API")

    return router
