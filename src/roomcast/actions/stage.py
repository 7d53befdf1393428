"""The stage: hands, invitations with consent, moves, mutes, roles, removal and bans.

Every operation loads the room and the people involved, asks the domain's `can()`, saves,
queues typed updates and, after the commit, tells the media engine who may speak, so the
mix follows the stored state whatever a client sends.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from roomcast.actions.context import Context
from roomcast.actions.rooms import after_commit_media, follow_recording, load_live, refresh_hallway
from roomcast.actions.standing import participant_key
from roomcast.bus import room_channel
from roomcast.domain.model import (
    Participant,
    PublicUser,
    Role,
    Room,
    RoomSettings,
    SpeakingTimer,
    User,
)
from roomcast.domain.stage import Action, Actor, can
from roomcast.domain.updates import (
    HandChanged,
    HostChanged,
    InviteChanged,
    MuteChanged,
    ParticipantLeft,
    ParticipantRemoved,
    RoleChanged,
    RoomUpdate,
    SettingsChanged,
    TimerChanged,
    with_role,
)
from roomcast.errors import Conflict, Forbidden, NotFound
from roomcast.media import MediaEngine
from roomcast.store import UnitOfWork


@dataclass
class Scene:
    """One operation's view of the room: the room, the actor, and their target if any."""

    ctx: Context
    uow: UnitOfWork
    room: Room
    me: Participant

    def actor(self) -> Actor:
        return Actor(self.me.role, is_guest=self.me.is_guest)

    async def person(self, key: str) -> Participant:
        found = await self.uow.participants.get(self.room.id, key, self.uow.users)
        if found is None:
            raise NotFound("They are not in this room right now.", code="not_in_room")
        return found

    async def save(self, before: Participant, after: Participant, *updates: RoomUpdate) -> None:
        await self.uow.participants.save(self.room.id, after)
        for update in updates:
            self.uow.publish(room_channel(self.room.id), update)
        if before.role.on_stage != after.role.on_stage:
            await refresh_hallway(self.uow, self.room)
        if before.can_speak != after.can_speak:
            room_id, key, speak = self.room.id, after.key, after.can_speak

            async def tell(engine: MediaEngine) -> None:
                engine.set_can_speak(room_id, key, speak)

            after_commit_media(self.ctx, self.uow, tell)


async def scene(
    ctx: Context, uow: UnitOfWork, room_id: str, viewer: User | None, guest: str = ""
) -> Scene:
    room = await load_live(uow, room_id)
    me = await uow.participants.get(
        room.id, participant_key(ctx, room.id, viewer, guest), uow.users
    )
    if me is None:
        raise NotFound("You are not in this room right now: open it first.", code="not_in_room")
    return Scene(ctx, uow, room, me)


def _account(p: Participant) -> PublicUser:
    if p.user is None:
        raise Conflict(
            "Guests listen only; they need an account for that.", code="guest_cannot_speak"
        )
    return p.user


# --- the audience -----------------------------------------------------------------------------


async def raise_hand(ctx: Context, viewer: User | None, room_id: str, raised: bool) -> Participant:
    async with ctx.transaction() as uow:
        s = await scene(ctx, uow, room_id, viewer)
        can(s.actor(), Action.RAISE_HAND).check()
        if raised and not s.room.settings.hand_raising:
            raise Conflict("Hand raising is off in this room.", code="hands_off")
        if raised == (s.me.hand_raised_at is not None):
            return s.me  # already so: keep one's place in the queue
        after = replace(s.me, hand_raised_at=ctx.clock() if raised else None)
        await s.save(s.me, after, HandChanged(after.key, after.hand_raised_at))
    return after


async def invite(ctx: Context, actor: User, room_id: str, key: str) -> Participant:
    async with ctx.transaction() as uow:
        s = await scene(ctx, uow, room_id, actor)
        target = await s.person(key)
        can(s.actor(), Action.INVITE_TO_SPEAK, target.role).check()
        _account(target)
        if target.invited:
            return target
        after = replace(target, invited=True)
        await s.save(target, after, InviteChanged(key, True))
    return after


