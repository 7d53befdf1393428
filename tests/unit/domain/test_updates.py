from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from roomcast.domain.model import (
    ChatMessage,
    EndReason,
    Participant,
    Poll,
    PublicUser,
    Question,
    Role,
    RoomId,
    RoomState,
    Topic,
    UserId,
    Visibility,
)
from roomcast.domain.updates import (
    ChatPosted,
    HallwayRoomChanged,
    HallwayRoomRemoved,
    HallwaySnapshot,
    OnlyFor,
    ParticipantJoined,
    ParticipantLeft,
    PollVoted,
    QuestionAsked,
    RoleChanged,
    RoomEnded,
    RoomSnapshot,
    RoomSummary,
    RoomView,
    apply,
    apply_hallway,
    hides,
    seen_by,
    visible_to,
    with_role,
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


def test_no_role_change_opens_a_microphone() -> None:
    listener = replace(p("u2", user=HOST), hand_raised_at=T0)
    made_mod = with_role(listener, Role.MODERATOR)
    assert made_mod.role is Role.MODERATOR and made_mod.muted and not made_mod.can_speak
    assert made_mod.hand_raised_at is None
    speaking = replace(p("u3", Role.SPEAKER), muted=False)
    assert with_role(speaking, Role.MODERATOR).can_speak  # their own choice stays
    muted = replace(p("u4", Role.SPEAKER), muted=True)
    assert not with_role(muted, Role.HOST).can_speak
    locked = replace(p("u5", Role.SPEAKER), muted=True, muted_by_moderator=True)
    assert with_role(locked, Role.MODERATOR).muted_by_moderator  # still locked
    as_host = with_role(locked, Role.HOST)
    assert as_host.muted and not as_host.muted_by_moderator  # nobody mutes a host
    down = with_role(locked, Role.LISTENER)
    assert (down.muted, down.muted_by_moderator) == (False, False)
    # the update carries the state, so snapshot + update == the stored participant
    s = RoomSnapshot(VIEW, (listener,))
    assert apply(s, RoleChanged.of(made_mod)).participants == (made_mod,)


def test_poll_votes_show_counts_and_only_ones_own_choice() -> None:
    poll = Poll(1, "A?", ("A", "B"), (0, 0), T0)
    s = RoomSnapshot(VIEW, (), polls=(poll,))
    counted = PollVoted(1, (0, 1))
    ballot = OnlyFor(UserId(7), replace(counted, mine=1), counted)
    assert seen_by(ballot, UserId(7)).mine == 1  # type: ignore[union-attr]
    assert seen_by(ballot, UserId(8)).mine is None  # type: ignore[union-attr]
    assert seen_by(ballot, None) is counted
    theirs = apply(s, seen_by(ballot, UserId(7)))
    others = apply(s, seen_by(ballot, UserId(8)))
    assert theirs.polls[0].counts == others.polls[0].counts == (0, 1)
    assert (theirs.polls[0].mine, others.polls[0].mine) == (1, None)
    assert apply(theirs, PollVoted(1, (1, 1))).polls[0].mine == 1  # others' votes keep mine


def test_blocked_peoples_chat_and_questions_are_hidden() -> None:
    troll = PublicUser(UserId(9), "troll", "Troll")
    q = Question(1, troll, "?", T0)
    m = ChatMessage(1, troll, "hi", T0)
    s = RoomSnapshot(VIEW, (), chat=(m,), questions=(q,))
    hidden = frozenset({UserId(9)})
    assert visible_to(s, hidden).chat == () and visible_to(s, hidden).questions == ()
    assert visible_to(s, frozenset()) == s
    assert hides(QuestionAsked(q), hidden) and hides(ChatPosted(m), hidden)
    assert not hides(QuestionAsked(q), frozenset())
