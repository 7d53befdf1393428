"""What clients see: snapshots, and typed updates that move one snapshot to the next.

The rule (tested): ``apply(old_snapshot, updates) == fresh_snapshot`` after every action.
Every update carries a ``type`` tag so that clients and the wire codec can tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from roomcast.domain.model import (
    ChatMessage,
    ClubTag,
    EndReason,
    Participant,
    Poll,
    PublicUser,
    Question,
    Role,
    Room,
    RoomId,
    RoomSettings,
    RoomState,
    SpeakingTimer,
    Topic,
    UserId,
    Visibility,
)

# --- one room -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoomView:
    id: RoomId
    title: str
    description: str
    topic: Topic
    language: str
    visibility: Visibility
    state: RoomState
    host: PublicUser
    started_at: datetime | None
    ended_at: datetime | None
    end_reason: EndReason | None
    settings: RoomSettings = RoomSettings()
    pinned_link: str | None = None
    timer: SpeakingTimer | None = None
    chapter: str | None = None
    host_away_since: datetime | None = None  # the host dropped: the grace period runs
    club: ClubTag | None = None  # a club's room
    ticketed: bool = False  # no ticket, no audio

    @staticmethod
    def of(room: Room, host: PublicUser, club: ClubTag | None = None) -> RoomView:
        return RoomView(
            id=room.id,
            title=room.title,
            description=room.description,
            topic=room.topic,
            language=room.language,
            visibility=room.visibility,
            state=room.state,
            host=host,
            started_at=room.started_at,
            ended_at=room.ended_at,
            end_reason=room.end_reason,
            settings=room.settings,
            pinned_link=room.pinned_link,
            timer=room.timer,
            chapter=room.chapter,
            host_away_since=room.host_absent_since,
            club=club,
            ticketed=room.ticketed,
        )


CHAT_WINDOW = 50  # the last messages a snapshot carries (deleted ones as tombstones)


@dataclass(frozen=True, slots=True)
class RoomSnapshot:
    room: RoomView
    participants: tuple[Participant, ...]  # present now, in order of joining
    chat: tuple[ChatMessage, ...] = ()  # the last CHAT_WINDOW messages, oldest first
    questions: tuple[Question, ...] = ()  # oldest first; clients rank them by votes
    polls: tuple[Poll, ...] = ()  # oldest first

    def participant(self, key: str) -> Participant | None:
        return next((p for p in self.participants if p.key == key), None)

    @property
    def stage(self) -> tuple[Participant, ...]:
        return tuple(p for p in self.participants if p.role.on_stage)

    @property
    def audience(self) -> tuple[Participant, ...]:
        return tuple(p for p in self.participants if not p.role.on_stage)


@dataclass(frozen=True, slots=True)
class ParticipantJoined:
    participant: Participant
    type: Literal["participant_joined"] = "participant_joined"


@dataclass(frozen=True, slots=True)
class ParticipantLeft:
    key: str
    type: Literal["participant_left"] = "participant_left"


@dataclass(frozen=True, slots=True)
class RoleChanged:
    """A new role: hand down, no invitation, and the microphone state it comes with."""

    key: str
    role: Role
    muted: bool = False
    muted_by_moderator: bool = False
    type: Literal["role_changed"] = "role_changed"

    @staticmethod
    def of(p: Participant) -> RoleChanged:
        return RoleChanged(p.key, p.role, p.muted, p.muted_by_moderator)


@dataclass(frozen=True, slots=True)
class MuteChanged:
    key: str
    muted: bool
    muted_by_moderator: bool = False
    type: Literal["mute_changed"] = "mute_changed"


@dataclass(frozen=True, slots=True)
class MicBlocked:
    key: str
    blocked: bool
    type: Literal["mic_blocked"] = "mic_blocked"


@dataclass(frozen=True, slots=True)
class HandChanged:
    key: str
    raised_at: datetime | None  # None: lowered (or answered)
    type: Literal["hand_changed"] = "hand_changed"


@dataclass(frozen=True, slots=True)
class InviteChanged:
    key: str
    invited: bool
    type: Literal["invite_changed"] = "invite_changed"


@dataclass(frozen=True, slots=True)
class ParticipantRemoved:
    key: str
    banned: bool
    type: Literal["participant_removed"] = "participant_removed"


@dataclass(frozen=True, slots=True)
class SettingsChanged:
    settings: RoomSettings
    type: Literal["settings_changed"] = "settings_changed"


@dataclass(frozen=True, slots=True)
class ChatPosted:
    message: ChatMessage
    type: Literal["chat_posted"] = "chat_posted"


@dataclass(frozen=True, slots=True)
class ChatDeleted:
    id: int
    type: Literal["chat_deleted"] = "chat_deleted"


@dataclass(frozen=True, slots=True)
class QuestionAsked:
    question: Question
    type: Literal["question_asked"] = "question_asked"


@dataclass(frozen=True, slots=True)
class QuestionVoted:
    id: int
    voter: UserId
    type: Literal["question_voted"] = "question_voted"


@dataclass(frozen=True, slots=True)
class QuestionAnswered:
    id: int
    answered: bool
    type: Literal["question_answered"] = "question_answered"


@dataclass(frozen=True, slots=True)
class PollOpened:
    poll: Poll
    type: Literal["poll_opened"] = "poll_opened"


@dataclass(frozen=True, slots=True)
class PollVoted:
    """New counts. `mine` is the voter's own choice, sent to them alone (see OnlyFor)."""

    id: int
    counts: tuple[int, ...]
    mine: int | None = None
    type: Literal["poll_voted"] = "poll_voted"


