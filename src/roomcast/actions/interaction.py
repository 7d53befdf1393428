"""Talking around the audio: chat, emoji reactions and the pinned link."""

from __future__ import annotations

from dataclasses import replace

from roomcast.actions.context import Context
from roomcast.actions.stage import load_scene
from roomcast.bus import room_channel, signals_channel
from roomcast.domain.model import REACTIONS, ChatMessage, Poll, PublicUser, Question, RoomId, User
from roomcast.domain.permissions import Action, can
from roomcast.domain.updates import (
    ChapterChanged,
    ChatDeleted,
    ChatPosted,
    LinkPinned,
    OnlyFor,
    PollClosed,
    PollOpened,
    PollVoted,
    QuestionAnswered,
    QuestionAsked,
    QuestionVoted,
    Reaction,
)
from roomcast.errors import BadRequest, Conflict, NotFound, RateLimited
from roomcast.media.commands import Mark
from roomcast.store import UnitOfWork


def _limit(ctx: Context, bucket: str, key: str) -> None:
    wait = ctx.limits[bucket].take(key, ctx.monotonic())
    if wait > 0:
        raise RateLimited("Slow down a little.", retry_after=wait)


async def post_chat(ctx: Context, viewer: User, room_id: str, text: str) -> ChatMessage:
    async with ctx.transaction() as uow:
        s = await load_scene(ctx, uow, room_id, viewer)
        can(s.actor, Action.CHAT).check()
        if not s.room.settings.chat:
            raise Conflict("Chat is off in this room.", code="chat_off")
        _limit(ctx, "chat", f"{s.room.id}:{viewer.id}")
        message = await uow.chat.add(s.room.id, PublicUser.of(viewer), text, ctx.clock())
        uow.publish(room_channel(s.room.id), ChatPosted(message))
    return message


async def delete_chat(ctx: Context, viewer: User, room_id: str, message_id: int) -> None:
    """Authors delete their own messages; hosts and moderators anyone's."""
    async with ctx.transaction() as uow:
        s = await load_scene(ctx, uow, room_id, viewer)
        found = await uow.chat.get(s.room.id, message_id)
        if found is None:
            raise NotFound("No such message in this room.", code="message_not_found")
        author, deleted = found
        if author != viewer.id:
            can(s.actor, Action.DELETE_MESSAGE).check()
        if deleted:
            return
        await uow.chat.delete(message_id, viewer.id, ctx.clock())
        uow.publish(room_channel(s.room.id), ChatDeleted(message_id))


async def react(ctx: Context, viewer: User, room_id: str, emoji: str) -> None:
    if emoji not in REACTIONS:
        raise BadRequest("Not one of the room's reactions.", code="bad_reaction")
    async with ctx.transaction() as uow:
        s = await load_scene(ctx, uow, room_id, viewer)
        can(s.actor, Action.REACT).check()
    _limit(ctx, "reaction", f"{s.room.id}:{viewer.id}")
    ctx.bus.publish(signals_channel(s.room.id), Reaction(s.me.key, emoji))


async def pin_link(ctx: Context, viewer: User, room_id: str, url: str | None) -> str | None:
    """The host pins one web link (validated at the edge) for everyone, or unpins it."""
    async with ctx.transaction() as uow:
        s = await load_scene(ctx, uow, room_id, viewer)
        can(s.actor, Action.PIN_LINK).check()
        await uow.rooms.save(replace(s.room, pinned_link=url))
        uow.publish(room_channel(s.room.id), LinkPinned(url))
    return url


async def set_chapter(ctx: Context, viewer: User, room_id: str, title: str) -> str:
    """ "Next topic": hosts and moderators name what the room talks about now. Everyone
    sees it; in a recorded room it starts a chapter of the episode."""
    async with ctx.transaction() as uow:
        s = await load_scene(ctx, uow, room_id, viewer)
        can(s.actor, Action.SET_CHAPTER).check()
        await uow.rooms.save(replace(s.room, chapter=title))
        uow.publish(room_channel(s.room.id), ChapterChanged(title))
        uow.command(Mark(s.room.id, title))
    return title


# --- Q&A ------------------------------------------------------------------------------------------

MAX_QUESTIONS_PER_PERSON = 20


async def _question(uow: UnitOfWork, room_id: RoomId, question_id: int) -> Question:
    question = await uow.questions.get(room_id, question_id, uow.users)
    if question is None:
        raise NotFound("No such question in this room.", code="question_not_found")
    return question


