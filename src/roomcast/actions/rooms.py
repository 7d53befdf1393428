"""Rooms: start, end, join and leave, the hallway, and the rules that run on a timer."""

from __future__ import annotations

import logging
import secrets
from dataclasses import replace

from roomcast.actions import clubs, notify, search, standing, tickets
from roomcast.actions.context import Context
from roomcast.actions.episodes import queue_episode
from roomcast.actions.paths import recording_folder
from roomcast.bus import HALLWAY, room_channel
from roomcast.domain import clubs as club_rules
from roomcast.domain import discovery, notices
from roomcast.domain import events as event_rules
from roomcast.domain import rooms as rules
from roomcast.domain.clubs import Club
from roomcast.domain.discovery import Interests
from roomcast.domain.identity import user_key
from roomcast.domain.model import (
    ClubTag,
    EndReason,
    Participant,
    Role,
    Room,
    RoomId,
    User,
    Visibility,
)
from roomcast.domain.permissions import Action, can
from roomcast.domain.search import Kind as SearchKind
from roomcast.domain.tickets import Terms
from roomcast.domain.updates import (
    CHAT_WINDOW,
    HallwayRoomChanged,
    HallwayRoomRemoved,
    HallwaySnapshot,
    HostAway,
    ParticipantJoined,
    ParticipantLeft,
    RoomEnded,
    RoomSnapshot,
    RoomSummary,
    RoomView,
    TimerChanged,
    order,
    order_hallway,
)
from roomcast.errors import Conflict, NotFound, RateLimited
from roomcast.media.commands import CloseRoom, Drop, Record
from roomcast.store import UnitOfWork

logger = logging.getLogger(__name__)


def new_room_id() -> RoomId:
    return RoomId(secrets.token_urlsafe(9))  # 72 random bits: a link-only room's link is its key


async def load(uow: UnitOfWork, room_id: str, *, for_update: bool = False) -> Room:
    room = await uow.rooms.get(room_id, for_update=for_update)
    if room is None:
        raise NotFound("No such room.", code="room_not_found")
    return room


async def _snapshot(uow: UnitOfWork, room: Room, viewer: User | None = None) -> RoomSnapshot:
    """The room as `viewer` sees it (their own poll votes); without one, as anyone does."""
    hosts = await uow.users.public([room.host_id])
    people = await uow.participants.participants(room.id, uow.users)
    chat = await uow.chat.recent(room.id, uow.users, CHAT_WINDOW)
    questions = await uow.questions.all(room.id, uow.users)
    polls = await uow.polls.all(room.id, viewer.id if viewer else None)
    tags = await club_tags(uow, [room])
    return RoomSnapshot(
        RoomView.of(room, hosts[room.host_id], tags.get(room.club_id or 0)),
        order(tuple(people)),
        tuple(chat),
        tuple(questions),
        tuple(polls),
    )


async def club_tags(uow: UnitOfWork, rooms: list[Room]) -> dict[int, ClubTag]:
    """The clubs these rooms are of, by id."""
    clubs = await uow.clubs.many({r.club_id for r in rooms if r.club_id is not None})
    return {i: ClubTag(c.id, c.handle, c.name) for i, c in clubs.items()}


def follow_recording(ctx: Context, uow: UnitOfWork, room: Room) -> None:
    """After the commit, have the media engine record this room, or stop, as stored."""
    folder = recording_folder(ctx, room.id) if room.settings.record and room.is_live else None
    uow.command(Record(room.id, str(folder) if folder else None))


async def refresh_hallway(uow: UnitOfWork, room: Room) -> None:
    """The room's stage or audience changed: the hallway's summary of it follows."""
    _publish_hallway(uow, room, await _snapshot(uow, room))


def _publish_hallway(uow: UnitOfWork, room: Room, snap: RoomSnapshot | None) -> None:
    if room.visibility is Visibility.LINK:
        return  # never listed: the hallway need not hear of it (members-only rooms are
        # listed to their club's members: the hallway socket filters them)
    if snap is not None and room.is_live:
        uow.publish(HALLWAY, HallwayRoomChanged(RoomSummary.of(snap)))
    else:
        uow.publish(HALLWAY, HallwayRoomRemoved(room.id))


async def create(
    ctx: Context,
    host: User,
    draft: rules.RoomDraft,
    ip: str,
    club: str | None = None,
    terms: Terms | None = None,
) -> RoomSnapshot:
    """Start a room now, as its host or as a club's (`club`: its handle), free or with
    tickets on sale (`terms`)."""
    now = ctx.monotonic()
    wait = max(ctx.limits["room_user"].take(str(host.id), now), ctx.limits["room_ip"].take(ip, now))
    if wait > 0:
        raise RateLimited("You have started many rooms; wait a little.", retry_after=wait)
    club_rules.check_visibility(draft.visibility, club is not None)
    async with ctx.transaction() as uow:
        if club is not None:
            draft = replace(draft, club_id=(await clubs.for_hosting(uow, host, club)).id)
        room = rules.start_now(new_room_id(), host.id, draft, ctx.clock())
        if terms is not None:
            room = replace(room, ticketed=True)
        snap = await open_room(ctx, uow, room, host)
        if terms is not None:
            await tickets.open_sale(ctx, uow, host, terms, draft.record, room_id=room.id)
    logger.info("room %s started by user %s", room.id, host.id)
    return snap


