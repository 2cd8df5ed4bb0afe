"""Twilio's legacy REST error bodies: {code, message, more_info, status}."""

from fastapi import Request
from fastapi.responses import JSONResponse


class TwilioApiError(Exception):
    """An error the REST API answers with, exactly as Twilio words it."""

    def __init__(self, *, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_body(*, status: int, code: int, message: str) -> dict[str, object]:
    """The JSON Twilio sends with a 4xx answer."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


async def handle_twilio_error(_request: Request, exc: Exception) -> JSONResponse:
    """Turn a TwilioApiError into Twilio's error JSON."""
    assert isinstance(exc, TwilioApiError)
    body = error_body(status=exc.status, code=exc.code, message=exc.message)
    headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if exc.status == 401 else None
    return JSONResponse(body, status_code=exc.status, headers=headers)


def not_found(path: str) -> TwilioApiError:
    """Twilio's 20404 for an unknown resource."""
    return TwilioApiError(
        status=404, code=20404, message=f"The requested resource {path} was not found"
    )


def unauthorized() -> TwilioApiError:
    """Twilio's 20003 for missing or wrong credentials."""
    return TwilioApiError(status=401, code=20003, message="Authenticate")


def bad_request(code: int, message: str) -> TwilioApiError:
    """A 400 validation error with Twilio's code."""
    return TwilioApiError(status=400, code=code, message=message)
