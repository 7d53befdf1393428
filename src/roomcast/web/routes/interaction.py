"""Chat, reactions and the pinned link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from roomcast.actions import interaction
from roomcast.domain.model import ChatMessage
from roomcast.web.deps import Ctx, SignedIn
from roomcast.web.routes.rooms import RoomIdPath
from roomcast.web.schemas import ChatIn, Ok, PinIn, ReactionIn

router = APIRouter(prefix="/api/rooms/{room_id}", tags=["interaction"])


@router.post(
    "/chat",
    response_model=ChatMessage,
    status_code=201,
    summary="Post to the room's chat (plain text, ≤ 500 characters, rate-limited)",
)
async def post_chat(room_id: RoomIdPath, body: ChatIn, user: SignedIn, ctx: Ctx) -> ChatMessage:
    return await interaction.post_chat(ctx, user, room_id, body.text)


@router.delete(
    "/chat/{message_id}",
    response_model=Ok,
    summary="Delete a message (its author, the host or a moderator)",
)
async def delete_chat(
    room_id: RoomIdPath,
    message_id: Annotated[int, Path(ge=1, le=2**62)],
    user: SignedIn,
    ctx: Ctx,
) -> Ok:
    await interaction.delete_chat(ctx, user, room_id, message_id)
    return Ok()


@router.post(
    "/reactions",
    response_model=Ok,
    summary="Send an emoji reaction: 👏 ❤️ 😂 🔥 💯 🙌 👍 🎉 (ephemeral)",
)
async def react(room_id: RoomIdPath, body: ReactionIn, user: SignedIn, ctx: Ctx) -> Ok:
    await interaction.react(ctx, user, room_id, body.emoji)
    return Ok()


@router.put("/pin", response_model=PinIn, summary="Pin a web link for everyone, or unpin (host)")
async def pin(room_id: RoomIdPath, body: PinIn, user: SignedIn, ctx: Ctx) -> PinIn:
    url = await interaction.pin_link(ctx, user, room_id, str(body.url) if body.url else None)
    return PinIn.model_validate({"url": url})