@dataclass(frozen=True, slots=True)
class PollClosed:
    id: int
    type: Literal["poll_closed"] = "poll_closed"


@dataclass(frozen=True, slots=True)
class TimerChanged:
    timer: SpeakingTimer | None
    type: Literal["timer_changed"] = "timer_changed"


@dataclass(frozen=True, slots=True)
class LinkPinned:
    url: str | None
    type: Literal["link_pinned"] = "link_pinned"


@dataclass(frozen=True, slots=True)
class ChapterChanged:
    title: str
    type: Literal["chapter_changed"] = "chapter_changed"


@dataclass(frozen=True, slots=True)
class HostChanged:
    host: PublicUser
    type: Literal["host_changed"] = "host_changed"


@dataclass(frozen=True, slots=True)
class HostAway:
    """The host's connection dropped (since: when) or they came back (None). After the
    grace period a moderator takes over, or the room ends."""

    since: datetime | None
    type: Literal["host_away"] = "host_away"


@dataclass(frozen=True, slots=True)
class RoomEnded:
    ended_at: datetime
    reason: EndReason
    type: Literal["room_ended"] = "room_ended"


RoomUpdate = (
    ParticipantJoined
    | ParticipantLeft
    | RoleChanged
    | MuteChanged
    | HandChanged
    | InviteChanged
    | ParticipantRemoved
    | SettingsChanged
    | HostChanged
    | HostAway
    | MicBlocked
    | ChatPosted
    | ChatDeleted
    | LinkPinned
    | ChapterChanged
    | TimerChanged
    | QuestionAsked
    | QuestionVoted
    | QuestionAnswered
    | PollOpened
    | PollVoted
    | PollClosed
    | RoomEnded
)


@dataclass(frozen=True, slots=True)
class OnlyFor:
    """An update of which one person sees more than the others (their own poll vote)."""

    user: UserId
    theirs: RoomUpdate
    others: RoomUpdate


def seen_by(message: RoomUpdate | OnlyFor, viewer: UserId | None) -> RoomUpdate:
    if isinstance(message, OnlyFor):
        return message.theirs if message.user == viewer else message.others
    return message


def visible_to(snapshot: RoomSnapshot, hidden: frozenset[UserId]) -> RoomSnapshot:
    """The snapshot as one viewer sees it: no chat or questions from people blocked either
    way."""
    if not hidden:
        return snapshot
    return replace(
        snapshot,
        chat=tuple(m for m in snapshot.chat if m.author.id not in hidden),
        questions=tuple(q for q in snapshot.questions if q.author.id not in hidden),
    )


def hides(update: RoomUpdate, hidden: frozenset[UserId]) -> bool:
    match update:
        case ChatPosted(message=m):
            return m.author.id in hidden
        case QuestionAsked(question=q):
            return q.author.id in hidden
    return False


def order(participants: tuple[Participant, ...]) -> tuple[Participant, ...]:
    return tuple(sorted(participants, key=lambda p: (p.joined_at, p.key)))


# Off the stage one starts afresh: unmuted, hand down, no pending invitation.
FRESH_ROLE: dict[str, object] = {
    "muted": False,
    "muted_by_moderator": False,
    "hand_raised_at": None,
    "invited": False,
}


