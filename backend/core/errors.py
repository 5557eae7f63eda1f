"""Domain errors raised by services; edges translate them (HTTP status, chat reply)."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    status_code = 422
    code = "validation_error"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class AuthenticationFailed(DomainError):
    status_code = 401
    code = "unauthorized"


class TooManyRequests(DomainError):
    """Throttled: the edge answers 429 with `Retry-After: retry_after` (seconds)."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = max(int(retry_after), 1)
