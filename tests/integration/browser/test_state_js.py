"""The page's state.js applies updates exactly as the domain's apply() does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Browser

from roomcast.domain.model import (
    ChatMessage,
    EndReason,
    Participant,
    Poll,
    PublicUser,
    Question,
    Role,
    RoomId,
    RoomSettings,
    RoomState,
    SpeakingTimer,
    Topic,
    UserId,
    Visibility,
)
from roomcast.domain.updates import (
    ChatDeleted,
    ChatPosted,
    HallwayRoomChanged,
    HallwayRoomRemoved,
    HallwaySnapshot,
    HandChanged,
    HostChanged,
    InviteChanged,
    LinkPinned,
    MuteChanged,
    ParticipantJoined,
    ParticipantLeft,
    ParticipantRemoved,
    PollClosed,
    PollOpened,
    PollVoted,
    QuestionAnswered,
    QuestionAsked,
    QuestionVoted,
    RoleChanged,
    RoomEnded,
    RoomSnapshot,
    RoomSummary,
    RoomView,
    SettingsChanged,
    TimerChanged,
    apply,
    apply_hallway,
)
from roomcast.web import wire
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser
T0 = datetime(2026, 11, 25, 12, tzinfo=UTC)
HOST = PublicUser(UserId(1), "host", "Host")
BOB = PublicUser(UserId(2), "bob", "Bob")


def at(s: int) -> datetime:
    return T0 + timedelta(seconds=s)


async def test_room_and_hallway_updates_match_python(
    browser: Browser, web_server: LiveServer
) -> None:
    view = RoomView(
        RoomId("r1"),
        "T",
        "",
        Topic.TECH,
        "en",
        Visibility.OPEN,
        RoomState.LIVE,
        HOST,
        T0,
        None,
        None,
    )
    room = RoomSnapshot(view, (Participant("u1", HOST, Role.HOST, at(0)),))
    room_updates = [
        ParticipantJoined(Participant("g1", None, Role.LISTENER, at(5))),
        ParticipantJoined(Participant("u2", BOB, Role.LISTENER, at(3))),  # ordered by join time
        HandChanged("u2", at(4)),
        InviteChanged("u2", True),
        RoleChanged("u2", Role.SPEAKER),
        MuteChanged("u2", True),
        MuteChanged("u2", True, True),
        RoleChanged("u2", Role.MODERATOR, True, True),  # a role change keeps the mute
        RoleChanged("u2", Role.LISTENER),
        SettingsChanged(RoomSettings(False, True, False, guests=False)),
        HostChanged(BOB),
        ChatPosted(ChatMessage(7, BOB, "hi <b>x</b>", at(10))),
        ChatPosted(ChatMessage(5, HOST, "earlier", at(9))),
        ChatDeleted(7),
        LinkPinned("https://example.org/"),
        QuestionAsked(Question(3, BOB, "Why <b>?", at(11))),
        QuestionAsked(Question(2, HOST, "How?", at(10), (UserId(2),))),
        QuestionVoted(3, UserId(1)),
        QuestionVoted(3, UserId(1)),  # idempotent
        QuestionAnswered(2, True),
        PollOpened(Poll(4, "A or B?", ("A", "B", "C"), (0, 0, 0), at(12))),
        PollVoted(4, (0, 0, 1), mine=2),  # the viewer's own vote
        PollVoted(4, (1, 0, 1)),  # someone else's: counts only, the viewer's choice stays
        PollClosed(4),
        TimerChanged(SpeakingTimer("u1", at(90))),
        TimerChanged(None),
        TimerChanged(SpeakingTimer("u1", at(120))),
        ParticipantRemoved("u2", True),
        ParticipantJoined(Participant("u2", BOB, Role.SPEAKER, at(3), muted=True)),  # idempotent
        ParticipantLeft("g1"),
        ParticipantLeft("nobody"),
        RoomEnded(at(60), EndReason.HOST_ENDED),
    ]
    summary = RoomSummary(RoomId("r1"), "T", Topic.TECH, "en", HOST, (HOST,), 1, 0, at(0))
    newer = RoomSummary(RoomId("r2"), "U", Topic.NEWS, "fr", BOB, (), 0, 3, at(9))
    hallway = HallwaySnapshot(())
    hall_updates = [
        HallwayRoomChanged(summary),
        HallwayRoomChanged(newer),
        HallwayRoomChanged(summary),
        HallwayRoomRemoved(RoomId("r2")),
    ]

    page = await (await browser.new_context()).new_page()
    await page.goto(web_server.url + "/")
    js = await page.evaluate(
        """async ([room, roomUpdates, hall, hallUpdates]) => {
            const s = await import('/static/js/state.js');
            const rooms = [], halls = [];
            for (const u of roomUpdates) { room = s.applyRoom(room, u); rooms.push(room); }
            for (const u of hallUpdates) { hall = s.applyHallway(hall, u); halls.push(hall); }
            return [rooms, halls];
        }""",
        [
            wire.dump(wire.room_snapshot, room),
            [wire.dump(wire.room_update, u) for u in room_updates],
            wire.dump(wire.hallway_snapshot, hallway),
            [wire.dump(wire.hallway_update, u) for u in hall_updates],
        ],
    )
    for u, got in zip(room_updates, js[0], strict=True):
        room = apply(room, u)
        assert got == wire.dump(wire.room_snapshot, room), u
    for h, got in zip(hall_updates, js[1], strict=True):
        hallway = apply_hallway(hallway, h)
        assert got == wire.dump(wire.hallway_snapshot, hallway), h


async def test_the_hallway_is_ranked_as_python_ranks_it(
    browser: Browser, web_server: LiveServer
) -> None:
    from roomcast.domain import discovery
    from roomcast.domain.model import ClubTag
    from tests.unit.domain.test_discovery import NOW, VIEWER, room

    jazz = ClubTag(7, "jazz", "Jazz")
    ana = PublicUser(UserId(1), "ana", "Ana")
    rooms = [
        room("huge", listeners=500),
        room("sports", topic=Topic.SPORTS, listeners=3),
        room("jazz-small", club=jazz, listeners=1),
        room("jazz-big", club=jazz, listeners=40, topic=Topic.SPORTS),
        room("ana-speaks", speakers=(ana,), listeners=2),
        room("old-crowd", listeners=60, age=timedelta(hours=5)),
        room("fresh-crowd", listeners=20, age=timedelta(minutes=1)),
        room("tie-b", listeners=7, age=timedelta(minutes=30)),
        room("tie-a", listeners=7, age=timedelta(minutes=30)),
    ]
    viewer = {
        "followed": sorted(VIEWER.followed),
        "clubs": sorted(VIEWER.clubs),
        "topics": sorted(t.value for t in VIEWER.topics),
    }
    page = await (await browser.new_context()).new_page()
    await page.goto(web_server.url + "/")
    for interests, as_json in ((VIEWER, viewer), (discovery.Interests(), None)):
        got = await page.evaluate(
            """async ([hall, interests, now]) => {
                const s = await import('/static/js/state.js');
                const viewer = interests || { followed: [], clubs: [], topics: [] };
                return s.rankHallway(hall.rooms, viewer, now).map((r) => r.id);
            }""",
            [
                wire.dump(wire.hallway_snapshot, HallwaySnapshot(tuple(rooms))),
                as_json,
                NOW.timestamp() * 1000,
            ],
        )
        assert got == [r.id for r in discovery.rank(rooms, interests, NOW)]