def with_role(p: Participant, role: Role) -> Participant:
    """A role change never opens a microphone: on stage already, one keeps one's own mute;
    brought up by a role change (not by accepting an invitation), one starts muted. A host
    cannot be muted by others, so the moderator's lock goes, not the mute."""
    if not role.on_stage:
        return replace(p, role=role, **FRESH_ROLE)  # type: ignore[arg-type]
    muted = (p.muted or p.muted_by_moderator) if p.role.on_stage else True
    locked = p.muted_by_moderator and p.role.on_stage and role is not Role.HOST
    return replace(
        p, role=role, muted=muted, muted_by_moderator=locked, hand_raised_at=None, invited=False
    )


def _change(snapshot: RoomSnapshot, key: str, **changes: object) -> RoomSnapshot:
    people = tuple(replace(p, **changes) if p.key == key else p for p in snapshot.participants)  # type: ignore[arg-type]
    return replace(snapshot, participants=people)


def apply(snapshot: RoomSnapshot, update: RoomUpdate) -> RoomSnapshot:
    match update:
        case ParticipantJoined(participant=p):
            others = tuple(q for q in snapshot.participants if q.key != p.key)
            return replace(snapshot, participants=order((*others, p)))
        case ParticipantLeft(key=key) | ParticipantRemoved(key=key):
            return replace(
                snapshot, participants=tuple(p for p in snapshot.participants if p.key != key)
            )
        case RoleChanged(key=key, role=role, muted=muted, muted_by_moderator=locked):
            return _change(
                snapshot,
                key,
                role=role,
                muted=muted,
                muted_by_moderator=locked,
                hand_raised_at=None,
                invited=False,
            )
        case MuteChanged(key=key, muted=muted, muted_by_moderator=locked):
            return _change(snapshot, key, muted=muted, muted_by_moderator=locked)
        case MicBlocked(key=key, blocked=blocked):
            return _change(snapshot, key, mic_blocked=blocked)
        case HandChanged(key=key, raised_at=raised_at):
            return _change(snapshot, key, hand_raised_at=raised_at)
        case InviteChanged(key=key, invited=invited):
            return _change(snapshot, key, invited=invited)
        case SettingsChanged(settings=settings):
            return replace(snapshot, room=replace(snapshot.room, settings=settings))
        case HostChanged(host=host):
            return replace(snapshot, room=replace(snapshot.room, host=host, host_away_since=None))
        case HostAway(since=since):
            return replace(snapshot, room=replace(snapshot.room, host_away_since=since))
        case ChatPosted(message=message):
            kept = tuple(m for m in snapshot.chat if m.id != message.id)
            chat = tuple(sorted((*kept, message), key=lambda m: m.id))[-CHAT_WINDOW:]
            return replace(snapshot, chat=chat)
        case ChatDeleted(id=message_id):
            chat = tuple(
                replace(m, text="", deleted=True) if m.id == message_id else m
                for m in snapshot.chat
            )
            return replace(snapshot, chat=chat)
        case LinkPinned(url=url):
            return replace(snapshot, room=replace(snapshot.room, pinned_link=url))
        case ChapterChanged(title=title):
            return replace(snapshot, room=replace(snapshot.room, chapter=title))
        case TimerChanged(timer=timer):
            return replace(snapshot, room=replace(snapshot.room, timer=timer))
        case QuestionAsked(question=q):
            asked = tuple(x for x in snapshot.questions if x.id != q.id)
            return replace(snapshot, questions=tuple(sorted((*asked, q), key=lambda x: x.id)))
        case QuestionVoted(id=qid, voter=voter):
            return replace(
                snapshot,
                questions=tuple(
                    replace(q, voters=(*q.voters, voter))
                    if q.id == qid and voter not in q.voters
                    else q
                    for q in snapshot.questions
                ),
            )
        case QuestionAnswered(id=qid, answered=answered):
            return replace(
                snapshot,
                questions=tuple(
                    replace(q, answered=answered) if q.id == qid else q for q in snapshot.questions
                ),
            )
        case PollOpened(poll=poll):
            others_p = tuple(x for x in snapshot.polls if x.id != poll.id)
            return replace(snapshot, polls=tuple(sorted((*others_p, poll), key=lambda x: x.id)))
        case PollVoted(id=pid, counts=counts, mine=mine):
            return replace(
                snapshot,
                polls=tuple(
                    replace(p, counts=counts, mine=p.mine if mine is None else mine)
                    if p.id == pid
                    else p
                    for p in snapshot.polls
                ),
            )
        case PollClosed(id=pid):
            return replace(
                snapshot,
                polls=tuple(replace(p, closed=True) if p.id == pid else p for p in snapshot.polls),
            )
        case RoomEnded(ended_at=ended_at, reason=reason):
            room = replace(
                snapshot.room, state=RoomState.ENDED, ended_at=ended_at, end_reason=reason
            )
            return replace(snapshot, room=room, participants=())
    raise TypeError(f"not a room update: {update!r}")  # pragma: no cover - exhaustive match


