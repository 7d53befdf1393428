"""Talking around the audio: chat, emoji reactions and the pinned link."""

from __future__ import annotations

from dataclasses import replace

from roomcast.actions.context import Context
from roomcast.actions.stage import _scene
from roomcast.bus import room_channel, signals_channel
from roomcast.domain.model import REACTIONS, ChatMessage, PublicUser, User
from roomcast.domain.stage import Action, can
from roomcast.domain.updates import ChatDeleted, ChatPosted, LinkPinned, Reaction
from roomcast.errors import BadRequest, Conflict, NotFound, RateLimited


def _limit(ctx: Context, bucket: str, key: str) -> None:
    wait = ctx.limits[bucket].take(key, ctx.monotonic())
    if wait > 0:
        raise RateLimited("Slow down a little.", retry_after=wait)


async def post_chat(ctx: Context, viewer: User, room_id: str, text: str) -> ChatMessage:
    async with ctx.transaction() as uow:
        s = await _scene(ctx, uow, room_id, viewer)
        can(s.actor(), Action.CHAT).check()
        if not s.room.settings.chat:
            raise Conflict("Chat is off in this room.", code="chat_off")
        _limit(ctx, "chat", f"{s.room.id}:{viewer.id}")
        message = await uow.chat.add(s.room.id, PublicUser.of(viewer), text, ctx.clock())
        uow.publish(room_channel(s.room.id), ChatPosted(message))
    return message


async def delete_chat(ctx: Context, viewer: User, room_id: str, message_id: int) -> None:
    """Authors delete their own messages; hosts and moderators anyone's."""
    async with ctx.transaction() as uow:
        s = await _scene(ctx, uow, room_id, viewer)
        found = await uow.chat.get(s.room.id, message_id)
        if found is None:
            raise NotFound("No such message in this room.", code="message_not_found")
        author, deleted = found
        if author != viewer.id:
            can(s.actor(), Action.DELETE_MESSAGE).check()
        if deleted:
            return
        await uow.chat.delete(message_id, viewer.id, ctx.clock())
        uow.publish(room_channel(s.room.id), ChatDeleted(message_id))


async def react(ctx: Context, viewer: User, room_id: str, emoji: str) -> None:
    if emoji not in REACTIONS:
        raise BadRequest("Not one of the room's reactions.", code="bad_reaction")
    async with ctx.transaction() as uow:
        s = await _scene(ctx, uow, room_id, viewer)
        can(s.actor(), Action.REACT).check()
    _limit(ctx, "reaction", f"{s.room.id}:{viewer.id}")
    ctx.bus.publish(signals_channel(s.room.id), Reaction(s.me.key, emoji))


async def pin_link(ctx: Context, viewer: User, room_id: str, url: str | None) -> str | None:
    """The host pins one web link (validated at the edge) for everyone, or unpins it."""
    async with ctx.transaction() as uow:
        s = await _scene(ctx, uow, room_id, viewer)
        can(s.actor(), Action.PIN_LINK).check()
        s.room = replace(s.room, pinned_link=url)
        await uow.rooms.save(s.room)
        uow.publish(room_channel(s.room.id), LinkPinned(url))
    return url
