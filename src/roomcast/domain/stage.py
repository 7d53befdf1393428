"""The stage as a state machine: `decide(scene, command, now) -> Decision`. Pure.

A stage command (raise a hand, invite, accept, move, mute, make a moderator, hand the room
on, remove, change the room's settings, time a turn) is decided from a `Scene`: the live
room, who acts (their participant and standing) and the people the command touches. The
`Decision` holds the new participant states, the changed room, the typed updates for every
client, who is out of the room now, and what each changed person's microphone should do.
Actions load the scene, call `decide`, save the decision and publish it; nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from roomcast.domain.model import (
    Participant,
    PublicUser,
    Role,
    Room,
    RoomSettings,
    SpeakingTimer,
    UserId,
)
from roomcast.domain.permissions import Action, Actor, can
from roomcast.domain.updates import (
    HandChanged,
    HostChanged,
    InviteChanged,
    MicBlocked,
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

# --- commands ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RaiseHand:
    raised: bool


@dataclass(frozen=True, slots=True)
class DismissHand:
    key: str  # a listener whose hand a host or moderator lowers


@dataclass(frozen=True, slots=True)
class Invite:
    key: str


@dataclass(frozen=True, slots=True)
class AnswerInvite:
    accept: bool


@dataclass(frozen=True, slots=True)
class MoveToAudience:
    key: str  # someone else (hosts, moderators), or oneself: stepping down


@dataclass(frozen=True, slots=True)
class MuteSelf:
    muted: bool


@dataclass(frozen=True, slots=True)
class ReportMic:
    blocked: bool  # one's own browser gives no microphone (denied, or no device)


@dataclass(frozen=True, slots=True)
class MuteOther:
    key: str
    muted: bool  # False: let them unmute again (they stay muted until they do)


@dataclass(frozen=True, slots=True)
class SetRole:
    key: str
    role: Role  # MODERATOR: make one; SPEAKER: unmake one; HOST: hand the room on


@dataclass(frozen=True, slots=True)
class Remove:
    key: str
    ban: bool


@dataclass(frozen=True, slots=True)
class ChangeSettings:
    settings: RoomSettings


@dataclass(frozen=True, slots=True)
class TimeTurn:
    key: str | None  # None: stop the timer
    seconds: int = 60


Command = (
    RaiseHand
    | DismissHand
    | Invite
    | AnswerInvite
    | MoveToAudience
    | MuteSelf
    | ReportMic
    | MuteOther
    | SetRole
    | Remove
    | ChangeSettings
    | TimeTurn
)


def touches(command: Command) -> frozenset[str] | None:
    """The keys of the people a command is about, besides the actor; None: everyone (a
    settings change lowers hands and may put guests out)."""
    match command:
        case (
            Invite(key=k)
            | DismissHand(key=k)
            | MoveToAudience(key=k)
            | MuteOther(key=k)
            | SetRole(key=k)
        ):
            return frozenset({k})
        case Remove(key=k):
            return frozenset({k})
        case TimeTurn(key=k):
            return frozenset({k}) if k else frozenset()
        case ChangeSettings():
            return None
    return frozenset()


# --- scene and decision -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scene:
    """What a command sees: the live room, the actor (their participant and standing), and
    the present people it touches, by key (see `touches`)."""

    room: Room
    actor: Actor
    me: Participant
    people: Mapping[str, Participant] = field(default_factory=dict)

    def person(self, key: str) -> Participant:
        if key == self.me.key:
            return self.me
        found = self.people.get(key)
        if found is None:
            raise NotFound("They are not in this room right now.", code="not_in_room")
        return found


@dataclass(frozen=True, slots=True)
class Removal:
    key: str
    user_id: UserId | None  # None: a guest, known by their browser
    ban: bool  # also out of every room of this host, until they lift it
    by: UserId | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    before: tuple[Participant, ...] = ()  # the changed people as they were
    people: tuple[Participant, ...] = ()  # and as they are now, in the same order
    room: Room | None = None  # the room, when it changed (settings, host, timer)
    updates: tuple[RoomUpdate, ...] = ()  # for every client, in order
    departed: tuple[str, ...] = ()  # out of the room now (removed, guests shut out)
    removal: Removal | None = None
    answer: Participant | RoomSettings | SpeakingTimer | None = None

    @property
    def can_speak(self) -> dict[str, bool]:
        """The desired microphone state of everyone the decision changed (level-triggered:
        the media engine is told the state, not a toggle)."""
        return {p.key: p.can_speak for p in self.people if p.key not in self.departed}

    @property
    def stage_changed(self) -> bool:
        """Someone came on or left the stage, or the room: the hallway's summary changes."""
        pairs = zip(self.before, self.people, strict=True)
        moved = any(a.role.on_stage != b.role.on_stage for a, b in pairs)
        return moved or bool(self.departed)


