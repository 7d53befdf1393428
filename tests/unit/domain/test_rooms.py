from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from roomcast.domain import rooms
from roomcast.domain.model import (
    EndReason,
    Role,
    RoomId,
    RoomSettings,
    RoomState,
    Topic,
    UserId,
    Visibility,
)
from roomcast.domain.permissions import Actor
from roomcast.errors import Conflict, Gone, RoomcastError

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
DRAFT = rooms.RoomDraft("Title", "", Topic.TECH, "en", Visibility.OPEN)


def live_room():
    return rooms.start_now(RoomId("r1"), UserId(1), DRAFT, T0)


def test_start_now_is_live_at_once() -> None:
    room = live_room()
    assert room.state is RoomState.LIVE and room.started_at == T0 and room.ended_at is None
    assert room.host_absent_since == T0  # a host who never connects does not keep it open
    assert rooms.is_listed(room)
    assert not rooms.is_listed(
        rooms.start_now(
            RoomId("r2"), UserId(1), rooms.RoomDraft("t", "", Topic.TECH, "en", Visibility.LINK), T0
        )
    )


def test_end_once() -> None:
    ended = rooms.end(live_room(), EndReason.HOST_ENDED, T0 + timedelta(minutes=5))
    assert ended.state is RoomState.ENDED and ended.end_reason is EndReason.HOST_ENDED
    assert not rooms.is_listed(ended)
    with pytest.raises(Gone):
        rooms.end(ended, EndReason.HOST_ENDED, T0)
    with pytest.raises(Gone):
        rooms.check_live(ended)


def test_scheduled_rooms_cannot_be_entered_yet() -> None:
    from dataclasses import replace

    scheduled = replace(live_room(), state=RoomState.SCHEDULED, started_at=None)
    with pytest.raises(Conflict):
        rooms.check_live(scheduled)
    rooms.check_live(live_room())  # no error


def test_role_on_join() -> None:
    room = live_room()
    assert rooms.role_on_join(room, UserId(1), None) is Role.HOST
    assert rooms.role_on_join(room, UserId(1), Role.LISTENER) is Role.HOST
    assert rooms.role_on_join(room, UserId(2), None) is Role.LISTENER
    assert rooms.role_on_join(room, UserId(2), Role.SPEAKER) is Role.SPEAKER  # kept on reconnect
    assert rooms.role_on_join(room, None, None) is Role.LISTENER
    # a club's moderators come into its rooms as moderators; elsewhere they are anyone
    club_room = replace(room, club_id=7)
    assert rooms.role_on_join(club_room, UserId(3), None, club_moderator=True) is Role.MODERATOR
    assert rooms.role_on_join(room, UserId(3), None, club_moderator=True) is Role.LISTENER
    # moved to the audience in this room, they stay there when they reconnect
    assert rooms.role_on_join(club_room, UserId(3), Role.LISTENER, True) is Role.LISTENER
    with pytest.raises(ValueError):
        replace(room, visibility=Visibility.MEMBERS)  # members-only needs a club


def test_host_grace_period() -> None:
    grace = timedelta(seconds=60)
    room = rooms.host_left(rooms.host_returned(live_room()), T0)
    assert not rooms.host_timed_out(room, T0 + timedelta(seconds=59), grace)
    assert rooms.host_timed_out(room, T0 + timedelta(seconds=60), grace)
    back = rooms.host_returned(room)
    assert not rooms.host_timed_out(back, T0 + timedelta(hours=1), grace)
    ended = rooms.end(room, EndReason.HOST_LEFT, T0 + grace)
    assert ended.host_absent_since is None
    assert rooms.host_left(ended, T0) is ended  # nothing to time out in an ended room


def test_room_invariants() -> None:
    from dataclasses import replace

    with pytest.raises(ValueError):
        replace(live_room(), title="  ")
    with pytest.raises(ValueError):
        replace(live_room(), state=RoomState.ENDED)  # ended without ended_at


