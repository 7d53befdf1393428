"""The stage's state machine as tables, without a database: every command from every role,
what it refuses and why, what it changes, and that the updates it sends carry a client's
snapshot to exactly the next one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from roomcast.domain import rooms
from roomcast.domain.model import (
    Participant,
    PublicUser,
    Role,
    RoomId,
    RoomSettings,
    SpeakingTimer,
    Topic,
    UserId,
    Visibility,
)
from roomcast.domain.permissions import Actor
from roomcast.domain.stage import (
    AnswerInvite,
    ChangeSettings,
    Command,
    Decision,
    DismissHand,
    Invite,
    MoveToAudience,
    MuteOther,
    MuteSelf,
    RaiseHand,
    Remove,
    ReportMic,
    Scene,
    SetRole,
    TimeTurn,
    decide,
    put_out,
    succession,
    touches,
)
from roomcast.domain.updates import (
    ParticipantRemoved,
    RoomSnapshot,
    RoomView,
    TimerChanged,
    apply,
    order,
)
from roomcast.errors import RoomcastError

T0 = datetime(2026, 12, 1, 12, tzinfo=UTC)
NOW = T0 + timedelta(minutes=5)
USERS = {
    i: PublicUser(UserId(i), n, n.title())
    for i, n in enumerate(["", "host", "mod", "sam", "lee", "ivy"])
    if n
}


def person(uid: int | None, role: Role, at: int, **kw: object) -> Participant:
    key = f"u{uid}" if uid else "gGUEST0000000000"
    return Participant(key, USERS[uid] if uid else None, role, T0 + timedelta(seconds=at), **kw)  # type: ignore[arg-type]


PEOPLE = {
    p.key: p
    for p in (
        person(1, Role.HOST, 0),
        person(2, Role.MODERATOR, 1),
        person(3, Role.SPEAKER, 2),
        person(4, Role.LISTENER, 3, hand_raised_at=T0 + timedelta(seconds=30)),
        person(5, Role.LISTENER, 4, invited=True),
        person(None, Role.LISTENER, 5),
    )
}
H, M, S, L, INV, G = list(PEOPLE)
ROOM = rooms.start_now(
    RoomId("room1"),
    UserId(1),
    rooms.RoomDraft("Debate", "", Topic.NEWS, "en", Visibility.OPEN),
    T0,
)


def scene(me: str, people: dict[str, Participant] | None = None, **room: object) -> Scene:
    everyone = people if people is not None else PEOPLE
    p = everyone[me]
    actor = Actor(p.role, is_guest=p.is_guest)
    return Scene(replace(ROOM, **room), actor, p, {k: v for k, v in everyone.items() if k != me})  # type: ignore[arg-type]


def snapshot(room: object, people: dict[str, Participant]) -> RoomSnapshot:
    host = USERS[room.host_id]  # type: ignore[attr-defined]
    return RoomSnapshot(RoomView.of(room, host), order(tuple(people.values())))  # type: ignore[arg-type]


def next_people(d: Decision, people: dict[str, Participant]) -> dict[str, Participant]:
    out = {**people, **{p.key: p for p in d.people}}
    return {k: v for k, v in out.items() if k not in d.departed}


def check_updates(s: Scene, d: Decision) -> None:
    """apply(snapshot, decision.updates) is the snapshot of the decision's outcome."""
    before = {s.me.key: s.me, **s.people}
    got = snapshot(s.room, before)
    for u in d.updates:
        got = apply(got, u)
    assert got == snapshot(d.room or s.room, next_people(d, before))