async def open_room(
    ctx: Context, uow: UnitOfWork, room: Room, host: User, event_id: str | None = None
) -> RoomSnapshot:
    """A new live room (started now, or an event started): stored, listed, recorded if
    asked, and its host's followers (and the event's RSVPs) told it is live."""
    await uow.rooms.add(room)
    await search.room(uow, room)
    snap = await _snapshot(uow, room)
    _publish_hallway(uow, room, snap)
    if room.settings.record:
        follow_recording(ctx, uow, room)
    club = await uow.clubs.get(room.club_id) if room.club_id is not None else None
    audiences = clubs.audiences(room.visibility, host.id, club)
    if event_id is not None:
        audiences.append((notify.RSVPS, event_id))
    if audiences:
        draft = notices.live(
            room.id, host.display_name, room.title, host.id, event_id, club.name if club else None
        )
        await notify.announce(ctx, uow, draft, audiences, exclude=host.id)
    return snap


async def load_live(uow: UnitOfWork, room_id: str) -> Room:
    """A live room, locked for this unit of work; clear errors for unknown or ended rooms."""
    room = await load(uow, room_id, for_update=True)
    rules.check_live(room)
    return room


async def snapshot(
    ctx: Context, room_id: str, viewer: User | None, guest_token: str = ""
) -> RoomSnapshot:
    """A room's page and view, live or ended, for whoever may see it."""
    async with ctx.transaction() as uow:
        room = await load(uow, room_id)
        who = await standing.visitor(ctx, uow, room, viewer, guest_token)
        rules.may_view(room, who.actor, ctx.clock())
        return await _snapshot(uow, room, viewer)


async def end(ctx: Context, actor: User, room_id: str) -> RoomSnapshot:
    async with ctx.transaction() as uow:
        room = await load(uow, room_id, for_update=True)
        who = await standing.visitor(ctx, uow, room, actor, "")
        can(who.actor, Action.END_ROOM).check()
        return await end_now(ctx, uow, room, EndReason.HOST_ENDED)


async def end_now(ctx: Context, uow: UnitOfWork, room: Room, reason: EndReason) -> RoomSnapshot:
    ended = rules.end(room, reason, ctx.clock())
    await uow.rooms.save(ended)
    await search.room(uow, ended)  # found no more
    await uow.participants.clear([room.id])
    assert ended.ended_at is not None
    uow.publish(room_channel(room.id), RoomEnded(ended.ended_at, reason))
    _publish_hallway(uow, ended, None)
    uow.command(CloseRoom(room.id))
    event = await uow.events.of_room(room.id)
    if event is not None:
        await uow.events.save(event_rules.ended(event, ctx.clock()))
        await search.forget(uow, SearchKind.EVENT, event.id)
    await queue_episode(ctx, uow, ended)  # jobs wake after commands: the last segment is written
    logger.info("room %s ended: %s", room.id, reason.value)
    return await _snapshot(uow, ended)


async def join(
    ctx: Context, room_id: str, viewer: User | None, guest_token: str, connection_id: str
) -> tuple[RoomSnapshot, Participant]:
    """Be present in a room on this connection; a newer connection replaces an older one."""
    async with ctx.transaction() as uow:
        room = await load(uow, room_id, for_update=True)
        who = await standing.visitor(ctx, uow, room, viewer, guest_token)
        rules.may_enter(room, who.actor, ctx.clock())
        key, now = who.key, ctx.clock()
        was_present, _ = await uow.participants.connection(room.id, key)
        previous = await uow.participants.role(room.id, key)
        role = rules.role_on_join(
            room, viewer.id if viewer else None, previous, who.actor.club_moderator
        )
        await uow.participants.arrive(
            room.id, key, viewer.id if viewer else None, role, connection_id, who.device, now
        )
        if viewer is not None and who.device is not None:
            await uow.devices.seen(viewer.id, who.device, now)
        if role is Role.HOST and room.host_absent_since is not None:
            room = rules.host_returned(room)
            await uow.rooms.save(room)
            uow.publish(room_channel(room.id), HostAway(None))
        snap = await _snapshot(uow, room, viewer)
        me = await uow.participants.get(room.id, key, uow.users)  # as stored: mutes, hand...
        if me is None:  # cannot happen inside one transaction; say so rather than crash
            raise Conflict("Could not join; try again.", code="join_failed")
        if not was_present:
            uow.publish(room_channel(room.id), ParticipantJoined(me))
            _publish_hallway(uow, room, snap)
    return snap, me


