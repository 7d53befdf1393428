"""Room lifecycle (scheduled → live → ended), who may enter, and the host's grace period."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from roomcast.domain.model import (
    EndReason,
    Role,
    Room,
    RoomId,
    RoomSettings,
    RoomState,
    Topic,
    UserId,
    Visibility,
)
from roomcast.domain.permissions import Actor, can_enter
from roomcast.errors import Conflict, Forbidden, Gone, NotAuthenticated


@dataclass(frozen=True, slots=True)
class RoomDraft:
    """What a host fills in; already validated for shape at the edge."""

    title: str
    description: str
    topic: Topic
    language: str
    visibility: Visibility
    record: bool = False
    club_id: int | None = None  # started as this club's room
    music: bool = False  # audio coded for music (RoomSettings.music)


def start_now(room_id: RoomId, host_id: UserId, draft: RoomDraft, now: datetime) -> Room:
    """A room created to go live at once. Its host is not in it until they connect, so the
    grace period runs from now: a room whose host never shows up ends by itself."""
    return Room(
        id=room_id,
        host_id=host_id,
        title=draft.title,
        description=draft.description,
        topic=draft.topic,
        language=draft.language,
        visibility=draft.visibility,
        state=RoomState.LIVE,
        created_at=now,
        started_at=now,
        host_absent_since=now,
        settings=RoomSettings(record=draft.record, music=draft.music),
        club_id=draft.club_id,
    )


def end(room: Room, reason: EndReason, now: datetime) -> Room:
    if room.state is RoomState.ENDED:
        raise Gone("This room has already ended.", code="room_ended")
    return replace(
        room, state=RoomState.ENDED, ended_at=now, end_reason=reason, host_absent_since=None
    )


def check_live(room: Room) -> None:
    if room.state is RoomState.ENDED:
        raise Gone("This room has ended.", code="room_ended")
    if room.state is RoomState.SCHEDULED:
        raise Conflict("This room has not started yet.", code="room_not_started")


def may_view(room: Room, actor: Actor, now: datetime) -> None:
    """Who may see a room at all (its page and snapshot, live or ended). Open rooms are
    listed and link rooms are not; guests need neither a link room nor one closed to them;
    a club's members-only room is for its members (and its host); removed, banned (by the
    host or the club), blocked and suspended people are refused. A ticketed room is for
    those with a ticket and those with a part in it: its host, its event's co-hosts, people
    on its stage, the club's moderators. `now` is for timed rules to come."""
    if actor.is_guest and room.visibility in (Visibility.LINK, Visibility.MEMBERS):
        raise NotAuthenticated("Sign in to join this room.", code="sign_in_required")
    if actor.is_guest and room.ticketed:
        raise NotAuthenticated("Sign in to buy a ticket for this room.", code="sign_in_required")
    if actor.is_guest and not room.settings.guests:
        raise NotAuthenticated(
            "This room is for signed-in listeners: sign in to join.", code="sign_in_required"
        )
    can_enter(actor).check()
    if (
        room.visibility is Visibility.MEMBERS
        and not actor.club_member
        and actor.role is not Role.HOST
    ):
        raise Forbidden("This room is for the club's members.", code="members_only")
    if room.ticketed and not has_part(actor) and not actor.ticket:
        raise Forbidden("This room needs a ticket.", code="ticket_required")


def has_part(actor: Actor) -> bool:
    """In a ticketed room: let in without a ticket (they make the room)."""
    return (
        actor.role in (Role.HOST, Role.MODERATOR, Role.SPEAKER)
        or actor.cohost
        or actor.club_moderator
    )


def may_enter(room: Room, actor: Actor, now: datetime) -> None:
    """Every door into a live room asks this: the room socket and the media offer."""
    check_live(room)
    may_view(room, actor, now)


def role_on_join(
    room: Room, user_id: UserId | None, previous: Role | None, club_moderator: bool = False
) -> Role:
    """The host is always on stage; anyone else keeps the role they had before a reconnect
    (a former host who handed the room on comes back as a moderator). A club's admins and
    moderators come into its rooms as moderators."""
    if user_id is not None and user_id == room.host_id:
        return Role.HOST
    if previous is Role.HOST:
        return Role.MODERATOR
    if previous is None and club_moderator and room.club_id is not None:
        return Role.MODERATOR
    return previous if previous is not None else Role.LISTENER


def without_timer_of(room: Room, key: str) -> Room:
    """The room once `key` has left it: their speaking timer, if they had it, is over."""
    return replace(room, timer=None) if room.timer and room.timer.key == key else room


def host_left(room: Room, now: datetime) -> Room:
    return replace(room, host_absent_since=now) if room.is_live else room


def host_returned(room: Room) -> Room:
    return replace(room, host_absent_since=None)


def host_timed_out(room: Room, now: datetime, grace: timedelta) -> bool:
    """True when the host has been away longer than the grace period: the room should end."""
    return (
        room.is_live
        and room.host_absent_since is not None
        and now - room.host_absent_since >= grace
    )


def listed_to(room: Room, clubs: frozenset[int] | set[int]) -> bool:
    """Shown in the hallway of someone in these clubs."""
    if not room.is_live:
        return False
    if room.visibility is Visibility.MEMBERS:
        return room.club_id in clubs
    return room.visibility is Visibility.OPEN


def is_listed(room: Room) -> bool:
    """Shown in the hallway to everyone (a club's members-only rooms: to its members)."""
    return room.is_live and room.visibility is Visibility.OPEN
