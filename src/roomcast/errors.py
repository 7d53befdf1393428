"""One error tree for the whole server. Each error knows its HTTP status and a stable code.

Hierarchy:
    RoomcastError
    ├── BadRequest (400)            ├── NotFound (404)
    ├── NotAuthenticated (401)      ├── Conflict (409)
    ├── Forbidden (403)             ├── Gone (410): the room has ended
    │   └── CsrfFailed (403)        ├── PayloadTooLarge (413)
    ├── RateLimited (429, carries retry_after seconds)
    └── Unavailable (503): a service we depend on (the payment provider) failed

This module is pure (no I/O): the domain raises these too. One handler in web/app.py turns
them into JSON ``{"error": {"code", "message", ...data}}``.
"""

from __future__ import annotations

from typing import Any


class RoomcastError(Exception):
    http_status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.data}


class BadRequest(RoomcastError):
    http_status = 400
    code = "bad_request"


class NotAuthenticated(RoomcastError):
    http_status = 401
    code = "not_authenticated"


class Forbidden(RoomcastError):
    http_status = 403
    code = "forbidden"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class NotFound(RoomcastError):
    http_status = 404
    code = "not_found"


class Conflict(RoomcastError):
    http_status = 409
    code = "conflict"


class Gone(RoomcastError):
    http_status = 410
    code = "gone"


class PayloadTooLarge(RoomcastError):
    http_status = 413
    code = "payload_too_large"


class RateLimited(RoomcastError):
    http_status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, retry_after=max(1, round(retry_after + 0.5)))
        self.retry_after = int(self.data["retry_after"])


class Unavailable(RoomcastError):
    http_status = 503
    code = "unavailable"
