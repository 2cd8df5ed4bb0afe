"""Security headers on every answer: what a browser may load, frame or guess about our pages.

- Content-Security-Policy: scripts, styles, images, audio and connections from our own origin
  only (ECharts is served from /static, no CDN); inline styles are allowed (the templates use
  them), inline scripts are not; no page may be framed (`frame-ancestors 'none'`), and forms
  post only to us.
- X-Content-Type-Options: nosniff, so an uploaded photo is never run as a script.
- Referrer-Policy: strict-origin-when-cross-origin. Not `no-referrer`: with it Chrome sends
  `Origin: null` on our own form posts, and the CSRF check (kernel.csrf) rightly refuses them.
- X-Frame-Options: DENY for browsers that predate frame-ancestors.
- Strict-Transport-Security when the request came over https.

The RQ dashboard (/admin/rq, a Flask app we do not write) and the API description (/docs,
/redoc: Swagger UI and ReDoc load from their CDN) need inline and CDN scripts; they get a
policy that allows them, and still may not be framed.
"""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
LOOSE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "font-src 'self' data: https://fonts.gstatic.com",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "frame-ancestors 'none'",
    )
)
LOOSE_PATHS = ("/admin/rq", "/docs", "/redoc")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def policy_for(path: str) -> str:
    """The Content-Security-Policy of a path."""
    return LOOSE_POLICY if path.startswith(LOOSE_PATHS) else POLICY


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP answer (one the app already set is kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = policy_for(scope.get("path", ""))
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, with_headers)