# --- the hallway: every listed live room ------------------------------------------------------

MAX_SPEAKERS_SHOWN = 6


@dataclass(frozen=True, slots=True)
class RoomSummary:
    id: RoomId
    title: str
    topic: Topic
    language: str
    host: PublicUser
    speakers: tuple[PublicUser, ...]  # on stage, host first, at most MAX_SPEAKERS_SHOWN
    speaker_count: int
    listener_count: int
    started_at: datetime | None
    club: ClubTag | None = None
    visibility: Visibility = Visibility.OPEN  # members-only rooms: their club's members see them
    ticketed: bool = False

    @staticmethod
    def of(snapshot: RoomSnapshot, listeners: int | None = None) -> RoomSummary:
        """The summary of a room's snapshot; `listeners`: the audience's size, when the
        snapshot holds only the stage (the hallway counts audiences, not loads them)."""
        stage = sorted(snapshot.stage, key=lambda p: (p.role is not Role.HOST, p.joined_at, p.key))
        speakers = tuple(p.user for p in stage if p.user is not None)
        room = snapshot.room
        return RoomSummary(
            id=room.id,
            title=room.title,
            topic=room.topic,
            language=room.language,
            host=room.host,
            speakers=speakers[:MAX_SPEAKERS_SHOWN],
            speaker_count=len(speakers),
            listener_count=len(snapshot.audience) if listeners is None else listeners,
            started_at=room.started_at,
            club=room.club,
            visibility=room.visibility,
            ticketed=room.ticketed,
        )


@dataclass(frozen=True, slots=True)
class HallwaySnapshot:
    rooms: tuple[RoomSummary, ...]  # newest first


@dataclass(frozen=True, slots=True)
class HallwayRoomChanged:
    """A listed room appeared, or its stage or audience changed."""

    room: RoomSummary
    type: Literal["room_changed"] = "room_changed"


@dataclass(frozen=True, slots=True)
class HallwayRoomRemoved:
    room_id: RoomId
    type: Literal["room_removed"] = "room_removed"


HallwayUpdate = HallwayRoomChanged | HallwayRoomRemoved


def order_hallway(rooms: tuple[RoomSummary, ...]) -> tuple[RoomSummary, ...]:
    return tuple(sorted(rooms, key=lambda r: (r.started_at or datetime.min, r.id), reverse=True))


def apply_hallway(snapshot: HallwaySnapshot, update: HallwayUpdate) -> HallwaySnapshot:
    match update:
        case HallwayRoomChanged(room=room):
            others = tuple(r for r in snapshot.rooms if r.id != room.id)
            return HallwaySnapshot(order_hallway((*others, room)))
        case HallwayRoomRemoved(room_id=room_id):
            return HallwaySnapshot(tuple(r for r in snapshot.rooms if r.id != room_id))
    raise TypeError(f"not a hallway update: {update!r}")  # pragma: no cover - exhaustive match


@dataclass(frozen=True, slots=True)
class Reaction:
    """An emoji that floats over the stage for everyone: ephemeral, never in a snapshot."""

    key: str
    emoji: str


@dataclass(frozen=True, slots=True)
class Tipped:
    """ "💸 Sam tipped Maya": a signal for everyone in the room, never in a snapshot."""

    giver: PublicUser
    speaker: PublicUser


@dataclass(frozen=True, slots=True)
class TicketEnded:
    """On a room's channel, never sent on: this person's ticket was refunded, so their
    socket in the room says so and closes."""

    key: str


@dataclass(frozen=True, slots=True)
class FiltersChanged:
    """On a room's channel, never sent on: these people blocked or unblocked each other, so
    their sockets in this room refilter (chat, questions) and send a fresh snapshot."""

    users: frozenset[UserId]


@dataclass(frozen=True, slots=True)
class AccountSuspended:
    """Sent to a suspended person's sockets, which then close."""

    message: str = "Your account is suspended."
