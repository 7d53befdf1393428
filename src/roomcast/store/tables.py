"""Mapped tables: the Alembic target. Only repos.py reads or writes them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which drops tzinfo) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(String(64))
    bio: Mapped[str] = mapped_column(Text, default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # the SMTP server refused the address at RCPT: nothing more is sent until it changes
    email_refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    notify_prefs: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")  # JSON
    # the calendar URL's token is an HMAC of this: a new nonce revokes the old URL
    calendar_nonce: Mapped[str | None] = mapped_column(String(32), nullable=True)
    topics: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")  # interests


class SessionRow(Base):
    __tablename__ = "sessions"

    # sha256 of the cookie's token: a leaked database does not hand out live sessions
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RoomRow(Base):
    __tablename__ = "rooms"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    visibility: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(12), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(24), nullable=True)
    host_absent_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    hand_raising: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    speakers_join_muted: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    chat: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    pinned_link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    record: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    guests: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    music: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    chapter: Mapped[str | None] = mapped_column(String(120), nullable=True)
    timer_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    timer_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    club_id: Mapped[int | None] = mapped_column(ForeignKey("clubs.id"), nullable=True, index=True)
    ticketed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ParticipantRow(Base):
    """A person's place in a room. The row outlives a dropped connection, so the role does."""

    __tablename__ = "participants"
    __table_args__ = (Index("ix_participants_room_present", "room_id", "present"),)

    room_id: Mapped[str] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    role: Mapped[str] = mapped_column(String(12))
    present: Mapped[bool] = mapped_column(Boolean, default=False)
    muted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    muted_by_moderator: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hand_raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    invited: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    mic_blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    connection_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    device: Mapped[str | None] = mapped_column(String(32), nullable=True)  # their browser
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RoomRemovalRow(Base):
    """Removed from one room: out until it ends. Keyed by the participant's key; the account
    and the browser (device) they used are kept too, so neither walks back in."""

    __tablename__ = "room_removals"

    room_id: Mapped[str] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    device: Mapped[str | None] = mapped_column(String(32), nullable=True)
    removed_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HostBanRow(Base):
    """Banned by a host: out of every room of theirs until they lift it. An account, or a
    guest's browser (device), or both."""

    __tablename__ = "host_bans"
    __table_args__ = (
        Index("ix_host_bans_host_user", "host_id", "user_id", unique=True),
        Index("ix_host_bans_host_device", "host_id", "device", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    device: Mapped[str | None] = mapped_column(String(32), nullable=True)
    room_id: Mapped[str | None] = mapped_column(
        ForeignKey("rooms.id", ondelete="SET NULL"), nullable=True
    )
    banned_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    banned_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserDeviceRow(Base):
    """A browser (its guest cookie, as an HMAC) an account was used in: a banned or blocked
    person who signs out there is still known."""

    __tablename__ = "user_devices"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    device: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChatMessageRow(Base):
    __tablename__ = "chat_messages"
    __table_args__ = (Index("ix_chat_messages_room_id_id", "room_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    deleted_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class QuestionRow(Base):
    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_room_id_id", "room_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class QuestionVoteRow(Base):
    """One upvote per person per question: the primary key says so."""

    __tablename__ = "question_votes"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PollRow(Base):
    __tablename__ = "polls"
    __table_args__ = (Index("ix_polls_room_id_id", "room_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(String(200))
    options: Mapped[str] = mapped_column(Text)  # JSON list of 2-6 strings
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PollVoteRow(Base):
    """One vote per person per poll: the primary key says so."""

    __tablename__ = "poll_votes"

    poll_id: Mapped[int] = mapped_column(
        ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    option: Mapped[int] = mapped_column(Integer)
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserBlockRow(Base):
    __tablename__ = "user_blocks"

    blocker_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReportRow(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    room_id: Mapped[str | None] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), nullable=True
    )
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    resolved_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)


class ShowRow(Base):
    """A creator's podcast. No row yet: the show has its defaults."""

    __tablename__ = "shows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(16))
    explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    artwork: Mapped[str | None] = mapped_column(String(80), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EpisodeRow(Base):
    __tablename__ = "episodes"

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    notes: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    audio_bytes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    loudness: Mapped[float | None] = mapped_column(Float, nullable=True)
    true_peak: Mapped[float | None] = mapped_column(Float, nullable=True)
    transcript: Mapped[str] = mapped_column(String(12))
    speakers: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of user ids
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    club_id: Mapped[int | None] = mapped_column(ForeignKey("clubs.id"), nullable=True, index=True)
    sale_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales.id", ondelete="SET NULL"), nullable=True, index=True
    )  # a ticketed room's replay: for its buyers
    members_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class JobRow(Base):
    """Background work that must survive a restart: post-production and transcripts (of an
    episode), notifications and their emails (a payload)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_run_after", "state", "run_after"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    episode_id: Mapped[str | None] = mapped_column(
        ForeignKey("episodes.id", ondelete="CASCADE"), index=True, nullable=True
    )
    payload: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON
    state: Mapped[str] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FollowRow(Base):
    __tablename__ = "follows"

    follower_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    followee_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EventRow(Base):
    """A scheduled room. Once started, `room_id` is the live room it became."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_state_starts_at", "state", "starts_at"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    visibility: Mapped[str] = mapped_column(String(8))
    record: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    minutes: Mapped[int] = mapped_column(Integer)
    time_zone: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12))
    room_id: Mapped[str | None] = mapped_column(
        ForeignKey("rooms.id", ondelete="SET NULL"), nullable=True, unique=True
    )
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    club_id: Mapped[int | None] = mapped_column(ForeignKey("clubs.id"), nullable=True, index=True)


class EventCohostRow(Base):
    __tablename__ = "event_cohosts"

    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    state: Mapped[str] = mapped_column(String(10))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RsvpRow(Base):
    """ "Notify me": one per person per event, the primary key says so."""

    __tablename__ = "rsvps"

    event_id: Mapped[str] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NotificationRow(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # one notice per person per occasion, whatever the reasons to send it
        Index("ix_notifications_user_id_occasion", "user_id", "occasion", unique=True),
        Index("ix_notifications_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    occasion: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    event_id: Mapped[str | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), nullable=True
    )
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ClubRow(Base):
    """A club. Deleting one keeps the row (its handle stays taken; its rooms' episodes know
    whose they were) and empties it: members, requests, keys."""

    __tablename__ = "clubs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handle: Mapped[str] = mapped_column(String(24), unique=True)  # lower-case ASCII
    handle_key: Mapped[str] = mapped_column(String(96), unique=True)  # its look-alikes
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    topic: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(16))
    join_policy: Mapped[str] = mapped_column(String(10))
    hosting: Mapped[str] = mapped_column(String(12))
    avatar: Mapped[str | None] = mapped_column(String(80), nullable=True)
    cover: Mapped[str | None] = mapped_column(String(80), nullable=True)
    invite_nonce: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ClubMemberRow(Base):
    __tablename__ = "club_members"

    club_id: Mapped[int] = mapped_column(
        ForeignKey("clubs.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(12))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClubRequestRow(Base):
    """Someone asked to join a club that approves its members."""

    __tablename__ = "club_requests"

    club_id: Mapped[int] = mapped_column(
        ForeignKey("clubs.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClubBanRow(Base):
    __tablename__ = "club_bans"

    club_id: Mapped[int] = mapped_column(
        ForeignKey("clubs.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    banned_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    banned_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ClubFollowRow(Base):
    __tablename__ = "club_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    club_id: Mapped[int] = mapped_column(
        ForeignKey("clubs.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FeedKeyRow(Base):
    """A person's private feed address for something they may hear: a club's members-only
    episodes, or the replay of a ticketed room they bought. The URL carries the row's id and
    an HMAC of its nonce: deleting the row (they left, were removed or banned, refunded, or
    the host revoked it) or a new nonce ("make a new address") revokes it."""

    __tablename__ = "feed_keys"
    __table_args__ = (
        Index("ix_feed_keys_user_id_club_id", "user_id", "club_id", unique=True),
        Index("ix_feed_keys_user_id_sale_id", "user_id", "sale_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    club_id: Mapped[int | None] = mapped_column(
        ForeignKey("clubs.id", ondelete="CASCADE"), nullable=True, index=True
    )
    sale_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales.id", ondelete="CASCADE"), nullable=True, index=True
    )  # a ticket buyer's feed of the replay
    nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SearchDocRow(Base):
    """One field of something searchable (domain/search.py). The engines' own indexes
    over `body` are made by migration 0014 and are not mapped here: FTS5 tables on SQLite
    (search_fts_en, stemmed, and search_fts_any; the same for captions, search_fts_said_*),
    a tsvector column with two partial GIN indexes (titles and texts; captions) on
    PostgreSQL."""

    __tablename__ = "search_docs"
    __table_args__ = (Index("ix_search_docs_kind_ref", "kind", "ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(8))
    ref: Mapped[str] = mapped_column(String(24))
    field: Mapped[int] = mapped_column(Integer)
    start: Mapped[float | None] = mapped_column(Float, nullable=True)
    times: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON: each word's start
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16))
    stemmed: Mapped[bool] = mapped_column(Boolean)
    owner_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    club_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    members_only: Mapped[bool] = mapped_column(Boolean, default=False)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)


# ---- payments (domain/money.py, tickets.py, payouts.py) ----


class PayoutAccountRow(Base):
    """A creator's connected payment account and its last known status."""

    __tablename__ = "payout_accounts"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    account: Mapped[str] = mapped_column(String(64), unique=True)
    charges_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    details_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    requirements_due: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    currency: Mapped[str] = mapped_column(String(3))
    status_at: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SaleRow(Base):
    """Tickets on sale for an event (and the room it becomes) or a room started at once."""

    __tablename__ = "sales"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    event_id: Mapped[str | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    room_id: Mapped[str | None] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    price: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    window: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class TicketRow(Base):
    """One person's seat in a sale (one per person): held at Checkout, paid, comp..."""

    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_sale_id_user_id", "sale_id", "user_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    state: Mapped[str] = mapped_column(String(10))
    amount: Mapped[int] = mapped_column(Integer)
    fee: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    checkout_id: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    payment_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    account: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    feed_revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class CompCodeRow(Base):
    """A host's free ticket code, good once."""

    __tablename__ = "comp_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    redeemed_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class TipRow(Base):
    __tablename__ = "tips"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    from_user: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    to_user: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    room_id: Mapped[str | None] = mapped_column(
        ForeignKey("rooms.id", ondelete="SET NULL"), nullable=True
    )
    episode_id: Mapped[str | None] = mapped_column(
        ForeignKey("episodes.id", ondelete="SET NULL"), nullable=True
    )
    amount: Mapped[int] = mapped_column(Integer)
    fee: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(10))
    checkout_id: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    payment_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    account: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PaymentEventRow(Base):
    """A provider's webhook event, once handled: delivered again, it is acknowledged and
    skipped."""

    __tablename__ = "payment_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
