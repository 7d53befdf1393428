"""The stage: load the scene, let the domain decide (domain/stage.py), save, publish.

After the commit, the media engine is told each changed person's microphone state (and who
is gone), so the mix follows the stored state whatever a client sends.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from roomcast.actions.context import Context
from roomcast.actions.rooms import end_now, follow_recording, load, load_live, refresh_hallway
from roomcast.actions.standing import visitor
from roomcast.bus import room_channel
from roomcast.domain import rooms, stage
from roomcast.domain.model import (
    EndReason,
    Participant,
    Role,
    Room,
    RoomId,
    RoomSettings,
    SpeakingTimer,
    User,
)
from roomcast.domain.stage import Command, Decision, Scene
from roomcast.errors import NotFound
from roomcast.media.commands import Drop, SetAudio, SetCanSpeak
from roomcast.store import UnitOfWork

logger = logging.getLogger(__name__)


async def load_scene(
    ctx: Context,
    uow: UnitOfWork,
    room_id: str,
    viewer: User | None,
    guest: str = "",
    touching: frozenset[str] | None = frozenset(),
) -> Scene:
    """The live room (locked for this unit of work), the actor as the rules see them, and
    the present people in `touching` (None: everyone)."""
    room = await load_live(uow, room_id)
    who = await visitor(ctx, uow, room, viewer, guest)
    me = await uow.participants.get(room.id, who.key, uow.users)
    if me is None:
        raise NotFound("You are not in this room right now: open it first.", code="not_in_room")
    if touching is None:
        present = await uow.participants.participants(room.id, uow.users)
        people = {p.key: p for p in present}
    else:
        people = {}
        for key in touching - {me.key}:
            found = await uow.participants.get(room.id, key, uow.users)
            if found is not None:
                people[key] = found
    return Scene(room, who.actor, me, people)


async def save(ctx: Context, uow: UnitOfWork, before: Room, d: Decision) -> None:
    """Store a decision taken in room `before`, queue its updates and, for after the
    commit, its media commands."""
    room = d.room or before
    if d.room is not None:
        await uow.rooms.save(d.room)
    for p in d.people:
        await uow.participants.save(room.id, p)
    if d.removal is not None:
        await _record_removal(ctx, uow, room, d.removal)
    for key in d.departed:
        await uow.participants.depart(room.id, key)
        uow.command(Drop(room.id, key))
    for key, speak in d.can_speak.items():
        uow.command(SetCanSpeak(room.id, key, speak))
    for update in d.updates:
        uow.publish(room_channel(room.id), update)
    if d.stage_changed or room.host_id != before.host_id:
        await refresh_hallway(uow, room)
    if room.settings.record != before.settings.record:
        follow_recording(ctx, uow, room)
    if room.settings.music != before.settings.music:
        uow.command(SetAudio(room.id, room.settings.music))


async def _record_removal(ctx: Context, uow: UnitOfWork, room: Room, r: stage.Removal) -> None:
    """Out of this room until it ends: the key, the account and the browser they came
    with; a ban keeps the account and the browser out of every room of this host too."""
    device, now = await uow.participants.device(room.id, r.key), ctx.clock()
    by = r.by if r.by is not None else room.host_id
    await uow.removals.add(room.id, r.key, r.user_id, device, by, now)
    if r.ban:
        await uow.bans.add(room.host_id, r.user_id, device, room.id, by, now)


async def run(
    ctx: Context, viewer: User | None, room_id: str, command: Command, guest: str = ""
) -> Decision:
    """One stage command, in one transaction."""
    async with ctx.transaction() as uow:
        scene = await load_scene(ctx, uow, room_id, viewer, guest, stage.touches(command))
        decision = stage.decide(scene, command, ctx.clock())
        await save(ctx, uow, scene.room, decision)
    return decision


def _person(d: Decision) -> Participant:
    if not isinstance(d.answer, Participant):  # pragma: no cover - decide's contract
        raise TypeError(f"expected a participant, got {d.answer!r}")
    return d.answer


async def raise_hand(ctx: Context, viewer: User, room_id: str, raised: bool) -> Participant:
    return _person(await run(ctx, viewer, room_id, stage.RaiseHand(raised)))


async def report_mic(ctx: Context, viewer: User, room_id: str, blocked: bool) -> Participant:
    """One's browser gives no microphone (or does again): the hosts see it on one's avatar."""
    return _person(await run(ctx, viewer, room_id, stage.ReportMic(blocked)))


async def dismiss_hand(ctx: Context, actor: User, room_id: str, key: str) -> Participant:
    return _person(await run(ctx, actor, room_id, stage.DismissHand(key)))


async def invite(ctx: Context, actor: User, room_id: str, key: str) -> Participant:
    return _person(await run(ctx, actor, room_id, stage.Invite(key)))


async def answer_invite(ctx: Context, viewer: User, room_id: str, accept: bool) -> Participant:
    """Only after accepting does one's microphone reach the mix."""
    return _person(await run(ctx, viewer, room_id, stage.AnswerInvite(accept)))


