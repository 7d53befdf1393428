"""Sign up, log in and out, passwords, profiles, and server-side sessions."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from datetime import timedelta

from argon2.exceptions import InvalidHashError, VerificationError

from roomcast.actions.context import Context
from roomcast.domain.model import User, UserId
from roomcast.errors import Conflict, Forbidden, NotAuthenticated, NotFound, RateLimited

logger = logging.getLogger(__name__)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


MAX_SLOWDOWN = 2.0  # seconds a sign-in may be held back while its username is under attack


def _refuse_if_over(wait: float) -> None:
    if wait > 0:
        raise RateLimited("Too many attempts. Try again in a moment.", retry_after=wait)


async def _limit_sign_in(ctx: Context, ip: str, username: str) -> None:
    """Before checking a password. An address gets so many attempts in all, and so many
    failures per username; strangers' failures elsewhere never refuse the owner, they only
    slow every attempt at that username a little (guessing stays expensive)."""
    now, name = ctx.monotonic(), username.lower()
    _refuse_if_over(ctx.limits["auth_failed"].wait(f"{name}\0{ip}", now))
    _refuse_if_over(ctx.limits["auth_ip"].take(ip, now))
    slowdown = ctx.limits["auth_slow"].wait(name, now)
    if slowdown > 0:
        await asyncio.sleep(min(slowdown, MAX_SLOWDOWN))


def _failed_sign_in(ctx: Context, ip: str, username: str) -> None:
    now, name = ctx.monotonic(), username.lower()
    ctx.limits["auth_failed"].take(f"{name}\0{ip}", now)
    ctx.limits["auth_slow"].take(name, now)


async def _new_session(ctx: Context, user_id: UserId) -> str:
    token = secrets.token_urlsafe(32)
    now = ctx.clock()
    async with ctx.transaction() as uow:
        await uow.sessions.add(
            token_hash(token), user_id, now, now + timedelta(days=ctx.settings.session_days)
        )
    return token


async def create_user(
    ctx: Context, username: str, password: str, display_name: str, *, is_admin: bool = False
) -> User:
    password_hash = await asyncio.to_thread(ctx.hasher.hash, password)
    async with ctx.transaction() as uow:
        if await uow.users.by_username(username) is not None:
            raise Conflict("That username is taken.", code="username_taken", field="username")
        return await uow.users.add(
            username.lower(), display_name or username, password_hash, is_admin, ctx.clock()
        )


async def signup(
    ctx: Context, username: str, password: str, display_name: str, ip: str
) -> tuple[User, str]:
    _refuse_if_over(ctx.limits["auth_ip"].take(ip, ctx.monotonic()))
    user = await create_user(ctx, username, password, display_name)
    logger.info("user %s signed up", user.id)
    return user, await _new_session(ctx, user.id)


async def _verify(ctx: Context, password_hash: str | None, password: str) -> bool:
    try:
        return await asyncio.to_thread(ctx.hasher.verify, password_hash or ctx.dummy_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def login(ctx: Context, username: str, password: str, ip: str) -> tuple[User, str]:
    await _limit_sign_in(ctx, ip, username)
    async with ctx.transaction() as uow:
        user = await uow.users.by_username(username)
        stored = await uow.users.password_hash(user.id) if user else None
    if not await _verify(ctx, stored, password) or user is None or stored is None:
        _failed_sign_in(ctx, ip, username)
        raise NotAuthenticated("Wrong username or password.", code="bad_credentials")
    if user.suspended:
        raise Forbidden("This account is suspended.", code="suspended")
    if ctx.hasher.check_needs_rehash(stored):
        new_hash = await asyncio.to_thread(ctx.hasher.hash, password)
        async with ctx.transaction() as uow:
            await uow.users.set_password_hash(user.id, new_hash)
    return user, await _new_session(ctx, user.id)


async def logout(ctx: Context, token: str) -> None:
    async with ctx.transaction() as uow:
        await uow.sessions.delete(token_hash(token))


async def user_for_session(ctx: Context, token: str) -> User | None:
    async with ctx.transaction() as uow:
        user = await uow.sessions.user(token_hash(token), ctx.clock())
    return None if user is None or user.suspended else user


async def change_password(
    ctx: Context, user: User, current: str, new: str, token: str | None
) -> None:
    """Change a password and sign out every other session of this user."""
    async with ctx.transaction() as uow:
        stored = await uow.users.password_hash(user.id)
    if not await _verify(ctx, stored, current):
        raise NotAuthenticated(
            "Your current password is not right.", code="bad_credentials", field="current_password"
        )
    new_hash = await asyncio.to_thread(ctx.hasher.hash, new)
    async with ctx.transaction() as uow:
        await uow.users.set_password_hash(user.id, new_hash)
        await uow.sessions.delete_for_user(user.id, keep=token_hash(token) if token else None)


async def update_profile(ctx: Context, user: User, display_name: str, bio: str) -> User:
    async with ctx.transaction() as uow:
        return await uow.users.update_profile(user.id, display_name, bio)


async def profile(ctx: Context, username: str) -> User:
    async with ctx.transaction() as uow:
        user = await uow.users.by_username(username)
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    return user


async def make_admin(ctx: Context, username: str, password: str | None) -> User:
    """`roomcast admin create`: a new admin, or promote an existing user."""
    async with ctx.transaction() as uow:
        existing = await uow.users.by_username(username)
        if existing is not None:
            await uow.users.set_admin(existing.id, True)
            found = await uow.users.get(existing.id)
            assert found is not None
            return found
    if password is None:
        raise NotFound("No such user; give a password to create one.", code="user_not_found")
    return await create_user(ctx, username, password, username, is_admin=True)


async def all_users(ctx: Context) -> list[User]:
    async with ctx.transaction() as uow:
        return await uow.users.all()
