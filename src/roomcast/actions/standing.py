"""Someone at a room's door: their key, their browser, and their standing as the rules see
it (an `Actor`). Built here, in one place, for every door (the page, the room socket, the
media offer) and every action in the room. In a club's room, their standing in the club
(member, moderator, banned) is part of it; in a ticketed room, whether they hold a ticket.

A guest is known by their browser's token (an HttpOnly cookie). Their key is an opaque
per-room HMAC of it; their device id, another HMAC, ties the browser to the accounts used
in it, so that someone removed, banned or blocked who signs out is still known.
"""

from __future__ import annotations

from dataclasses import dataclass

from roomcast.actions.context import Context
from roomcast.domain import clubs as club_rules
from roomcast.domain.identity import device_id, guest_key, user_key
from roomcast.domain.model import Role, Room, User
from roomcast.domain.permissions import Actor
from roomcast.store import UnitOfWork


@dataclass(frozen=True, slots=True)
class Visitor:
    key: str
    device: str | None  # None: no browser token (a non-browser client)
    actor: Actor


def _key(ctx: Context, room_id: str, viewer: User | None, token: str) -> str:
    """ "" for a guest without a browser token: nobody present has that key."""
    if viewer is not None:
        return user_key(viewer.id)
    return guest_key(ctx.settings.secret, room_id, token) if token else ""


def device_of(ctx: Context, token: str) -> str | None:
    return device_id(ctx.settings.secret, token) if token else None


async def visitor(
    ctx: Context, uow: UnitOfWork, room: Room, viewer: User | None, token: str
) -> Visitor:
    """Who is at the door of `room`, with their role there (if present) and standing. The
    one place an `Actor` is made."""
    key = _key(ctx, room.id, viewer, token)
    if not key:  # a client without cookies: only what any guest may do
        return Visitor(key, None, Actor(None, is_guest=True))
    device = device_of(ctx, token)
    role = await uow.participants.present_role(room.id, key)
    if viewer is not None and viewer.id == room.host_id:
        return Visitor(key, device, Actor(Role.HOST, is_admin=viewer.is_admin))
    devices = [device] if device else []
    if viewer is not None:
        accounts = [viewer.id]
    else:  # the accounts used in this browser: signing out does not make them new
        accounts = await uow.devices.accounts(device) if device else []
    club_role = None
    if room.club_id is not None and viewer is not None:
        club_role = await uow.clubs.role(room.club_id, viewer.id)
    ticket = kept_part = False
    if room.ticketed and viewer is not None:
        # a ticket, or a part kept for them: an event's co-host (reserved as a moderator)
        # or someone brought on stage who reconnects
        kept = await uow.participants.role(room.id, key)
        kept_part = kept is not None and kept.on_stage
        sale = await uow.sales.of_room(room.id)
        ticket = sale is not None and await uow.tickets.valid(sale.id, viewer.id)
    actor = Actor(
        role,
        is_admin=viewer.is_admin if viewer else False,
        is_guest=viewer is None,
        suspended=viewer.suspended if viewer else False,
        removed=await uow.removals.is_removed(room.id, key, accounts, devices),
        banned=await uow.bans.is_banned(room.host_id, accounts, devices),
        blocked_by_host=await uow.users.blocks_any(room.host_id, accounts),
        club_member=club_role is not None,
        club_moderator=club_rules.room_role(club_role),
        club_banned=room.club_id is not None and await uow.clubs.is_banned(room.club_id, accounts),
        ticket=ticket,
        cohost=kept_part,
    )
    return Visitor(key, device, actor)
