"""Pure ASGI middleware: CSRF checks, body size limits and security headers."""

from __future__ import annotations

import json
import logging
import re
from http.cookies import SimpleCookie

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from roomcast.errors import CsrfFailed, PayloadTooLarge, RoomcastError
from roomcast.web import csrf
from roomcast.web.deps import SESSION_COOKIE

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# one-click unsubscribe (RFC 8058): mail apps POST without our cookies; the signed link is
# the authority there
# the payment provider's webhook: signed by the provider, checked in actions/payments.py
CSRF_EXEMPT = frozenset({"/email/unsubscribe", "/api/payments/stripe/webhook"})

# One inline stylesheet is allowed, by its hash: the progress bar's of the vendored Turbo
# (static/vendor/turbo, pinned; the hash changes only with its version).
TURBO_PROGRESS_CSS = "'sha256-WAyOw4V+FqDc35lQPyRADLBWbuNK8ahvYEaQIYF1+Ps='"
CSP = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {TURBO_PROGRESS_CSS}; "
    "img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


async def send_error(send: Send, error: RoomcastError) -> None:
    body = json.dumps({"error": error.to_dict()}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    retry = error.data.get("retry_after")
    if retry is not None:
        headers.append((b"retry-after", str(retry).encode()))
    await send({"type": "http.response.start", "status": error.http_status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _cookies(headers: Headers) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:
        return {}
    return {k: v.value for k, v in jar.items()}


class UnexpectedErrorMiddleware:
    """A bug or a failing database answers a plain JSON 500 (the traceback goes to the log,
    never to the client) and, unlike an exception left to the server, keeps the client's
    keep-alive connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            logger.exception("unexpected error on %s %s", scope["method"], scope["path"])
            if started:  # part of a response went out already: only closing is left
                raise
            body = json.dumps(
                {
                    "error": {
                        "code": "internal_error",
                        "message": "Something went wrong on our side; it is logged.",
                    }
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})


class CsrfMiddleware:
    """Every state-changing HTTP request must echo the CSRF cookie in the X-CSRF-Token header."""

    def __init__(self, app: ASGIApp, secret: bytes) -> None:
        self.app, self.secret = app, secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and scope["path"] not in CSRF_EXEMPT
        ):
            headers = Headers(scope=scope)
            cookies = _cookies(headers)
            token = headers.get(csrf.HEADER)
            if not token or token != cookies.get(csrf.COOKIE):
                await send_error(
                    send,
                    CsrfFailed(
                        "Missing or mismatched CSRF token: send the rc_csrf cookie's value in the "
                        "X-CSRF-Token header (GET /api/csrf issues one)."
                    ),
                )
                return
            if not csrf.valid(self.secret, token, cookies.get(SESSION_COOKIE)):
                await send_error(
                    send,
                    CsrfFailed("Stale CSRF token (the session changed): reload, or GET /api/csrf."),
                )
                return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Refuse request bodies larger than the limit, declared or streamed. Uploads (show
    artwork, club images) have limits of their own, by path (a regular expression)."""

    def __init__(self, app: ASGIApp, max_bytes: int, uploads: dict[str, int] | None = None) -> None:
        self.app, self.default = app, max_bytes
        self.uploads = [(re.compile(p), n) for p, n in (uploads or {}).items()]

    def _limit(self, path: str) -> int:
        return next((n for p, n in self.uploads if p.fullmatch(path)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope["path"])
        too_large = PayloadTooLarge(f"Request body over {max_bytes} bytes.")
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
            await send_error(send, too_large)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:  # FastAPI passes HTTPException through body parsing
                    raise HTTPException(413, too_large.message)
            return message

        await self.app(scope, limited, send)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                names = {k.lower() for k, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                    (b"permissions-policy", b"microphone=(self), camera=(), geolocation=()"),
                    (b"content-security-policy", CSP.encode()),
                ]
                headers.extend((k, v) for k, v in extra if k not in names)
            await send(message)

        await self.app(scope, receive, with_headers)
