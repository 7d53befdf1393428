"""Audio connections: a present participant hands in a WebRTC offer and gets an answer.

What the engine is told about speaking comes from the stored participant, never from the
client: a listener's offer is connected with can_speak off, whatever it sends.
"""

from __future__ import annotations

from roomcast.actions.context import Context
from roomcast.actions.rooms import load_live, participant_key
from roomcast.domain.model import User
from roomcast.errors import BadRequest, Conflict, NotFound, RoomcastError
from roomcast.media import MediaError, SessionDescription


async def connect(
    ctx: Context, room_id: str, viewer: User | None, guest_token: str, offer: SessionDescription
) -> SessionDescription:
    async with ctx.transaction() as uow:
        room = await load_live(uow, room_id)
        me = await uow.participants.get(room.id, participant_key(viewer, guest_token), uow.users)
    if me is None:
        raise NotFound(
            "Join the room first (open its live socket), then connect audio.", code="not_in_room"
        )
    try:
        return await ctx.engine.connect(room.id, me.key, offer, me.can_speak)
    except MediaError as e:
        raise _error(e) from e


def _error(e: MediaError) -> RoomcastError:
    if e.code == "room_full":
        return Conflict(e.message, code="room_full")
    return BadRequest(e.message, code=e.code)
