"""Following people: follow, unfollow, who follows whom."""

from __future__ import annotations

from dataclasses import dataclass

from roomcast.actions import notify
from roomcast.actions.context import Context
from roomcast.domain import notices
from roomcast.domain.model import PublicUser, User
from roomcast.errors import BadRequest, Forbidden, NotFound, RateLimited


@dataclass(frozen=True, slots=True)
class Standing:
    """A profile's follow numbers, and where the viewer stands."""

    followers: int
    following: int
    you_follow: bool = False
    follows_you: bool = False


async def _target(ctx: Context, username: str) -> User:
    async with ctx.transaction() as uow:
        user = await uow.users.by_username(username)
    if user is None or user.suspended:
        raise NotFound("No such user.", code="user_not_found")
    return user


async def follow(ctx: Context, me: User, username: str) -> Standing:
    """Follow someone: their live rooms and new events reach me. They hear of it once."""
    other = await _target(ctx, username)
    if other.id == me.id:
        raise BadRequest("You cannot follow yourself.", code="follow_self")
    wait = ctx.limits["follow"].take(str(me.id), ctx.monotonic())
    if wait > 0:
        raise RateLimited("You have followed many people at once; wait a little.", retry_after=wait)
    async with ctx.transaction() as uow:
        if await uow.users.is_blocked(other.id, me.id) or await uow.users.is_blocked(
            me.id, other.id
        ):
            raise Forbidden("You cannot follow this person.", code="blocked")
        new = await uow.follows.follow(me.id, other.id, ctx.clock())
        if new:
            draft = notices.follow(me.id, me.display_name, me.username)
            await notify.announce(ctx, uow, draft, [(notify.PEOPLE, [other.id])])
    return await standing(ctx, other, me)


async def unfollow(ctx: Context, me: User, username: str) -> Standing:
    other = await _target(ctx, username)
    async with ctx.transaction() as uow:
        await uow.follows.unfollow(me.id, other.id)
    return await standing(ctx, other, me)


async def standing(ctx: Context, person: User, viewer: User | None) -> Standing:
    async with ctx.transaction() as uow:
        followers, following = await uow.follows.counts(person.id)
        if viewer is None or viewer.id == person.id:
            return Standing(followers, following)
        return Standing(
            followers,
            following,
            await uow.follows.follows(viewer.id, person.id),
            await uow.follows.follows(person.id, viewer.id),
        )


async def followers(ctx: Context, username: str, after: int = 0) -> list[PublicUser]:
    person = await _target(ctx, username)
    async with ctx.transaction() as uow:
        return await uow.follows.followers(person.id, after=after)


async def following(ctx: Context, username: str, after: int = 0) -> list[PublicUser]:
    person = await _target(ctx, username)
    async with ctx.transaction() as uow:
        return await uow.follows.following(person.id, after=after)