async def _poll(uow: UnitOfWork, room_id: RoomId, poll_id: int, viewer: User) -> Poll:
    found = await uow.polls.all(room_id, viewer.id, only=poll_id)
    if not found:
        raise NotFound("No such poll in this room.", code="poll_not_found")
    return found[0]


async def ask(ctx: Context, viewer: User, room_id: str, text: str) -> Question:
    async with ctx.transaction() as uow:
        s = await load_scene(ctx, uow, room_id, viewer)
        can(s.actor, Action.ASK).check()
        _limit(ctx, "chat", f"{s.room.id}:{viewer.id}")
        if await uow.questions.count_by(s.room.id, viewer.id) >= MAX_QUESTIONS_PER_PERSON:
            raise Conflict("You have asked enough questions in this room.", code="too_many")
        question = await uow.questions.add(s.room.id, PublicUser.of(viewer), text, ctx.clock())
        uow.publish(room_channel(s.room.id), QuestionAsked(question))
    return question


async def upvote(ctx: Context, viewer: User, room_id: str, question_id: int) -> Question:
    async with ctx.transaction() as uow:
        s = await load_scene(ctx, uow, room_id, viewer)
        can(s.actor, Action.ASK).check()
        question = await _question(uow, s.room.id, question_id)
        if not await uow.questions.vote(question_id, viewer.id, ctx.clock()):
            raise Conflict("You already upvoted this question.", code="already_voted")
        uow.publish(room_channel(s.room.id), QuestionVoted(question_id, viewer.id))
    return replace(question, voters=(*question.voters, viewer.id))


async def mark_answered(
    ctx: Context, viewer: User, room_id: str, question_id: int, answered: bool
) -> Question:
    async with ctx.transaction() as uow:
        s = await load_scene(ctx, uow, room_id, viewer)
        can(s.actor, Action.ANSWER_QUESTION).check()
        question = await _question(uow, s.room.id, question_id)
        if question.answered != answered:
            await uow.questions.set_answered(question_id, answered)
            uow.publish(room_channel(s.room.id), QuestionAnswered(question_id, answered))
    return replace(question, answered=answered)


# --- polls ----------------------------------------------------------------------------------------


async def open_poll(
    ctx: Context, viewer: User, room_id: str, question: str, options: tuple[str, ...]
) -> Poll:
    async with ctx.transaction() as uow:
        s = await load_scene(ctx, uow, room_id, viewer)
        can(s.actor, Action.RUN_POLL).check()
        if len(set(options)) != len(options):
            raise BadRequest("Each option must be different.", code="duplicate_options")
        poll = await uow.polls.add(s.room.id, viewer.id, question, options, ctx.clock())
        uow.publish(room_channel(s.room.id), PollOpened(poll))
    return poll


async def vote(ctx: Context, viewer: User, room_id: str, poll_id: int, option: int) -> Poll:
    """One secret vote: everyone gets the new counts, only the voter their own choice."""
    async with ctx.transaction() as uow:
        s = await load_scene(ctx, uow, room_id, viewer)
        can(s.actor, Action.VOTE).check()
        poll = await _poll(uow, s.room.id, poll_id, viewer)
        if poll.closed:
            raise Conflict("This poll is closed.", code="poll_closed")
        if not 0 <= option < len(poll.options):
            raise BadRequest("No such option.", code="bad_option")
        if not await uow.polls.vote(poll_id, viewer.id, option, ctx.clock()):
            raise Conflict("You already voted in this poll.", code="already_voted")
        after = await _poll(uow, s.room.id, poll_id, viewer)
        counted = PollVoted(poll_id, after.counts)
        uow.publish(
            room_channel(s.room.id), OnlyFor(viewer.id, replace(counted, mine=option), counted)
        )
        return after


async def close_poll(ctx: Context, viewer: User, room_id: str, poll_id: int) -> Poll:
    async with ctx.transaction() as uow:
        s = await load_scene(ctx, uow, room_id, viewer)
        can(s.actor, Action.RUN_POLL).check()
        poll = await _poll(uow, s.room.id, poll_id, viewer)
        if not poll.closed:
            await uow.polls.close(poll_id)
            uow.publish(room_channel(s.room.id), PollClosed(poll_id))
    return replace(poll, closed=True)
