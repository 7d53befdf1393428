"""Discovery: the hallway ranked for each viewer, and what is trending. Pure functions over
room summaries and what we know of the viewer; static/js/state.js ranks the same way
(tests/integration/browser/test_state_js.py checks that they agree).

The order, most important first:
1. live rooms with someone the viewer follows on stage (hosting or speaking);
2. rooms of the viewer's clubs;
3. rooms on the viewer's topics;
4. everything else.
Within each tier, by heat: the people in the room, halved for every HALF_LIFE the room
has been going, so that a fresh room of 20 comes before a five-hour-old room of 60.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from roomcast.domain.model import RoomId, Topic, UserId
from roomcast.domain.updates import RoomSummary

HALF_LIFE = timedelta(hours=2)
TRENDING_WINDOW = timedelta(hours=1)


class Tier(enum.IntEnum):
    FOLLOWED_ON_STAGE = 0
    CLUB = 1
    TOPIC = 2
    REST = 3


@dataclass(frozen=True, slots=True)
class Interests:
    """What the ranking knows of a viewer (nothing, for a guest)."""

    followed: frozenset[UserId] = frozenset()
    clubs: frozenset[int] = frozenset()
    topics: frozenset[Topic] = frozenset()


def tier(room: RoomSummary, viewer: Interests) -> Tier:
    on_stage = {room.host.id, *(u.id for u in room.speakers)}
    if on_stage & viewer.followed:
        return Tier.FOLLOWED_ON_STAGE
    if room.club is not None and room.club.id in viewer.clubs:
        return Tier.CLUB
    if room.topic in viewer.topics:
        return Tier.TOPIC
    return Tier.REST


def heat(room: RoomSummary, now: datetime) -> float:
    """Size with recency: everyone in the room, halved every HALF_LIFE of its age."""
    people = room.listener_count + room.speaker_count
    started = room.started_at or now
    age = max((now - started).total_seconds(), 0.0)
    decay: float = 0.5 ** (age / HALF_LIFE.total_seconds())
    return people * decay


def rank_key(room: RoomSummary, viewer: Interests, now: datetime) -> tuple[int, float, str]:
    # rounded, so that the browser's floating point agrees with ours on ties
    return (tier(room, viewer), -round(heat(room, now), 6), room.id)


def rank(rooms: Iterable[RoomSummary], viewer: Interests, now: datetime) -> tuple[RoomSummary, ...]:
    return tuple(sorted(rooms, key=lambda r: rank_key(r, viewer, now)))


def trending(
    counts: Mapping[RoomId, int], rooms: Iterable[RoomSummary], limit: int = 10
) -> tuple[RoomSummary, ...]:
    """The rooms the most people came to in the last TRENDING_WINDOW (`counts`: room id to
    the people who joined it then, or are in it), most first; rooms nobody came to are
    not trending."""
    scored = [(counts.get(r.id, 0), r) for r in rooms]
    ordered = sorted((x for x in scored if x[0] > 0), key=lambda x: (-x[0], x[1].id))
    return tuple(r for _, r in ordered[:limit])