async def leave(ctx: Context, room_id: str, key: str, connection_id: str) -> None:
    """This connection closed. No-op when a newer connection of the same person replaced it."""
    async with ctx.transaction() as uow:
        room = await uow.rooms.get(room_id, for_update=True)
        if room is None or not room.is_live:
            return
        present, current = await uow.participants.connection(room.id, key)
        if not present or current != connection_id:
            return
        await uow.participants.depart(room.id, key)
        uow.command(Drop(room.id, key))
        if (after := rules.without_timer_of(room, key)) is not room:
            room = after
            await uow.rooms.save(room)
            uow.publish(room_channel(room.id), TimerChanged(None))
        if key == user_key(room.host_id):
            room = rules.host_left(room, ctx.clock())
            await uow.rooms.save(room)
            uow.publish(room_channel(room.id), HostAway(room.host_absent_since))
        uow.publish(room_channel(room.id), ParticipantLeft(key))
        _publish_hallway(uow, room, await _snapshot(uow, room))


async def interests(uow: UnitOfWork, viewer: User | None) -> Interests:
    """What the hallway's ranking knows of `viewer`: whom they follow, their clubs, their
    topics."""
    if viewer is None:
        return Interests()
    return Interests(
        followed=frozenset(await uow.follows.followed_ids(viewer.id)),
        clubs=frozenset(await uow.clubs.clubs_of(viewer.id)),
        topics=await uow.users.topics(viewer.id),
    )


async def hallway(ctx: Context, viewer: User | None = None) -> HallwaySnapshot:
    """The live rooms' summaries `viewer` sees listed (open rooms; members-only rooms of
    their clubs), newest first: rooms, everyone in them and their hosts in a few queries,
    however many rooms are live (a summary needs no chat, questions or polls)."""
    return (await _hallway(ctx, viewer))[0]


async def _hallway(ctx: Context, viewer: User | None) -> tuple[HallwaySnapshot, Interests]:
    async with ctx.transaction() as uow:
        mine = await interests(uow, viewer)
        live = [r for r in await uow.rooms.live() if rules.listed_to(r, mine.clubs)]
        stage, audience, hosts = await uow.participants.live_stages(
            uow.users, {r.host_id for r in live}
        )
        tags = await club_tags(uow, live)
    summaries = [
        RoomSummary.of(
            RoomSnapshot(
                RoomView.of(r, hosts[r.host_id], tags.get(r.club_id or 0)),
                order(tuple(stage.get(r.id, ()))),
            ),
            listeners=audience.get(r.id, 0),
        )
        for r in live
        if r.host_id in hosts
    ]
    return HallwaySnapshot(order_hallway(tuple(summaries))), mine


async def interests_of(ctx: Context, viewer: User | None) -> Interests:
    async with ctx.transaction() as uow:
        return await interests(uow, viewer)


async def ranked_hallway(
    ctx: Context, viewer: User | None
) -> tuple[tuple[RoomSummary, ...], Interests]:
    """The hallway in the order this viewer sees it (domain/discovery.py), and what it
    knows of them (the page ranks live updates the same way)."""
    snap, mine = await _hallway(ctx, viewer)
    return discovery.rank(snap.rooms, mine, ctx.clock()), mine


async def trending(
    ctx: Context, viewer: User | None, limit: int = 10, snap: HallwaySnapshot | None = None
) -> list[RoomSummary]:
    """The live rooms most people came to in the last hour (of `snap`, if given)."""
    snap = snap or await hallway(ctx, viewer)
    since = ctx.clock() - discovery.TRENDING_WINDOW
    async with ctx.transaction() as uow:
        counts = await uow.participants.came_since([r.id for r in snap.rooms], since)
    return list(discovery.trending(counts, snap.rooms, limit))


async def live_of_club(ctx: Context, club: Club, viewer: User | None) -> list[Room]:
    """A club's live rooms that `viewer` may see listed: open ones, and members-only ones
    for its members."""
    async with ctx.transaction() as uow:
        live = await uow.rooms.live_of_club(club.id)
        member = await clubs.is_member(uow, club.id, viewer)
    shown = {Visibility.OPEN, Visibility.MEMBERS} if member else {Visibility.OPEN}
    return [r for r in live if r.visibility in shown]


async def rooms_hosted_by(ctx: Context, user: User) -> list[Room]:
    async with ctx.transaction() as uow:
        return await uow.rooms.by_host(user.id)


async def recover_after_restart(ctx: Context) -> list[RoomId]:
    """At startup nobody is connected: rooms still live were left by a process that died."""
    async with ctx.transaction() as uow:
        live = await uow.rooms.live()
    for room in live:
        async with ctx.transaction() as uow:
            await end_now(ctx, uow, room, EndReason.SERVER_RESTART)
    async with ctx.transaction() as uow:
        await uow.participants.clear()
        await uow.sessions.delete_expired(ctx.clock())
    if live:
        logger.warning("ended %d room(s) left live by a previous run", len(live))
    return [r.id for r in live]
