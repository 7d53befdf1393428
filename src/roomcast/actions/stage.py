"""The stage: bring people up, move them back, step down, mute oneself. The media engine is
told who may speak after each change commits, so the mix follows the stored state."""

from __future__ import annotations

from roomcast.actions.context import Context
from roomcast.actions.rooms import load_live, participant_key, refresh_hallway
from roomcast.bus import room_channel
from roomcast.domain.model import Participant, Role, RoomId, User, user_key
from roomcast.domain.stage import Action, Actor, can
from roomcast.domain.updates import MuteChanged, RoleChanged
from roomcast.errors import Conflict, NotFound
from roomcast.store import UnitOfWork


async def _present(uow: UnitOfWork, room_id: RoomId, key: str, who: str) -> Participant:
    found = await uow.participants.get(room_id, key, uow.users)
    if found is None:
        raise NotFound(f"{who} not in this room right now.", code="not_in_room")
    return found


def _tell_media(ctx: Context, uow: UnitOfWork, room_id: RoomId, p: Participant) -> None:
    async def effect() -> None:
        ctx.engine.set_can_speak(room_id, p.key, p.can_speak)

    uow.after_commit(effect)


async def set_on_stage(
    ctx: Context, actor: User, room_id: str, target_key: str, on_stage: bool
) -> Participant:
    async with ctx.transaction() as uow:
        room = await load_live(uow, room_id)
        me = await _present(uow, room.id, user_key(actor.id), "You are")
        target = await _present(uow, room.id, target_key, "They are")
        if on_stage:
            can(Actor(me.role), Action.BRING_TO_STAGE).check()
            if target.role.on_stage:
                raise Conflict("They are already on stage.", code="already_on_stage")
            if target.is_guest:
                raise Conflict(
                    "Guests listen only; they need an account to speak.", code="guest_cannot_speak"
                )
            role = Role.SPEAKER
        else:
            action = Action.STEP_DOWN if target.key == me.key else Action.MOVE_TO_AUDIENCE
            can(Actor(me.role), action).check()
            if target.role is Role.HOST:
                raise Conflict("The host stays on stage.", code="host_stays")
            if not target.role.on_stage:
                raise Conflict("They are already in the audience.", code="already_in_audience")
            role = Role.LISTENER
        await uow.participants.set_role(room.id, target.key, role)
        changed = await _present(uow, room.id, target.key, "They are")
        uow.publish(room_channel(room.id), RoleChanged(target.key, role))
        await refresh_hallway(uow, room)
        _tell_media(ctx, uow, room.id, changed)
    return changed


async def set_muted(
    ctx: Context, viewer: User | None, guest_token: str, room_id: str, muted: bool
) -> Participant:
    async with ctx.transaction() as uow:
        room = await load_live(uow, room_id)
        me = await _present(uow, room.id, participant_key(viewer, guest_token), "You are")
        can(Actor(me.role, is_guest=me.is_guest), Action.MUTE_SELF).check()
        if me.muted != muted:
            await uow.participants.set_muted(room.id, me.key, muted)
            uow.publish(room_channel(room.id), MuteChanged(me.key, muted))
        changed = await _present(uow, room.id, me.key, "You are")
        _tell_media(ctx, uow, room.id, changed)
    return changed
