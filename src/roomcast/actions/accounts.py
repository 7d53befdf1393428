"""Sign up, log in and out, passwords, profiles, and server-side sessions."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
from dataclasses import replace
from datetime import timedelta

from argon2.exceptions import InvalidHashError, VerificationError

from roomcast.actions import notify, search
from roomcast.actions.context import Context
from roomcast.domain import tokens
from roomcast.domain.events import valid_zone, zone
from roomcast.domain.model import Contact, Topic, User, UserId
from roomcast.domain.notices import Channel, Kind, Notice, Prefs
from roomcast.errors import Conflict, Forbidden, Gone, NotAuthenticated, NotFound, RateLimited

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
        user = await uow.users.add(
            username.lower(), display_name or username, password_hash, is_admin, ctx.clock()
        )
        await search.person(uow, user)
        return user


async def signup(
    ctx: Context,
    username: str,
    password: str,
    display_name: str,
    ip: str,
    time_zone: str | None = None,
) -> tuple[User, str]:
    _refuse_if_over(ctx.limits["auth_ip"].take(ip, ctx.monotonic()))
    user = await create_user(ctx, username, password, display_name)
    if time_zone and valid_zone(time_zone):  # the browser's guess; settings can change it
        async with ctx.transaction() as uow:
            await uow.users.set_time_zone(user.id, time_zone)
        user = replace(user, time_zone=time_zone)
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
        changed = await uow.users.update_profile(user.id, display_name, bio)
        await search.person(uow, changed)
        return changed


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


# ---- where and how a person is told things -------------------------------------------------


async def set_time_zone(ctx: Context, user: User, time_zone: str) -> None:
    zone(time_zone)  # a clear error for a name the tz database lacks
    async with ctx.transaction() as uow:
        await uow.users.set_time_zone(user.id, time_zone)


async def topics(ctx: Context, user: User) -> frozenset[Topic]:
    async with ctx.transaction() as uow:
        return await uow.users.topics(user.id)


async def set_topics(ctx: Context, user: User, chosen: list[Topic]) -> frozenset[Topic]:
    async with ctx.transaction() as uow:
        await uow.users.set_topics(user.id, chosen)
        return await uow.users.topics(user.id)


async def contact(ctx: Context, user: User) -> Contact:
    async with ctx.transaction() as uow:
        return await uow.users.contact(user.id)


async def set_email(ctx: Context, user: User, email: str | None) -> Contact:
    """A new address waits for its confirmation link; None removes it."""
    if email is not None and not ctx.settings.smtp_host:
        raise Conflict("This server sends no email.", code="email_disabled", field="email")
    wait = ctx.limits["email"].take(str(user.id), ctx.monotonic())
    if wait > 0:
        raise RateLimited("You changed your email many times; wait a little.", retry_after=wait)
    async with ctx.transaction() as uow:
        current = await uow.users.contact(user.id)
        if email is not None and email == current.email and current.verified:
            return current
        await uow.users.set_email(user.id, email, None)
        if email is not None:
            await notify.queue_confirmation(ctx, uow, user.id, email)
        return await uow.users.contact(user.id)


async def confirm_email(ctx: Context, user_id: int, stamp: str, token: str) -> User:
    """The link in the confirmation email: good for its address, until it expires."""
    async with ctx.transaction() as uow:
        user = await uow.users.get(UserId(user_id))
        current = await uow.users.contact(UserId(user_id)) if user else Contact()
        email = current.email or ""
        ok = (
            user is not None
            and stamp.isdigit()
            and tokens.check(ctx.settings.secret, token, "confirm", str(user_id), email, stamp)
        )
        if not ok or user is None:
            raise NotFound(
                "This confirmation link is not valid (the address may have changed since).",
                code="bad_link",
            )
        if int(stamp) < ctx.clock().timestamp():
            raise Gone("This confirmation link has expired; ask for a new one in settings.")
        if not current.verified:
            await uow.users.set_email(user.id, email, ctx.clock())
        return user


async def prefs(ctx: Context, user: User) -> Prefs:
    async with ctx.transaction() as uow:
        return notify.prefs_of(await uow.users.prefs(user.id))


async def set_prefs(ctx: Context, user: User, table: dict[Kind, dict[Channel, bool]]) -> Prefs:
    async with ctx.transaction() as uow:
        current = notify.prefs_of(await uow.users.prefs(user.id))
        for kind, channels in table.items():
            for channel, on in channels.items():
                current = current.with_choice(kind, channel, on)
        await uow.users.set_prefs(user.id, json.dumps(dict(current.said), sort_keys=True))
        return current


async def unsubscribe(ctx: Context, user_id: int, kind: str, token: str) -> Kind:
    """One click from an email: no more emails of this kind."""
    if kind not in {k.value for k in Kind} or not tokens.check(
        ctx.settings.secret, token, "unsubscribe", str(user_id), kind
    ):
        raise NotFound("This unsubscribe link is not valid.", code="bad_link")
    async with ctx.transaction() as uow:
        if await uow.users.get(UserId(user_id)) is None:
            raise NotFound("This unsubscribe link is not valid.", code="bad_link")
        current = notify.prefs_of(await uow.users.prefs(UserId(user_id)))
        current = current.with_choice(Kind(kind), Channel.EMAIL, False)
        await uow.users.set_prefs(UserId(user_id), json.dumps(dict(current.said), sort_keys=True))
    return Kind(kind)


async def notices_of(ctx: Context, user: User, limit: int = 50) -> tuple[int, list[Notice]]:
    async with ctx.transaction() as uow:
        return await uow.notifications.unread(user.id), await uow.notifications.recent(
            user.id, limit
        )


async def mark_read(ctx: Context, user: User, ids: list[int] | None) -> int:
    async with ctx.transaction() as uow:
        await uow.notifications.mark_read(user.id, ids, ctx.clock())
        return await uow.notifications.unread(user.id)
