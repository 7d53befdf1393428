"""Accounts: sign up, log in and out, the CSRF token, one's own profile and password."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from roomcast.actions import accounts
from roomcast.web.deps import Ctx, SignedIn, client_ip, session_token, set_csrf, set_session
from roomcast.web.schemas import (
    CsrfOut,
    LoginIn,
    MeOut,
    Ok,
    PasswordIn,
    ProfileIn,
    SessionOut,
    SignupIn,
)

router = APIRouter(prefix="/api", tags=["accounts"])


@router.get("/csrf", response_model=CsrfOut, summary="Issue a CSRF token (also set as a cookie)")
async def get_csrf(request: Request, response: Response, ctx: Ctx) -> CsrfOut:
    return CsrfOut(csrf_token=set_csrf(response, ctx, session_token(request)))


@router.post(
    "/auth/signup",
    response_model=SessionOut,
    status_code=201,
    summary="Create an account and sign in",
)
async def signup(body: SignupIn, request: Request, response: Response, ctx: Ctx) -> SessionOut:
    user, token = await accounts.signup(
        ctx, body.username, body.password, body.display_name, client_ip(request), body.time_zone
    )
    return SessionOut(user=MeOut.of(user), csrf_token=set_session(response, ctx, token))


@router.post("/auth/login", response_model=SessionOut, summary="Sign in")
async def login(body: LoginIn, request: Request, response: Response, ctx: Ctx) -> SessionOut:
    user, token = await accounts.login(ctx, body.username, body.password, client_ip(request))
    return SessionOut(user=MeOut.of(user), csrf_token=set_session(response, ctx, token))


@router.post("/auth/logout", response_model=CsrfOut, summary="Sign out this session")
async def logout(request: Request, response: Response, ctx: Ctx) -> CsrfOut:
    token = session_token(request)
    if token:
        await accounts.logout(ctx, token)
    return CsrfOut(csrf_token=set_session(response, ctx, None))


@router.post(
    "/auth/password", response_model=Ok, summary="Change password; signs out every other session"
)
async def change_password(body: PasswordIn, request: Request, user: SignedIn, ctx: Ctx) -> Ok:
    await accounts.change_password(
        ctx, user, body.current_password, body.new_password, session_token(request)
    )
    return Ok()


@router.get("/me", response_model=MeOut, summary="The signed-in user")
async def me(user: SignedIn) -> MeOut:
    return MeOut.of(user)


@router.patch("/me", response_model=MeOut, summary="Edit one's profile")
async def edit_me(body: ProfileIn, user: SignedIn, ctx: Ctx) -> MeOut:
    return MeOut.of(await accounts.update_profile(ctx, user, body.display_name, body.bio))
