"""Chat, reactions and the pinned link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from roomcast.actions import interaction
from roomcast.domain.model import ChatMessage, Poll, Question
from roomcast.web.deps import Ctx, SignedIn
from roomcast.web.routes.rooms import RoomIdPath
from roomcast.web.schemas import (
    AnsweredIn,
    ChapterIn,
    ChatIn,
    Ok,
    PinIn,
    PollIn,
    QuestionIn,
    ReactionIn,
    VoteIn,
)

router = APIRouter(prefix="/api/rooms/{room_id}", tags=["interaction"])

IdPath = Annotated[int, Path(ge=1, le=2**62)]


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


@router.put(
    "/chapter",
    response_model=ChapterIn,
    summary="Next topic: name what the room talks about now (hosts, moderators)",
)
async def chapter(room_id: RoomIdPath, body: ChapterIn, user: SignedIn, ctx: Ctx) -> ChapterIn:
    return ChapterIn(title=await interaction.set_chapter(ctx, user, room_id, body.title))


@router.put("/pin", response_model=PinIn, summary="Pin a web link for everyone, or unpin (host)")
async def pin(room_id: RoomIdPath, body: PinIn, user: SignedIn, ctx: Ctx) -> PinIn:
    url = await interaction.pin_link(ctx, user, room_id, str(body.url) if body.url else None)
    return PinIn.model_validate({"url": url})


@router.post("/questions", response_model=Question, status_code=201, summary="Ask a question")
async def ask(room_id: RoomIdPath, body: QuestionIn, user: SignedIn, ctx: Ctx) -> Question:
    return await interaction.ask(ctx, user, room_id, body.text)


@router.post(
    "/questions/{question_id}/upvote", response_model=Question, summary="Upvote a question (once)"
)
async def upvote(room_id: RoomIdPath, question_id: IdPath, user: SignedIn, ctx: Ctx) -> Question:
    return await interaction.upvote(ctx, user, room_id, question_id)


@router.post(
    "/questions/{question_id}/answered",
    response_model=Question,
    summary="Mark a question answered, or not (host, moderators)",
)
async def answered(
    room_id: RoomIdPath, question_id: IdPath, body: AnsweredIn, user: SignedIn, ctx: Ctx
) -> Question:
    return await interaction.mark_answered(ctx, user, room_id, question_id, body.answered)


@router.post(
    "/polls",
    response_model=Poll,
    status_code=201,
    summary="Open a poll with 2-6 options (host, moderators)",
)
async def open_poll(room_id: RoomIdPath, body: PollIn, user: SignedIn, ctx: Ctx) -> Poll:
    return await interaction.open_poll(ctx, user, room_id, body.question, tuple(body.options))


@router.post("/polls/{poll_id}/vote", response_model=Poll, summary="Vote (once, while open)")
async def vote(
    room_id: RoomIdPath, poll_id: IdPath, body: VoteIn, user: SignedIn, ctx: Ctx
) -> Poll:
    return await interaction.vote(ctx, user, room_id, poll_id, body.option)


@router.post(
    "/polls/{poll_id}/close", response_model=Poll, summary="Close a poll (host, moderators)"
)
async def close_poll(room_id: RoomIdPath, poll_id: IdPath, user: SignedIn, ctx: Ctx) -> Poll:
    return await interaction.close_poll(ctx, user, room_id, poll_id)