async def answer_invite(ctx: Context, viewer: User, room_id: str, accept: bool) -> Participant:
    """Only after accepting does one's microphone reach the mix."""
    async with ctx.transaction() as uow:
        s = await scene(ctx, uow, room_id, viewer)
        can(s.actor(), Action.ANSWER_INVITE).check()
        if not s.me.invited:
            raise Conflict("Nobody has invited you to speak.", code="no_invitation")
        if accept:  # their own yes: the microphone opens, unless the room says join muted
            after = replace(
                s.me,
                role=Role.SPEAKER,
                muted=s.room.settings.speakers_join_muted,
                muted_by_moderator=False,
                hand_raised_at=None,
                invited=False,
            )
            updates: list[RoomUpdate] = [RoleChanged.of(after)]
        else:
            after = replace(s.me, invited=False, hand_raised_at=None)
            updates = [InviteChanged(after.key, False), HandChanged(after.key, None)]
        await s.save(s.me, after, *updates)
    return after


# --- the stage ---------------------------------------------------------------------------------


async def move_to_audience(ctx: Context, actor: User, room_id: str, key: str) -> Participant:
    async with ctx.transaction() as uow:
        s = await scene(ctx, uow, room_id, actor)
        target = s.me if key == s.me.key else await s.person(key)
        if target.key == s.me.key:
            can(s.actor(), Action.STEP_DOWN).check()
        else:
            can(s.actor(), Action.MOVE_TO_AUDIENCE, target.role).check()
        after = with_role(target, Role.LISTENER)
        await s.save(target, after, RoleChanged.of(after))
    return after


async def mute_self(
    ctx: Context, viewer: User | None, guest: str, room_id: str, muted: bool
) -> Participant:
    async with ctx.transaction() as uow:
        s = await scene(ctx, uow, room_id, viewer, guest)
        can(s.actor(), Action.MUTE_SELF).check()
        if not muted and s.me.muted_by_moderator:
            raise Forbidden(
                "A moderator muted you; they can let you unmute.", code="muted_by_moderator"
            )
        if s.me.muted == muted:
            return s.me
        after = replace(s.me, muted=muted)
        await s.save(s.me, after, MuteChanged(after.key, muted, after.muted_by_moderator))
    return after


async def mute_other(ctx: Context, actor: User, room_id: str, key: str, muted: bool) -> Participant:
    """Mute someone on stage (they cannot unmute), or let them unmute again (they stay muted
    until they unmute themselves)."""
    async with ctx.transaction() as uow:
        s = await scene(ctx, uow, room_id, actor)
        target = await s.person(key)
        can(s.actor(), Action.MUTE_OTHER, target.role).check()
        if not muted and not target.muted_by_moderator:
            return target  # nothing to allow
        after = replace(target, muted=True, muted_by_moderator=muted)
        if after == target:
            return target
        await s.save(target, after, MuteChanged(key, True, muted))
    return after


async def set_role(ctx: Context, actor: User, room_id: str, key: str, role: Role) -> Participant:
    """Make or unmake a moderator, or hand the host role on (the host becomes a moderator)."""
    async with ctx.transaction() as uow:
        s = await scene(ctx, uow, room_id, actor)
        target = await s.person(key)
        action = {
            Role.MODERATOR: Action.MAKE_MODERATOR,
            Role.SPEAKER: Action.UNMAKE_MODERATOR,
            Role.HOST: Action.MAKE_HOST,
        }.get(role)
        if action is None:
            raise Conflict("Use the stage and audience moves for that.", code="bad_role")
        can(s.actor(), action, target.role).check()
        user = _account(target)
        after = with_role(target, role)
        await s.save(target, after, RoleChanged.of(after))
        if role is Role.HOST:
            me_after = with_role(s.me, Role.MODERATOR)
            await s.save(s.me, me_after, RoleChanged.of(me_after))
            s.room = replace(s.room, host_id=user.id, host_absent_since=None)
            await uow.rooms.save(s.room)
            uow.publish(room_channel(s.room.id), HostChanged(user))
            await refresh_hallway(uow, s.room)
    return after