# (who acts, the command, None: allowed; else the error code)
REFUSALS: list[tuple[str, Command, str | None]] = [
    (L, RaiseHand(True), None),
    (G, RaiseHand(True), "not_allowed"),  # guests listen only
    (S, RaiseHand(True), "not_allowed"),  # on stage already
    (M, Invite(L), None),
    (M, DismissHand(L), None),
    (S, DismissHand(L), "not_allowed"),
    (H, DismissHand(S), "not_allowed"),  # hands are the audience's
    (S, Invite(L), "not_allowed"),
    (H, Invite(S), "not_allowed"),  # on stage already
    (H, Invite(G), "guest_cannot_speak"),
    (H, Invite("u99"), "not_in_room"),
    (INV, AnswerInvite(True), None),
    (L, AnswerInvite(True), "no_invitation"),
    (M, MoveToAudience(S), None),
    (M, MoveToAudience(H), "not_allowed"),
    (S, MoveToAudience(S), None),  # stepping down
    (H, MoveToAudience(H), "not_allowed"),  # the host ends the room instead
    (S, MuteSelf(True), None),
    (S, ReportMic(True), None),
    (L, ReportMic(True), "not_allowed"),  # a listener needs no microphone
    (L, ReportMic(False), None),  # nothing to clear: no news
    (L, MuteSelf(True), "not_allowed"),
    (M, MuteOther(S, True), None),
    (M, MuteOther(M, True), "not_allowed"),
    (S, MuteOther(M, True), "not_allowed"),
    (H, SetRole(L, Role.MODERATOR), None),
    (H, SetRole(G, Role.MODERATOR), "guest_cannot_speak"),
    (M, SetRole(L, Role.MODERATOR), "not_allowed"),
    (H, SetRole(L, Role.HOST), "not_allowed"),  # only someone on stage takes over
    (H, SetRole(S, Role.LISTENER), "bad_role"),
    (M, Remove(L, False), None),
    (M, Remove(G, True), None),  # guests can be banned too
    (M, Remove(M, False), "not_allowed"),
    (S, Remove(L, False), "not_allowed"),
    (H, ChangeSettings(RoomSettings(hand_raising=False)), None),
    (M, ChangeSettings(RoomSettings(hand_raising=False)), "not_allowed"),
    (M, TimeTurn(S, 60), None),
    (S, TimeTurn(S, 60), "not_allowed"),
    (H, TimeTurn(L, 60), "not_allowed"),  # a listener has no turn
]


@pytest.mark.parametrize(("me", "command", "refusal"), REFUSALS)
def test_who_may_do_what(me: str, command: Command, refusal: str | None) -> None:
    s = scene(me)
    if refusal is None:
        check_updates(s, decide(s, command, NOW))
        return
    with pytest.raises(RoomcastError) as refused:
        decide(s, command, NOW)
    assert refused.value.code == refusal and refused.value.message


def test_hands_queue_and_consent() -> None:
    d = decide(scene(L), RaiseHand(True), NOW)
    assert d.updates == () and d.answer == PEOPLE[L]  # raised already: keeps its place
    d = decide(scene(L), RaiseHand(False), NOW)
    assert d.answer.hand_raised_at is None  # type: ignore[union-attr]
    hands_off = scene(L, settings=RoomSettings(hand_raising=False))
    with pytest.raises(RoomcastError, match="off"):
        decide(hands_off, RaiseHand(True), NOW)
    # accepting opens the microphone; with "join muted" it does not
    yes = decide(scene(INV), AnswerInvite(True), NOW)
    assert yes.answer.role is Role.SPEAKER and yes.can_speak == {INV: True}  # type: ignore[union-attr]
    muted = decide(
        scene(INV, settings=RoomSettings(speakers_join_muted=True)), AnswerInvite(True), NOW
    )
    assert muted.can_speak == {INV: False}
    # a moderator's "not now" lowers the hand; twice is no news
    down = decide(scene(M), DismissHand(L), NOW)
    assert down.answer.hand_raised_at is None and len(down.updates) == 1  # type: ignore[union-attr]
    check_updates(scene(M), down)
    lowered = {**PEOPLE, L: replace(PEOPLE[L], hand_raised_at=None)}
    assert decide(scene(M, lowered), DismissHand(L), NOW).updates == ()
    no = decide(scene(INV), AnswerInvite(False), NOW)
    assert no.answer.role is Role.LISTENER and not no.answer.invited  # type: ignore[union-attr]
    check_updates(scene(INV), no)


def test_no_role_change_opens_a_microphone() -> None:
    made = decide(scene(H), SetRole(L, Role.MODERATOR), NOW)
    assert made.answer.role is Role.MODERATOR and made.can_speak == {L: False}  # type: ignore[union-attr]
    muted_speaker = {**PEOPLE, S: replace(PEOPLE[S], muted=True)}
    handed = decide(scene(H, muted_speaker), SetRole(S, Role.HOST), NOW)
    assert handed.can_speak == {S: False, H: True}  # each keeps their own microphone
    assert handed.room is not None and handed.room.host_id == UserId(3)
    assert handed.stage_changed is False and handed.room.host_absent_since is None
    check_updates(scene(H, muted_speaker), handed)


