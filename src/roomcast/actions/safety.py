"""Safety: blocks between people, reports, and the admins' review queue with suspensions."""

from __future__ import annotations

from dataclasses import replace

from roomcast.actions import search
from roomcast.actions.context import Context
from roomcast.actions.stage import save
from roomcast.bus import room_channel, user_channel
from roomcast.domain.identity import user_key
from roomcast.domain.model import Ban, PublicUser, Report, RoomId, User, UserId
from roomcast.domain.stage import put_out
from roomcast.domain.updates import AccountSuspended, FiltersChanged, ParticipantRemoved
from roomcast.errors import BadRequest, Conflict, Forbidden, NotFound, RateLimited


async def _someone(ctx: Context, username: str) -> User:
    async with ctx.transaction() as uow:
        user = await uow.users.by_username(username)
    if user is None:
        raise NotFound("No such user.", code="user_not_found")
    return user


async def block(ctx: Context, me: User, username: str, blocked: bool) -> None:
    """Blocked people cannot join rooms you host, and are put out of your live rooms at
    once; neither of you sees the other's chat or questions, from now on, on open sockets."""
    other = await _someone(ctx, username)
    if other.id == me.id:
        raise BadRequest("You cannot block yourself.", code="block_self")
    async with ctx.transaction() as uow:
        if blocked:
            await uow.users.block(me.id, other.id, ctx.clock())
            # neither hears of the other any more: no follows, no reminders of my events
            await uow.follows.unfollow_both_ways(me.id, other.id)
            await uow.events.drop_rsvps_to_host(other.id, me.id)
            for room in await uow.rooms.live_hosted_by(me.id):
                there = await uow.participants.get(room.id, user_key(other.id), uow.users)
                if there is not None:
                    out = put_out(room, there, ParticipantRemoved(there.key, False))
                    await save(ctx, uow, room, out)
        else:
            await uow.users.unblock(me.id, other.id)
        pair = frozenset({me.id, other.id})
        for room_id in await uow.participants.rooms_of(list(pair)):
            uow.publish(room_channel(room_id), FiltersChanged(pair))


async def bans(ctx: Context, me: User) -> list[Ban]:
    """The people and guests banned from my rooms."""
    async with ctx.transaction() as uow:
        return await uow.bans.of_host(me.id, uow.users)


async def lift_ban(ctx: Context, me: User, ban_id: int) -> None:
    """They may come to my rooms again, my live ones included."""
    async with ctx.transaction() as uow:
        try:
            user_id, device = await uow.bans.lift(me.id, ban_id)
        except LookupError:
            raise NotFound("No such ban.", code="ban_not_found") from None
        live = [r.id for r in await uow.rooms.live_hosted_by(me.id)]
        await uow.removals.lift(live, user_id, device)


async def has_blocked(ctx: Context, me: User, other: User) -> bool:
    async with ctx.transaction() as uow:
        return await uow.users.is_blocked(me.id, other.id)


async def blocks(ctx: Context, me: User) -> list[PublicUser]:
    async with ctx.transaction() as uow:
        return await uow.users.blocked_by(me.id)


async def hidden_from(ctx: Context, viewer: User | None) -> frozenset[UserId]:
    """Authors whose chat this viewer does not see (blocked either way)."""
    if viewer is None:
        return frozenset()
    async with ctx.transaction() as uow:
        return frozenset(await uow.users.blocked_either_way(viewer.id))


async def report(
    ctx: Context, me: User, reason: str, username: str | None, room_id: str | None
) -> int:
    if (username is None) == (room_id is None):
        raise BadRequest("Report one user or one room.", code="bad_report")
    wait = ctx.limits["report"].take(str(me.id), ctx.monotonic())
    if wait > 0:
        raise RateLimited("You have sent many reports; try again later.", retry_after=wait)
    async with ctx.transaction() as uow:
        user = await uow.users.by_username(username) if username else None
        if username and user is None:
            raise NotFound("No such user.", code="user_not_found")
        if room_id and await uow.rooms.get(room_id) is None:
            raise NotFound("No such room.", code="room_not_found")
        return await uow.reports.add(
            me.id,
            reason,
            ctx.clock(),
            user.id if user else None,
            RoomId(room_id) if room_id else None,
        )


def _admin(me: User) -> None:
    if not me.is_admin:
        raise Forbidden("Only admins review reports.", code="not_admin")


async def queue(ctx: Context, me: User, include_resolved: bool = False) -> list[Report]:
    _admin(me)
    async with ctx.transaction() as uow:
        return await uow.reports.queue(uow.users, include_resolved)


async def suspend(ctx: Context, me: User, username: str, suspended: bool) -> None:
    """A suspended account is signed out everywhere and cannot sign in or take part."""
    _admin(me)
    target = await _someone(ctx, username)
    if target.is_admin and suspended:
        raise Conflict(
            "Admins cannot be suspended; remove the admin role first.", code="admin_target"
        )
    async with ctx.transaction() as uow:
        await uow.users.set_suspended(target.id, ctx.clock() if suspended else None)
        await search.person(uow, replace(target, suspended=suspended))
        if suspended:
            await uow.sessions.delete_for_user(target.id)
            uow.publish(user_channel(target.id), AccountSuspended())


async def resolve(ctx: Context, me: User, report_id: int, action: str) -> None:
    _admin(me)
    async with ctx.transaction() as uow:
        found = await uow.reports.get(report_id, uow.users)
        if found is None:
            raise NotFound("No such report.", code="report_not_found")
        if found.resolved:
            raise Conflict("This report was already resolved.", code="already_resolved")
    if action == "suspend":
        if found.user is None:
            raise BadRequest("This report is about a room, not a user.", code="no_user")
        await suspend(ctx, me, found.user.username, True)
    async with ctx.transaction() as uow:
        await uow.reports.resolve(
            report_id, me.id, "suspended" if action == "suspend" else "dismissed", ctx.clock()
        )
