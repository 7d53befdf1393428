from __future__ import annotations

from datetime import UTC, datetime, timedelta

from roomcast.domain.model import (
    EndReason,
    Participant,
    PublicUser,
    Role,
    RoomId,
    RoomState,
    Topic,
    UserId,
    Visibility,
)
from roomcast.domain.updates import (
    HallwayRoomChanged,
    HallwayRoomRemoved,
    HallwaySnapshot,
    ParticipantJoined,
    ParticipantLeft,
    RoleChanged,
    RoomEnded,
    RoomSnapshot,
    RoomSummary,
    RoomView,
    apply,
    apply_hallway,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOST = PublicUser(UserId(1), "host", "Host")
VIEW = RoomView(
    RoomId("r"),
    "Title",
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


def p(
    key: str, role: Role = Role.LISTENER, at: int = 0, user: PublicUser | None = None
) -> Participant:
    return Participant(key, user, role, T0 + timedelta(seconds=at))


def test_join_is_ordered_and_idempotent() -> None:
    s = RoomSnapshot(VIEW, ())
    s = apply(s, ParticipantJoined(p("b", at=2)))
    s = apply(s, ParticipantJoined(p("a", at=1)))
    s2 = apply(s, ParticipantJoined(p("a", at=1)))
    assert [x.key for x in s.participants] == ["a", "b"] and s2 == s


def test_leave_role_and_end() -> None:
    s = RoomSnapshot(VIEW, (p("u1", Role.HOST, 0, HOST), p("g1", at=1)))
    assert [x.key for x in s.stage] == ["u1"] and [x.key for x in s.audience] == ["g1"]
    s = apply(s, RoleChanged("g1", Role.SPEAKER))
    assert len(s.stage) == 2
    s = apply(s, ParticipantLeft("g1"))
    assert apply(s, ParticipantLeft("g1")) == s
    ended = apply(s, RoomEnded(T0, EndReason.HOST_ENDED))
    assert ended.room.state is RoomState.ENDED and ended.participants == ()
    assert ended.room.end_reason is EndReason.HOST_ENDED


def test_summary_counts_and_host_first() -> None:
    speaker = PublicUser(UserId(2), "sp", "Speaker")
    s = RoomSnapshot(
        VIEW,
        (
            p("u2", Role.SPEAKER, 0, speaker),
            p("u1", Role.HOST, 5, HOST),
            p("g1", at=1),
            p("g2", at=2),
        ),
    )
    summary = RoomSummary.of(s)
    assert summary.speakers == (HOST, speaker)
    assert summary.speaker_count == 2 and summary.listener_count == 2


def test_hallway_newest_first() -> None:
    def summary(rid: str, minute: int) -> RoomSummary:
        return RoomSummary(
            RoomId(rid), rid, Topic.TECH, "en", HOST, (), 0, 0, T0 + timedelta(minutes=minute)
        )

    h = HallwaySnapshot(())
    h = apply_hallway(h, HallwayRoomChanged(summary("old", 1)))
    h = apply_hallway(h, HallwayRoomChanged(summary("new", 2)))
    assert [r.id for r in h.rooms] == ["new", "old"]
    h = apply_hallway(h, HallwayRoomRemoved(RoomId("new")))
    assert [r.id for r in h.rooms] == ["old"]
