"""Domain values: frozen dataclasses and enums shared by every layer."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import NewType

from roomcast.domain.text import name_key

UserId = NewType("UserId", int)
RoomId = NewType("RoomId", str)


class Topic(enum.StrEnum):
    SPORTS = "sports"
    MUSIC = "music"
    CULTURE = "culture"
    TECH = "tech"
    NEWS = "news"
    COMEDY = "comedy"
    OTHER = "other"


class Visibility(enum.StrEnum):
    OPEN = "open"  # listed in the hallway, anyone may listen
    LINK = "link"  # not listed; anyone holding the link may listen
    MEMBERS = "members"  # a club's room: listed to its members, who alone may listen


class RoomState(enum.StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"


class EndReason(enum.StrEnum):
    HOST_ENDED = "host_ended"
    HOST_LEFT = "host_left"  # the host stayed away past the grace period
    SERVER_RESTART = "server_restart"  # found live at startup: the process that ran it died


class Role(enum.StrEnum):
    HOST = "host"
    MODERATOR = "moderator"
    SPEAKER = "speaker"
    LISTENER = "listener"

    @property
    def on_stage(self) -> bool:
        return self is not Role.LISTENER


@dataclass(frozen=True, slots=True)
class User:
    id: UserId
    username: str
    display_name: str
    bio: str
    is_admin: bool
    created_at: datetime
    suspended: bool = False
    time_zone: str = "UTC"  # IANA name: emails say times in it

    def __post_init__(self) -> None:
        if not self.username:
            raise ValueError("username is empty")


@dataclass(frozen=True, slots=True)
class Contact:
    """Where a person's emails go, if anywhere: an address counts once confirmed, and stops
    counting when the mail server refuses it."""

    email: str | None = None
    verified: bool = False
    refused: bool = False

    @property
    def reachable(self) -> bool:
        return self.email is not None and self.verified and not self.refused


@dataclass(frozen=True, slots=True)
class PublicUser:
    """What other people see of a user. `name_key` is what the name looks like (text.py):
    when two people in a room share one, clients show their @usernames too."""

    id: UserId
    username: str
    display_name: str
    name_key: str = ""

    @staticmethod
    def of(user: User) -> PublicUser:
        return public_user(user.id, user.username, user.display_name)


def public_user(user_id: UserId, username: str, display_name: str) -> PublicUser:
    return PublicUser(user_id, username, display_name, name_key(display_name))


@dataclass(frozen=True, slots=True)
class ClubTag:
    """Which club a room is of, as pages show it."""

    id: int
    handle: str
    name: str


@dataclass(frozen=True, slots=True)
class RoomSettings:
    hand_raising: bool = True  # listeners may raise a hand
    speakers_join_muted: bool = False  # people brought on stage start muted
    chat: bool = True
    record: bool = False  # record the room's mix and publish it as a podcast episode
    guests: bool = True  # people without an account may listen
    music: bool = False  # coded for music: stereo, higher bitrate, no voice processing


@dataclass(frozen=True, slots=True)
class SpeakingTimer:
    """A debate turn: who has the floor and until when (clients count down to it)."""

    key: str
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Room:
    id: RoomId
    host_id: UserId
    title: str
    description: str
    topic: Topic
    language: str
    visibility: Visibility
    state: RoomState
    created_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: EndReason | None = None
    host_absent_since: datetime | None = None
    settings: RoomSettings = RoomSettings()
    pinned_link: str | None = None
    timer: SpeakingTimer | None = None
    chapter: str | None = None  # the topic under discussion now; a chapter in the recording
    club_id: int | None = None  # started as a club's room: the club's show gets the episode
    ticketed: bool = False  # tickets are sold for it: no ticket, no audio (domain/tickets.py)

    def __post_init__(self) -> None:
        if not self.title.strip():
            raise ValueError("room title is empty")
        if self.visibility is Visibility.MEMBERS and self.club_id is None:
            raise ValueError("a members-only room belongs to a club")
        if (self.state is RoomState.ENDED) != (self.ended_at is not None):
            raise ValueError("ended_at is set exactly when the room has ended")

    @property
    def is_live(self) -> bool:
        return self.state is RoomState.LIVE


@dataclass(frozen=True, slots=True)
class Participant:
    """Someone in a room. Guests (no account) have no user and a key of their own."""

    key: str  # "u<user id>", or "g" and an opaque per-room id (domain/identity.py)
    user: PublicUser | None
    role: Role
    joined_at: datetime
    muted: bool = False  # by themself
    muted_by_moderator: bool = False  # locked: they cannot unmute until allowed
    hand_raised_at: datetime | None = None
    invited: bool = False  # invited to speak, not yet answered
    mic_blocked: bool = False  # their browser gives no microphone (denied, or none): hosts see it

    @property
    def can_speak(self) -> bool:
        """What the media engine is told: only unmuted people on stage reach the mix."""
        return self.role.on_stage and not self.muted and not self.muted_by_moderator

    @property
    def is_guest(self) -> bool:
        return self.user is None


@dataclass(frozen=True, slots=True)
class Ban:
    """A host's ban, as the host lists it."""

    id: int
    user: PublicUser | None  # None: a guest, known by their browser only
    room_id: RoomId | None  # the room it was made in
    room_title: str | None
    banned_at: datetime


@dataclass(frozen=True, slots=True)
class ChatMessage:
    id: int
    author: PublicUser
    text: str  # "" once deleted
    created_at: datetime
    deleted: bool = False


REACTIONS = ("👏", "❤️", "😂", "🔥", "💯", "🙌", "👍", "🎉")


@dataclass(frozen=True, slots=True)
class Question:
    """A listener's question (AMA): everyone upvotes once; hosts mark it answered."""

    id: int
    author: PublicUser
    text: str
    created_at: datetime
    voters: tuple[UserId, ...] = ()  # in order of voting
    answered: bool = False


@dataclass(frozen=True, slots=True)
class Poll:
    """A debate poll: 2 to 6 options, one vote each, results live, closed by hosts. Votes
    are secret: everyone sees the counts, and only the viewer's own choice (`mine`)."""

    id: int
    question: str
    options: tuple[str, ...]
    counts: tuple[int, ...]
    created_at: datetime
    closed: bool = False
    mine: int | None = None  # the viewer's choice; None: not voted (or not theirs to see)

    def __post_init__(self) -> None:
        if not 2 <= len(self.options) <= 6 or len(self.counts) != len(self.options):
            raise ValueError("a poll has 2 to 6 options, each with a count")


@dataclass(frozen=True, slots=True)
class Report:
    """Someone reported a user or a room; an admin reviews it."""

    id: int
    reporter: PublicUser
    reason: str
    created_at: datetime
    user: PublicUser | None = None
    room_id: RoomId | None = None
    resolved: bool = False
    resolution: str | None = None  # "dismissed" or "suspended"