def put_out(room: Room, p: Participant, update: RoomUpdate) -> Decision:
    """Someone leaves the room now for a reason outside the stage (its host blocked them)."""
    out = Decision((p,), (with_role(p, Role.LISTENER),), updates=(update,), departed=(p.key,))
    return timer_follows_stage(room, out)


def timer_follows_stage(room: Room, d: Decision) -> Decision:
    """A speaking timer ends when its speaker leaves the stage (or the room)."""
    timer = (d.room or room).timer
    if timer is None:
        return d
    off = timer.key in d.departed or any(
        p.key == timer.key and not p.role.on_stage for p in d.people
    )
    if not off:
        return d
    return replace(
        d, room=replace(d.room or room, timer=None), updates=(*d.updates, TimerChanged(None))
    )


def succession(room: Room, present: tuple[Participant, ...]) -> Decision | None:
    """The host stayed away past the grace period: the longest-present moderator with an
    account becomes host (keeping their own microphone state); None: nobody, the room ends."""
    heir = next(
        (
            p
            for p in sorted(present, key=lambda p: (p.joined_at, p.key))
            if p.role is Role.MODERATOR and p.user
        ),
        None,
    )
    if heir is None or heir.user is None:
        return None
    host = with_role(heir, Role.HOST)
    return Decision(
        (heir,),
        (host,),
        room=replace(room, host_id=heir.user.id, host_absent_since=None),
        updates=(RoleChanged.of(host), HostChanged(heir.user)),
        answer=host,
    )


def _by(p: Participant) -> UserId | None:
    return p.user.id if p.user else None


def _account(p: Participant) -> PublicUser:
    if p.user is None:
        raise Conflict(
            "Guests listen only; they need an account for that.", code="guest_cannot_speak"
        )
    return p.user


def _changed(
    scene: Scene, pairs: list[tuple[Participant, Participant]], *updates: RoomUpdate, **kw: object
) -> Decision:
    return Decision(
        before=tuple(a for a, _ in pairs),
        people=tuple(b for _, b in pairs),
        updates=updates,
        **kw,  # type: ignore[arg-type]
    )


def decide(scene: Scene, command: Command, now: datetime) -> Decision:
    """The outcome of `command` in `scene`, or a RoomcastError saying why not."""
    return timer_follows_stage(scene.room, _decide(scene, command, now))