def test_moderators_lock_and_allow() -> None:
    locked = decide(scene(M), MuteOther(S, True), NOW)
    p = locked.answer
    assert p.muted and p.muted_by_moderator and locked.can_speak == {S: False}  # type: ignore[union-attr]
    people = {**PEOPLE, S: p}
    with pytest.raises(RoomcastError) as refused:
        decide(scene(S, people), MuteSelf(False), NOW)  # type: ignore[arg-type]
    assert refused.value.code == "muted_by_moderator"
    allowed = decide(scene(M, people), MuteOther(S, False), NOW)  # type: ignore[arg-type]
    assert allowed.answer.muted and not allowed.answer.muted_by_moderator  # type: ignore[union-attr]
    assert decide(scene(M), MuteOther(S, False), NOW).updates == ()  # nothing to allow


def test_remove_and_ban() -> None:
    d = decide(scene(M), Remove(G, True), NOW)
    assert d.departed == (G,) and d.removal is not None and d.removal.ban
    assert d.removal.user_id is None and d.removal.by == UserId(2)
    assert d.can_speak == {} and d.stage_changed  # a drop, not a microphone state
    gone = decide(scene(H), Remove(S, False), NOW)
    assert gone.people[0].role is Role.LISTENER  # their role is taken away
    out = put_out(ROOM, PEOPLE[S], ParticipantRemoved(S, False))
    assert out.departed == (S,) and out.people[0].role is Role.LISTENER


def test_settings_lower_hands_and_shut_out_guests() -> None:
    s = scene(H)
    d = decide(s, ChangeSettings(RoomSettings(hand_raising=False, guests=False)), NOW)
    assert d.departed == (G,)
    assert [p.key for p in d.people] == [L, G] and d.people[0].hand_raised_at is None
    check_updates(s, d)
    same = decide(s, ChangeSettings(ROOM.settings), NOW)
    assert same.updates == () and same.room is None


def test_timer() -> None:
    d = decide(scene(M), TimeTurn(S, 90), NOW)
    assert d.room is not None and d.room.timer is not None
    assert d.room.timer.ends_at == NOW + timedelta(seconds=90)
    stopped = decide(scene(M), TimeTurn(None), NOW)
    assert stopped.room is not None and stopped.room.timer is None and stopped.answer is None


@pytest.mark.parametrize(
    ("me", "command"),
    [(M, MoveToAudience(S)), (S, MoveToAudience(S)), (H, Remove(S, False)), (M, Remove(S, True))],
)
def test_the_timer_ends_when_its_speaker_leaves_the_stage(me: str, command: Command) -> None:
    timed = scene(me, timer=SpeakingTimer(S, NOW + timedelta(seconds=60)))
    d = decide(timed, command, NOW)
    assert d.room is not None and d.room.timer is None
    assert d.updates[-1] == TimerChanged(None)
    check_updates(timed, d)
    # someone else's move leaves the timer running
    other = scene(H, timer=SpeakingTimer(M, NOW + timedelta(seconds=60)))
    assert decide(other, MoveToAudience(S), NOW).room is None
    out = put_out(timed.room, PEOPLE[S], ParticipantRemoved(S, False))
    assert out.room is not None and out.room.timer is None
    assert rooms.without_timer_of(timed.room, S).timer is None
    assert rooms.without_timer_of(timed.room, M) is timed.room


def test_touches_says_whom_to_load() -> None:
    assert touches(Invite("u4")) == frozenset({"u4"}) and touches(RaiseHand(True)) == frozenset()
    assert touches(ChangeSettings(RoomSettings())) is None  # everyone
    assert touches(TimeTurn(None)) == frozenset()


def test_succession_when_the_host_stays_away() -> None:
    away = {k: v for k, v in PEOPLE.items() if k != H}
    muted_mod = {**away, M: replace(PEOPLE[M], muted=True)}
    d = succession(ROOM, tuple(muted_mod.values()))
    assert d is not None and d.room is not None and d.room.host_id == UserId(2)
    assert d.people[0].role is Role.HOST and d.can_speak == {M: False}  # still muted
    got = snapshot(ROOM, muted_mod)
    for u in d.updates:
        got = apply(got, u)
    assert got == snapshot(d.room, next_people(d, muted_mod))
    nobody = {k: v for k, v in away.items() if k != M}
    assert succession(ROOM, tuple(nobody.values())) is None  # the room ends