async def remove(ctx: Context, actor: User, room_id: str, key: str, ban: bool) -> None:
    """Out of the room until it ends, any role taken away: the account and the browser they
    came with. A ban also keeps them out of every room of this host until the host lifts
    it; guests too, by their browser."""
    async with ctx.transaction() as uow:
        s = await scene(ctx, uow, room_id, actor)
        target = await s.person(key)
        can(s.actor(), Action.BAN if ban else Action.REMOVE, target.role).check()
        user_id = target.user.id if target.user else None
        device, now = await uow.participants.device(s.room.id, key), ctx.clock()
        await uow.removals.add(s.room.id, key, user_id, device, actor.id, now)
        if ban:
            await uow.bans.add(s.room.host_id, user_id, device, s.room.id, actor.id, now)
        await depart(ctx, uow, s.room, target, ParticipantRemoved(key, ban))


async def depart(
    ctx: Context, uow: UnitOfWork, room: Room, p: Participant, update: RoomUpdate
) -> None:
    """Someone is out of the room now (removed, blocked by its host, a guest when guests are
    no longer welcome): off the stage, out of the mix, their socket told."""
    await uow.participants.save(room.id, with_role(p, Role.LISTENER))
    await uow.participants.depart(room.id, p.key)
    uow.publish(room_channel(room.id), update)
    await refresh_hallway(uow, room)
    key = p.key
    after_commit_media(ctx, uow, lambda engine: engine.drop(room.id, key))


async def change_settings(
    ctx: Context, actor: User, room_id: str, settings: RoomSettings
) -> RoomSettings:
    async with ctx.transaction() as uow:
        s = await scene(ctx, uow, room_id, actor)
        can(s.actor(), Action.EDIT_ROOM).check()
        if settings == s.room.settings:
            return settings
        recording_changed = settings.record != s.room.settings.record
        closed_to_guests = s.room.settings.guests and not settings.guests
        s.room = replace(s.room, settings=settings)
        await uow.rooms.save(s.room)
        uow.publish(room_channel(s.room.id), SettingsChanged(settings))  # guests' sockets close
        if closed_to_guests:
            for p in await uow.participants.participants(s.room.id, uow.users):
                if p.is_guest:
                    await depart(ctx, uow, s.room, p, ParticipantLeft(p.key))
        if recording_changed:
            follow_recording(ctx, uow, s.room)
        if not settings.hand_raising:  # hands down: the queue is closed
            for p in await uow.participants.participants(s.room.id, uow.users):
                if p.hand_raised_at is not None:
                    await s.save(p, replace(p, hand_raised_at=None), HandChanged(p.key, None))
    return settings


async def time_turn(
    ctx: Context, actor: User, room_id: str, key: str | None, seconds: int
) -> SpeakingTimer | None:
    """Give someone on stage the floor for `seconds` (debate turns), or stop the timer."""
    async with ctx.transaction() as uow:
        s = await scene(ctx, uow, room_id, actor)
        if key is None:
            can(s.actor(), Action.TIME_TURN, Role.SPEAKER).check()
            timer = None
        else:
            target = s.me if key == s.me.key else await s.person(key)
            can(s.actor(), Action.TIME_TURN, target.role).check()
            timer = SpeakingTimer(key, ctx.clock() + timedelta(seconds=seconds))
        s.room = replace(s.room, timer=timer)
        await uow.rooms.save(s.room)
        uow.publish(room_channel(s.room.id), TimerChanged(timer))
    return timer