def _decide(scene: Scene, command: Command, now: datetime) -> Decision:
    me, room, actor = scene.me, scene.room, scene.actor
    match command:
        case RaiseHand(raised=raised):
            can(actor, Action.RAISE_HAND).check()
            if raised and not room.settings.hand_raising:
                raise Conflict("Hand raising is off in this room.", code="hands_off")
            if raised == (me.hand_raised_at is not None):
                return Decision(answer=me)  # already so: one keeps one's place in the queue
            after = replace(me, hand_raised_at=now if raised else None)
            return _changed(
                scene, [(me, after)], HandChanged(me.key, after.hand_raised_at), answer=after
            )

        case DismissHand(key=key):
            target = scene.person(key)
            can(actor, Action.DISMISS_HAND, target.role).check()
            if target.hand_raised_at is None:
                return Decision(answer=target)  # already down (two moderators at once)
            after = replace(target, hand_raised_at=None)
            return _changed(scene, [(target, after)], HandChanged(key, None), answer=after)

        case Invite(key=key):
            target = scene.person(key)
            can(actor, Action.INVITE_TO_SPEAK, target.role).check()
            _account(target)
            if target.invited:
                return Decision(answer=target)
            after = replace(target, invited=True)
            return _changed(scene, [(target, after)], InviteChanged(key, True), answer=after)

        case AnswerInvite(accept=accept):
            can(actor, Action.ANSWER_INVITE).check()
            if not me.invited:
                raise Conflict("Nobody has invited you to speak.", code="no_invitation")
            if accept:  # their own yes: the microphone opens, unless the room says join muted
                after = replace(
                    me,
                    role=Role.SPEAKER,
                    muted=room.settings.speakers_join_muted,
                    muted_by_moderator=False,
                    hand_raised_at=None,
                    invited=False,
                )
                return _changed(scene, [(me, after)], RoleChanged.of(after), answer=after)
            after = replace(me, invited=False, hand_raised_at=None)
            return _changed(
                scene,
                [(me, after)],
                InviteChanged(me.key, False),
                HandChanged(me.key, None),
                answer=after,
            )

        case MoveToAudience(key=key):
            target = scene.person(key)
            if target.key == me.key:
                can(actor, Action.STEP_DOWN).check()
            else:
                can(actor, Action.MOVE_TO_AUDIENCE, target.role).check()
            after = with_role(target, Role.LISTENER)
            return _changed(scene, [(target, after)], RoleChanged.of(after), answer=after)

        case MuteSelf(muted=muted):
            can(actor, Action.MUTE_SELF).check()
            if not muted and me.muted_by_moderator:
                raise Forbidden(
                    "A moderator muted you; they can let you unmute.", code="muted_by_moderator"
                )
            if me.muted == muted:
                return Decision(answer=me)
            after = replace(me, muted=muted)
            update = MuteChanged(me.key, muted, after.muted_by_moderator)
            return _changed(scene, [(me, after)], update, answer=after)

        case ReportMic(blocked=blocked):
            if blocked:  # only a microphone that should work is news; clearing is always fine
                can(actor, Action.MUTE_SELF).check()
            if me.mic_blocked == blocked:
                return Decision(answer=me)
            after = replace(me, mic_blocked=blocked)
            return _changed(scene, [(me, after)], MicBlocked(me.key, blocked), answer=after)

        case MuteOther(key=key, muted=muted):
            target = scene.person(key)
            can(actor, Action.MUTE_OTHER, target.role).check()
            after = replace(target, muted=True, muted_by_moderator=muted)
            if (not muted and not target.muted_by_moderator) or after == target:
                return Decision(answer=target)  # nothing to allow, or muted already
            return _changed(scene, [(target, after)], MuteChanged(key, True, muted), answer=after)

        case SetRole(key=key, role=role):
            return _set_role(scene, scene.person(key), role)

        case Remove(key=key, ban=ban):
            target = scene.person(key)
            can(actor, Action.BAN if ban else Action.REMOVE, target.role).check()
            return _changed(
                scene,
                [(target, with_role(target, Role.LISTENER))],
                ParticipantRemoved(key, ban),
                departed=(key,),
                removal=Removal(key, target.user.id if target.user else None, ban, _by(me)),
            )

        case ChangeSettings(settings=settings):
            return _change_settings(scene, settings)

        case TimeTurn(key=key, seconds=seconds):
            if key is None:
                can(actor, Action.TIME_TURN, Role.SPEAKER).check()
                timer = None
            else:
                can(actor, Action.TIME_TURN, scene.person(key).role).check()
                timer = SpeakingTimer(key, now + timedelta(seconds=seconds))
            return Decision(
                room=replace(room, timer=timer), updates=(TimerChanged(timer),), answer=timer
            )
    raise TypeError(f"not a stage command: {command!r}")  # pragma: no cover - exhaustive


def _set_role(scene: Scene, target: Participant, role: Role) -> Decision:
    """Make or unmake a moderator, or hand the host role on (the host becomes a moderator).
    Nobody's microphone opens by it (updates.with_role)."""
    action = {
        Role.MODERATOR: Action.MAKE_MODERATOR,
        Role.SPEAKER: Action.UNMAKE_MODERATOR,
        Role.HOST: Action.MAKE_HOST,
    }.get(role)
    if action is None:
        raise Conflict("Use the stage and audience moves for that.", code="bad_role")
    can(scene.actor, action, target.role).check()
    user = _account(target)
    after = with_role(target, role)
    if role is not Role.HOST:
        return _changed(scene, [(target, after)], RoleChanged.of(after), answer=after)
    me_after = with_role(scene.me, Role.MODERATOR)
    return _changed(
        scene,
        [(target, after), (scene.me, me_after)],
        RoleChanged.of(after),
        RoleChanged.of(me_after),
        HostChanged(user),
        room=replace(scene.room, host_id=user.id, host_absent_since=None),
        answer=after,
    )


def _change_settings(scene: Scene, settings: RoomSettings) -> Decision:
    """Hands go down when raising is turned off; guests go when the room closes to them."""
    can(scene.actor, Action.EDIT_ROOM).check()
    if settings == scene.room.settings:
        return Decision(answer=settings)
    updates: list[RoomUpdate] = [SettingsChanged(settings)]
    pairs: list[tuple[Participant, Participant]] = []
    departed: list[str] = []
    everyone = {scene.me.key: scene.me, **scene.people}
    for p in sorted(everyone.values(), key=lambda p: (p.joined_at, p.key)):
        if p.is_guest and not settings.guests and scene.room.settings.guests:
            pairs.append((p, with_role(p, Role.LISTENER)))
            departed.append(p.key)
            updates.append(ParticipantLeft(p.key))  # their sockets say why (web/live.py)
        elif p.hand_raised_at is not None and not settings.hand_raising:
            pairs.append((p, replace(p, hand_raised_at=None)))
            updates.append(HandChanged(p.key, None))
    return _changed(
        scene,
        pairs,
        *updates,
        room=replace(scene.room, settings=settings),
        departed=tuple(departed),
        answer=settings,
    )