@pytest.mark.parametrize(
    ("actor", "visibility", "guests", "refusal"),
    [
        (Actor(None), Visibility.OPEN, True, None),
        (Actor(None, is_guest=True), Visibility.OPEN, True, None),
        (Actor(None, is_guest=True), Visibility.LINK, True, "sign_in_required"),
        (Actor(None, is_guest=True), Visibility.OPEN, False, "sign_in_required"),
        (Actor(None), Visibility.LINK, False, None),
        (Actor(None, removed=True), Visibility.OPEN, True, "removed"),
        (Actor(None, is_guest=True, removed=True), Visibility.OPEN, True, "removed"),
        (Actor(None, banned=True, removed=True), Visibility.OPEN, True, "banned"),
        (Actor(None, is_guest=True, banned=True), Visibility.OPEN, True, "banned"),
        (Actor(None, blocked_by_host=True), Visibility.OPEN, True, "not_allowed"),
        (Actor(None, suspended=True), Visibility.OPEN, True, "suspended"),
        # a club's rooms: members-only ones for members; a club ban shuts every club room
        (Actor(None, club_member=True), Visibility.MEMBERS, True, None),
        (Actor(None, club_member=True, club_moderator=True), Visibility.MEMBERS, True, None),
        (Actor(None), Visibility.MEMBERS, True, "members_only"),
        (Actor(Role.SPEAKER), Visibility.MEMBERS, True, "members_only"),  # removed from club
        (Actor(Role.HOST), Visibility.MEMBERS, True, None),  # the host, even if they left it
        (Actor(None, is_guest=True), Visibility.MEMBERS, True, "sign_in_required"),
        (Actor(None, club_banned=True), Visibility.OPEN, True, "club_banned"),
        (Actor(None, is_guest=True, club_banned=True), Visibility.OPEN, True, "club_banned"),
        (Actor(None, club_member=True, banned=True), Visibility.MEMBERS, True, "banned"),
        (Actor(None, club_member=True, suspended=True), Visibility.MEMBERS, True, "suspended"),
        (Actor(None, club_member=True, removed=True), Visibility.MEMBERS, True, "removed"),
    ],
)
def test_who_may_enter(
    actor: Actor, visibility: Visibility, guests: bool, refusal: str | None
) -> None:
    room = replace(
        live_room(), visibility=visibility, settings=RoomSettings(guests=guests), club_id=7
    )
    if refusal is None:
        rooms.may_enter(room, actor, T0)
        rooms.may_view(room, actor, T0)
        return
    for door in (rooms.may_enter, rooms.may_view):
        with pytest.raises(RoomcastError) as refused:
            door(room, actor, T0)
        assert refused.value.code == refusal and refused.value.message


@pytest.mark.parametrize(
    ("actor", "visibility", "refusal"),
    [
        # no ticket, no audio: buyers and those with a part in the room, nobody else
        (Actor(None), Visibility.OPEN, "ticket_required"),
        (Actor(Role.LISTENER), Visibility.OPEN, "ticket_required"),  # came in, then refunded
        (Actor(None, ticket=True), Visibility.OPEN, None),
        (Actor(Role.LISTENER, ticket=True), Visibility.OPEN, None),
        (Actor(None, is_guest=True), Visibility.OPEN, "sign_in_required"),
        (Actor(None, is_guest=True, ticket=True), Visibility.OPEN, "sign_in_required"),
        (Actor(Role.HOST), Visibility.OPEN, None),
        (Actor(None, cohost=True), Visibility.OPEN, None),
        (Actor(Role.MODERATOR), Visibility.OPEN, None),
        (Actor(Role.SPEAKER), Visibility.OPEN, None),  # brought on stage: an invited speaker
        (Actor(None, club_member=True, club_moderator=True), Visibility.OPEN, None),
        (Actor(None, club_member=True), Visibility.OPEN, "ticket_required"),
        (Actor(None, is_admin=True), Visibility.OPEN, "ticket_required"),
        (Actor(None, ticket=True), Visibility.LINK, None),
        # a ticket opens no door that standing or the club shuts
        (Actor(None, ticket=True, banned=True), Visibility.OPEN, "banned"),
        (Actor(None, ticket=True, removed=True), Visibility.OPEN, "removed"),
        (Actor(None, ticket=True, blocked_by_host=True), Visibility.OPEN, "not_allowed"),
        (Actor(None, ticket=True, suspended=True), Visibility.OPEN, "suspended"),
        (Actor(None, ticket=True, club_banned=True), Visibility.OPEN, "club_banned"),
        (Actor(None, ticket=True), Visibility.MEMBERS, "members_only"),
        (Actor(None, ticket=True, club_member=True), Visibility.MEMBERS, None),
        (Actor(None, club_member=True), Visibility.MEMBERS, "ticket_required"),
    ],
)
def test_who_may_enter_a_ticketed_room(
    actor: Actor, visibility: Visibility, refusal: str | None
) -> None:
    room = replace(live_room(), visibility=visibility, club_id=7, ticketed=True)
    if refusal is None:
        rooms.may_enter(room, actor, T0)
        rooms.may_view(room, actor, T0)
        return
    for door in (rooms.may_enter, rooms.may_view):
        with pytest.raises(RoomcastError) as refused:
            door(room, actor, T0)
        assert refused.value.code == refusal and refused.value.message


def test_ended_rooms_are_seen_but_not_entered() -> None:
    ended = rooms.end(live_room(), EndReason.HOST_ENDED, T0)
    rooms.may_view(ended, Actor(None, is_guest=True), T0)
    with pytest.raises(Gone):
        rooms.may_enter(ended, Actor(None), T0)
