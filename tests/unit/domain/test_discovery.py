"""The hallway's order for one viewer, explained with fixed data; trending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from roomcast.domain import discovery
from roomcast.domain.discovery import Interests, Tier
from roomcast.domain.model import ClubTag, RoomId, Topic, UserId, public_user
from roomcast.domain.updates import RoomSummary

NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
ANA, BEN, CLEO, DAN = (
    public_user(UserId(i), n, n.title())
    for i, n in enumerate(("ana", "ben", "cleo", "dan"), start=1)
)
JAZZ = ClubTag(7, "jazz", "Jazz")


def room(
    rid: str,
    *,
    host=DAN,  # type: ignore[no-untyped-def]
    speakers=(),  # type: ignore[no-untyped-def]
    listeners: int = 0,
    topic: Topic = Topic.OTHER,
    club: ClubTag | None = None,
    age: timedelta = timedelta(minutes=10),
) -> RoomSummary:
    return RoomSummary(
        id=RoomId(rid),
        title=rid,
        topic=topic,
        language="en",
        host=host,
        speakers=(host, *speakers),
        speaker_count=1 + len(speakers),
        listener_count=listeners,
        started_at=NOW - age,
        club=club,
    )


VIEWER = Interests(
    followed=frozenset({ANA.id}), clubs=frozenset({JAZZ.id}), topics=frozenset({Topic.SPORTS})
)


def test_the_order_explained() -> None:
    rooms = [
        room("huge", listeners=500),  # the biggest room, but nothing of the viewer's
        room("sports", topic=Topic.SPORTS, listeners=3),  # the viewer's topic
        room("jazz-small", club=JAZZ, listeners=1),  # the viewer's club
        room("jazz-big", club=JAZZ, listeners=40, topic=Topic.SPORTS),  # club beats topic
        room("ana-speaks", speakers=(ANA,), listeners=2),  # someone they follow on stage
        room("ana-hosts", host=ANA, listeners=0),
        room("ana-listens", listeners=900),  # ana only listening: not "on stage"
        room("old-crowd", listeners=60, age=timedelta(hours=5)),  # 61 halved 2.5 times
        room("fresh-crowd", listeners=20, age=timedelta(minutes=1)),
    ]
    order = [r.id for r in discovery.rank(rooms, VIEWER, NOW)]
    assert order == [
        "ana-speaks",  # tier 0, 3 people
        "ana-hosts",  # tier 0, 1 person
        "jazz-big",  # tier 1 (also sports: the higher tier counts)
        "jazz-small",
        "sports",  # tier 2
        "ana-listens",  # tier 3, by heat: 901 people
        "huge",  # 501
        "fresh-crowd",  # 21, a minute old: 20.9
        "old-crowd",  # 61 people five hours on: 61 / 2^2.5 = 10.8
    ]
    assert discovery.tier(rooms[4], VIEWER) is Tier.FOLLOWED_ON_STAGE
    assert discovery.tier(rooms[3], VIEWER) is Tier.CLUB
    assert discovery.tier(rooms[1], VIEWER) is Tier.TOPIC
    assert discovery.tier(rooms[0], Interests()) is Tier.REST


def test_heat_halves_every_two_hours() -> None:
    r = room("r", listeners=99, age=timedelta(hours=2))
    assert round(discovery.heat(r, NOW), 6) == 50.0
    assert discovery.heat(room("new", listeners=9, age=timedelta(0)), NOW) == 10.0
    # a clock behind the room's start does not make it hotter than new
    assert discovery.heat(room("ahead", listeners=9, age=-timedelta(minutes=5)), NOW) == 10.0


def test_a_guest_sees_heat_alone_and_ties_break_by_id() -> None:
    rooms = [room("b", listeners=5), room("a", listeners=5), room("c", listeners=6)]
    assert [r.id for r in discovery.rank(rooms, Interests(), NOW)] == ["c", "a", "b"]


def test_trending_by_who_came_in_the_last_hour() -> None:
    rooms = [room("quiet"), room("busy"), room("steady")]
    counts = {RoomId("busy"): 30, RoomId("steady"): 12, RoomId("ghost"): 99}
    assert [r.id for r in discovery.trending(counts, rooms)] == ["busy", "steady"]
    assert [r.id for r in discovery.trending(counts, rooms, limit=1)] == ["busy"]
