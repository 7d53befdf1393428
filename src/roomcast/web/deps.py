"""FastAPI dependencies: the action context, who is asking, and session cookies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.requests import HTTPConnection

from roomcast.actions import accounts
from roomcast.actions.context import Context
from roomcast.domain.model import User
from roomcast.errors import NotAuthenticated
from roomcast.web import csrf

SESSION_COOKIE = "rc_session"
GUEST_COOKIE = "rc_guest"


def context(conn: HTTPConnection) -> Context:
    ctx: Context = conn.app.state.ctx
    return ctx


Ctx = Annotated[Context, Depends(context)]


def session_token(conn: HTTPConnection) -> str | None:
    token = conn.cookies.get(SESSION_COOKIE)
    return token if token and len(token) <= 128 else None


async def viewer(conn: HTTPConnection) -> User | None:
    """The signed-in user, or None. Looked up once per request."""
    if "viewer" not in conn.scope.setdefault("state", {}):
        token = session_token(conn)
        user = await accounts.user_for_session(context(conn), token) if token else None
        conn.scope["state"]["viewer"] = user
    found: User | None = conn.scope["state"]["viewer"]
    return found


async def signed_in(user: Annotated[User | None, Depends(viewer)]) -> User:
    if user is None:
        raise NotAuthenticated("Sign in first.", code="not_signed_in")
    return user


Viewer = Annotated[User | None, Depends(viewer)]
SignedIn = Annotated[User, Depends(signed_in)]


def guest_token(conn: HTTPConnection) -> str:
    """The browser's guest token (set by our pages), or "" when absent or malformed."""
    token = conn.cookies.get(GUEST_COOKIE) or ""
    ok = 8 <= len(token) <= 32 and token.replace("-", "").replace("_", "").isalnum()
    return token if ok else ""


GuestToken = Annotated[str, Depends(guest_token)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def set_session(response: Response, ctx: Context, token: str | None) -> str:
    """Set (or clear) the session cookie, with a CSRF token bound to it. Returns the token."""
    secure = ctx.settings.secure_cookies
    if token is None:
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax"
        )
    else:
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(ctx.settings.session_days * 86400),
            path="/",
            secure=secure,
            httponly=True,
            samesite="lax",
        )
    return set_csrf(response, ctx, token)


def set_csrf(response: Response, ctx: Context, session: str | None) -> str:
    token = csrf.new_token(ctx.settings.secret, session)
    # readable by our scripts (they copy it into a header); useless to other sites
    response.set_cookie(
        csrf.COOKIE,
        token,
        path="/",
        secure=ctx.settings.secure_cookies,
        httponly=False,
        samesite="strict",
    )
    return token
