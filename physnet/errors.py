"""Errors a client can cause, each with a stable code and a sentence for a person."""

from __future__ import annotations

from typing import Any


class PhysNetError(Exception):
    """Base for every refusal PhysNet explains to its caller."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


class BadRequest(PhysNetError):
    status = 400
    code = "bad_request"


class Unauthorized(PhysNetError):
    status = 401
    code = "unauthorized"


class Forbidden(PhysNetError):
    status = 403
    code = "forbidden"


class NotFound(PhysNetError):
    status = 404
    code = "not_found"


class Conflict(PhysNetError):
    status = 409
    code = "conflict"


class Invalid(PhysNetError):
    """Well-formed input that breaks a rule (empty body, bad channel name, ...)."""

    status = 422
    code = "invalid"


class RateLimited(PhysNetError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class Unavailable(PhysNetError):
    status = 503
    code = "unavailable"
