"""Audio connections: a present participant hands in a WebRTC offer and gets an answer.

What the engine is told about speaking comes from the stored participant, never from the
client: a listener's offer is connected with can_speak off, whatever it sends.
"""

from __future__ import annotations

from roomcast.actions.context import Context
from roomcast.actions.rooms import load_live
from roomcast.actions.standing import visitor
from roomcast.domain import rooms as rules
from roomcast.domain.model import User
from roomcast.errors import BadRequest, Conflict, Gone, NotFound, RateLimited, RoomcastError
from roomcast.media import MediaError, SessionDescription


async def connect(
    ctx: Context, room_id: str, viewer: User | None, guest_token: str, offer: SessionDescription
) -> SessionDescription:
    async with ctx.transaction() as uow:
        room = await load_live(uow, room_id)
        who = await visitor(ctx, uow, room, viewer, guest_token)
        rules.may_enter(room, who.actor, ctx.clock())  # the same door as the room's socket
        me = await uow.participants.get(room.id, who.key, uow.users)
    if me is None:
        raise NotFound(
            "Join the room first (open its live socket), then connect audio.", code="not_in_room"
        )
    wait = ctx.limits["offer"].take(f"{room.id}:{me.key}", ctx.monotonic())
    if wait > 0:  # each offer costs a DTLS handshake and sockets: a flood is refused
        raise RateLimited("Too many audio connections; try again in a moment.", retry_after=wait)
    ctx.counters["media_offers"] += 1
    try:
        return await ctx.engine.connect(
            room.id, me.key, offer, me.can_speak, music=room.settings.music
        )
    except MediaError as e:
        raise _error(e) from e


def _error(e: MediaError) -> RoomcastError:
    if e.code in ("room_full", "offer_pending"):
        return Conflict(e.message, code=e.code)
    if e.code == "room_closed":
        return Gone(e.message, code="room_ended")
    if e.code == "gone":
        return NotFound(e.message, code="not_in_room")
    return BadRequest(e.message, code=e.code)
