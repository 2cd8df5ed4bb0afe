"""Domain errors: services raise these; the app turns them into HTTP answers."""


class DomainError(Exception):
    """A request that cannot be honoured, with a message a person can act on."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class Invalid(DomainError):
    status_code = 422
    code = "invalid"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"