async def move_to_audience(ctx: Context, actor: User, room_id: str, key: str) -> Participant:
    return _person(await run(ctx, actor, room_id, stage.MoveToAudience(key)))


async def mute_self(
    ctx: Context, viewer: User | None, guest: str, room_id: str, muted: bool
) -> Participant:
    return _person(await run(ctx, viewer, room_id, stage.MuteSelf(muted), guest))


async def mute_other(ctx: Context, actor: User, room_id: str, key: str, muted: bool) -> Participant:
    """Mute someone on stage (they cannot unmute), or let them unmute again (they stay muted
    until they unmute themselves)."""
    return _person(await run(ctx, actor, room_id, stage.MuteOther(key, muted)))


async def set_role(ctx: Context, actor: User, room_id: str, key: str, role: Role) -> Participant:
    return _person(await run(ctx, actor, room_id, stage.SetRole(key, role)))


async def remove(ctx: Context, actor: User, room_id: str, key: str, ban: bool) -> None:
    """Out of the room until it ends, any role taken away; a ban also keeps them out of
    every room of this host until the host lifts it (guests too, by their browser)."""
    await run(ctx, actor, room_id, stage.Remove(key, ban))


async def change_settings(
    ctx: Context, actor: User, room_id: str, settings: RoomSettings
) -> RoomSettings:
    answer = (await run(ctx, actor, room_id, stage.ChangeSettings(settings))).answer
    if not isinstance(answer, RoomSettings):  # pragma: no cover - decide's contract
        raise TypeError(f"expected settings, got {answer!r}")
    return answer


async def time_turn(
    ctx: Context, actor: User, room_id: str, key: str | None, seconds: int
) -> SpeakingTimer | None:
    """Give someone on stage the floor for `seconds` (debate turns), or stop the timer."""
    answer = (await run(ctx, actor, room_id, stage.TimeTurn(key, seconds))).answer
    if answer is not None and not isinstance(answer, SpeakingTimer):  # pragma: no cover
        raise TypeError(f"expected a timer, got {answer!r}")
    return answer


async def end_abandoned(ctx: Context) -> list[RoomId]:
    """Rooms whose host stayed away past the grace period: the longest-present moderator
    becomes host (domain/stage.py `succession`); with none, the room ends."""
    grace = timedelta(seconds=ctx.settings.host_grace_seconds)
    ended: list[RoomId] = []
    async with ctx.transaction() as uow:
        candidates = await uow.rooms.live_ids_host_absent()
    for room_id in candidates:
        async with ctx.transaction() as uow:
            room = await load(uow, room_id, for_update=True)
            if not rooms.host_timed_out(room, ctx.clock(), grace):
                continue
            present = tuple(await uow.participants.participants(room.id, uow.users))
            decision = stage.succession(room, present)
            if decision is not None:
                await save(ctx, uow, room, decision)
                logger.info("room %s: host away, %s is host now", room.id, decision.people[0].key)
                continue
            await end_now(ctx, uow, room, EndReason.HOST_LEFT)
            ended.append(room.id)
    return ended
