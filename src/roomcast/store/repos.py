"""Repositories: domain objects in, domain objects out. One small class per aggregate."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import case, delete, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from roomcast.domain.model import (
    Ban,
    ChatMessage,
    EndReason,
    Participant,
    Poll,
    PublicUser,
    Question,
    Report,
    Role,
    Room,
    RoomId,
    RoomSettings,
    RoomState,
    SpeakingTimer,
    Topic,
    User,
    UserId,
    Visibility,
    public_user,
)
from roomcast.domain.podcasts import Episode, EpisodeStatus, Show, TranscriptStatus
from roomcast.errors import Conflict
from roomcast.store.tables import (
    ChatMessageRow,
    EpisodeRow,
    HostBanRow,
    JobRow,
    ParticipantRow,
    PollRow,
    PollVoteRow,
    QuestionRow,
    QuestionVoteRow,
    ReportRow,
    RoomRemovalRow,
    RoomRow,
    SessionRow,
    ShowRow,
    UserBlockRow,
    UserDeviceRow,
    UserRow,
)


def _insert(session: AsyncSession, table: type[object]) -> postgresql.Insert | sqlite.Insert:
    """INSERT with this database's ON CONFLICT clause available (SQLite or PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def _insert_new(session: AsyncSession, table: type[object], **values: object) -> bool:
    """Insert a row unless its key exists already (as one statement, so parallel copies of
    one request cannot both pass a check and then collide). True when it was inserted."""
    stmt = _insert(session, table).values(**values).on_conflict_do_nothing()
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


_USERNAME = re.compile(r"[A-Za-z0-9_]{1,32}")


def _user(row: UserRow) -> User:
    return User(
        id=UserId(row.id),
        username=row.username,
        display_name=row.display_name,
        bio=row.bio,
        is_admin=row.is_admin,
        created_at=row.created_at,
        suspended=row.suspended_at is not None,
    )


class UserRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self, username: str, display_name: str, password_hash: str, is_admin: bool, now: datetime
    ) -> User:
        row = UserRow(
            username=username,
            display_name=display_name,
            bio="",
            password_hash=password_hash,
            is_admin=is_admin,
            created_at=now,
        )
        self._s.add(row)
        try:
            await self._s.flush()
        except IntegrityError as e:  # the same name signed up a moment ago
            raise Conflict(
                "That username is taken.", code="username_taken", field="username"
            ) from e
        return _user(row)

    async def get(self, user_id: UserId) -> User | None:
        row = await self._s.get(UserRow, user_id)
        return _user(row) if row else None

    async def by_username(self, username: str) -> User | None:
        if not _USERNAME.fullmatch(username):  # never stored; and PostgreSQL refuses NUL
            return None
        row = await self._s.scalar(select(UserRow).where(UserRow.username == username.lower()))
        return _user(row) if row else None

    async def public(self, ids: Iterable[UserId]) -> dict[UserId, PublicUser]:
        wanted = set(ids)
        if not wanted:
            return {}
        rows = await self._s.scalars(select(UserRow).where(UserRow.id.in_(wanted)))
        return {UserId(r.id): public_user(UserId(r.id), r.username, r.display_name) for r in rows}

    async def password_hash(self, user_id: UserId) -> str | None:
        return await self._s.scalar(select(UserRow.password_hash).where(UserRow.id == user_id))

    async def set_password_hash(self, user_id: UserId, password_hash: str) -> None:
        await self._s.execute(
            update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash)
        )

    async def set_admin(self, user_id: UserId, is_admin: bool) -> None:
        await self._s.execute(
            update(UserRow).where(UserRow.id == user_id).values(is_admin=is_admin)
        )

    async def update_profile(self, user_id: UserId, display_name: str, bio: str) -> User:
        row = await self._s.get(UserRow, user_id)
        if row is None:
            raise LookupError(user_id)
        row.display_name, row.bio = display_name, bio
        await self._s.flush()
        return _user(row)

    async def all(self) -> list[User]:
        return [_user(r) for r in await self._s.scalars(select(UserRow).order_by(UserRow.id))]

    async def set_suspended(self, user_id: UserId, when: datetime | None) -> None:
        await self._s.execute(
            update(UserRow).where(UserRow.id == user_id).values(suspended_at=when)
        )

    async def block(self, blocker: UserId, blocked: UserId, now: datetime) -> None:
        await _insert_new(
            self._s, UserBlockRow, blocker_id=blocker, blocked_id=blocked, created_at=now
        )

    async def unblock(self, blocker: UserId, blocked: UserId) -> None:
        await self._s.execute(
            delete(UserBlockRow).where(
                UserBlockRow.blocker_id == blocker, UserBlockRow.blocked_id == blocked
            )
        )

    async def blocked_by(self, blocker: UserId) -> list[PublicUser]:
        rows = await self._s.scalars(
            select(UserRow)
            .join(UserBlockRow, UserBlockRow.blocked_id == UserRow.id)
            .where(UserBlockRow.blocker_id == blocker)
            .order_by(UserRow.username)
        )
        return [public_user(UserId(r.id), r.username, r.display_name) for r in rows]

    async def blocked_either_way(self, user: UserId) -> set[UserId]:
        """Everyone this user blocked or was blocked by: they do not see each other's chat."""
        rows = (
            await self._s.execute(
                select(UserBlockRow.blocker_id, UserBlockRow.blocked_id).where(
                    (UserBlockRow.blocker_id == user) | (UserBlockRow.blocked_id == user)
                )
            )
        ).all()
        return {UserId(b if a == user else a) for a, b in rows}

    async def is_blocked(self, blocker: UserId, blocked: UserId) -> bool:
        return await self._s.get(UserBlockRow, (blocker, blocked)) is not None

    async def blocks_any(self, blocker: UserId, blocked: Iterable[UserId]) -> bool:
        wanted = list(blocked)
        if not wanted:
            return False
        found = await self._s.scalar(
            select(UserBlockRow.blocked_id)
            .where(UserBlockRow.blocker_id == blocker, UserBlockRow.blocked_id.in_(wanted))
            .limit(1)
        )
        return found is not None


class SessionRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, token_hash: str, user_id: UserId, now: datetime, expires: datetime) -> None:
        self._s.add(SessionRow(id=token_hash, user_id=user_id, created_at=now, expires_at=expires))
        await self._s.flush()

    async def user(self, token_hash: str, now: datetime) -> User | None:
        """The session's user, or None when the session is unknown or has expired."""
        found = (
            await self._s.execute(
                select(SessionRow, UserRow)
                .join(UserRow, UserRow.id == SessionRow.user_id)
                .where(SessionRow.id == token_hash)
            )
        ).one_or_none()
        if found is None or found[0].expires_at <= now:
            return None
        return _user(found[1])

    async def delete(self, token_hash: str) -> None:
        await self._s.execute(delete(SessionRow).where(SessionRow.id == token_hash))

    async def delete_for_user(self, user_id: UserId, keep: str | None = None) -> None:
        stmt = delete(SessionRow).where(SessionRow.user_id == user_id)
        if keep is not None:
            stmt = stmt.where(SessionRow.id != keep)
        await self._s.execute(stmt)

    async def delete_expired(self, now: datetime) -> None:
        await self._s.execute(delete(SessionRow).where(SessionRow.expires_at <= now))


def _room(row: RoomRow) -> Room:
    return Room(
        id=RoomId(row.id),
        host_id=UserId(row.host_id),
        title=row.title,
        description=row.description,
        topic=Topic(row.topic),
        language=row.language,
        visibility=Visibility(row.visibility),
        state=RoomState(row.state),
        created_at=row.created_at,
        started_at=row.started_at,
        ended_at=row.ended_at,
        end_reason=EndReason(row.end_reason) if row.end_reason else None,
        host_absent_since=row.host_absent_since,
        settings=RoomSettings(
            row.hand_raising, row.speakers_join_muted, row.chat, row.record, row.guests
        ),
        pinned_link=row.pinned_link,
        timer=SpeakingTimer(row.timer_key, row.timer_ends_at)
        if row.timer_key and row.timer_ends_at
        else None,
        chapter=row.chapter,
    )


def _room_values(room: Room) -> dict[str, object]:
    return {
        "host_id": room.host_id,
        "title": room.title,
        "description": room.description,
        "topic": room.topic.value,
        "language": room.language,
        "visibility": room.visibility.value,
        "state": room.state.value,
        "created_at": room.created_at,
        "started_at": room.started_at,
        "ended_at": room.ended_at,
        "end_reason": room.end_reason.value if room.end_reason else None,
        "host_absent_since": room.host_absent_since,
        "hand_raising": room.settings.hand_raising,
        "speakers_join_muted": room.settings.speakers_join_muted,
        "chat": room.settings.chat,
        "record": room.settings.record,
        "guests": room.settings.guests,
        "pinned_link": room.pinned_link,
        "timer_key": room.timer.key if room.timer else None,
        "timer_ends_at": room.timer.ends_at if room.timer else None,
        "chapter": room.chapter,
    }


class RoomRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, room: Room) -> None:
        self._s.add(RoomRow(id=room.id, **_room_values(room)))
        await self._s.flush()

    async def get(self, room_id: str, *, for_update: bool = False) -> Room | None:
        stmt = select(RoomRow).where(RoomRow.id == room_id)
        if for_update:
            stmt = stmt.with_for_update()  # PostgreSQL row lock; SQLite serialises writers
        row = await self._s.scalar(stmt)
        return _room(row) if row else None

    async def save(self, room: Room) -> None:
        await self._s.execute(
            update(RoomRow).where(RoomRow.id == room.id).values(**_room_values(room))
        )

    async def live(self) -> list[Room]:
        rows = await self._s.scalars(
            select(RoomRow)
            .where(RoomRow.state == RoomState.LIVE.value)
            .order_by(RoomRow.started_at)
        )
        return [_room(r) for r in rows]

    async def live_ids_host_absent(self) -> list[RoomId]:
        rows = await self._s.scalars(
            select(RoomRow.id).where(
                RoomRow.state == RoomState.LIVE.value, RoomRow.host_absent_since.is_not(None)
            )
        )
        return [RoomId(r) for r in rows]

    async def live_hosted_by(self, host_id: UserId) -> list[Room]:
        rows = await self._s.scalars(
            select(RoomRow).where(RoomRow.host_id == host_id, RoomRow.state == RoomState.LIVE.value)
        )
        return [_room(r) for r in rows]

    async def by_host(self, host_id: UserId, limit: int = 50) -> list[Room]:
        rows = await self._s.scalars(
            select(RoomRow)
            .where(RoomRow.host_id == host_id)
            .order_by(RoomRow.created_at.desc())
            .limit(limit)
        )
        return [_room(r) for r in rows]


def _participant(row: ParticipantRow, people: dict[UserId, PublicUser]) -> Participant:
    return Participant(
        key=row.key,
        user=people.get(UserId(row.user_id)) if row.user_id is not None else None,
        role=Role(row.role),
        joined_at=row.joined_at,
        muted=row.muted,
        muted_by_moderator=row.muted_by_moderator,
        hand_raised_at=row.hand_raised_at,
        invited=row.invited,
    )


class ParticipantRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def _row(self, room_id: RoomId, key: str) -> ParticipantRow | None:
        return await self._s.get(ParticipantRow, (room_id, key))

    async def role(self, room_id: RoomId, key: str) -> Role | None:
        """The role someone had in this room, present or not (a reconnect keeps it)."""
        row = await self._row(room_id, key)
        return Role(row.role) if row else None

    async def present_role(self, room_id: RoomId, key: str) -> Role | None:
        """Their role if they are in the room now, else None."""
        row = await self._row(room_id, key)
        return Role(row.role) if row and row.present else None

    async def connection(self, room_id: RoomId, key: str) -> tuple[bool, str | None]:
        row = await self._row(room_id, key)
        return (row.present, row.connection_id) if row else (False, None)

    async def arrive(
        self,
        room_id: RoomId,
        key: str,
        user_id: UserId | None,
        role: Role,
        connection_id: str,
        device: str | None,
        now: datetime,
    ) -> None:
        """Mark someone present on this connection (joined_at is kept when a newer
        connection replaces a live one). `device` is the browser they came in with."""
        row = await self._row(room_id, key)
        if row is None:
            row = ParticipantRow(room_id=room_id, key=key, user_id=user_id, joined_at=now)
            self._s.add(row)
        elif not row.present:
            row.joined_at = now
        row.role, row.present, row.connection_id = role.value, True, connection_id
        row.device = device or row.device
        await self._s.flush()

    async def device(self, room_id: RoomId, key: str) -> str | None:
        row = await self._row(room_id, key)
        return row.device if row else None

    async def get(self, room_id: RoomId, key: str, users: UserRepo) -> Participant | None:
        """A present participant, or None."""
        row = await self._row(room_id, key)
        if row is None or not row.present:
            return None
        people = await users.public([UserId(row.user_id)] if row.user_id is not None else [])
        return _participant(row, people)

    async def save(self, room_id: RoomId, p: Participant) -> None:
        """Store a participant's stage state (role, mutes, hand, invitation)."""
        await self._s.execute(
            update(ParticipantRow)
            .where(ParticipantRow.room_id == room_id, ParticipantRow.key == p.key)
            .values(
                role=p.role.value,
                muted=p.muted,
                muted_by_moderator=p.muted_by_moderator,
                hand_raised_at=p.hand_raised_at,
                invited=p.invited,
            )
        )

    async def depart(self, room_id: RoomId, key: str) -> None:
        await self._s.execute(
            update(ParticipantRow)
            .where(ParticipantRow.room_id == room_id, ParticipantRow.key == key)
            .values(present=False, connection_id=None)
        )

    async def participants(self, room_id: RoomId, users: UserRepo) -> list[Participant]:
        """Everyone present in the room."""
        rows = list(
            await self._s.scalars(
                select(ParticipantRow).where(
                    ParticipantRow.room_id == room_id, ParticipantRow.present.is_(True)
                )
            )
        )
        people = await users.public(UserId(r.user_id) for r in rows if r.user_id is not None)
        return [_participant(r, people) for r in rows]

    async def rooms_of(self, user_ids: Sequence[UserId]) -> list[RoomId]:
        """The rooms these people are in now."""
        rows = await self._s.scalars(
            select(ParticipantRow.room_id)
            .where(ParticipantRow.user_id.in_(user_ids), ParticipantRow.present.is_(True))
            .distinct()
        )
        return [RoomId(r) for r in rows]

    async def clear(self, room_ids: Sequence[RoomId] | None = None) -> None:
        """Nobody is present: for ended rooms, or for every room after a restart."""
        stmt = update(ParticipantRow).values(present=False, connection_id=None)
        if room_ids is not None:
            stmt = stmt.where(ParticipantRow.room_id.in_(room_ids))
        await self._s.execute(stmt.where(ParticipantRow.present.is_(True)))


class RemovalRepo:
    """Who was removed from a room: out until it ends, by key, account or browser."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self,
        room_id: RoomId,
        key: str,
        user_id: UserId | None,
        device: str | None,
        by: UserId,
        now: datetime,
    ) -> None:
        await _insert_new(
            self._s,
            RoomRemovalRow,
            room_id=room_id,
            key=key,
            user_id=user_id,
            device=device,
            removed_by=by,
            removed_at=now,
        )

    async def is_removed(
        self, room_id: RoomId, key: str, user_ids: Sequence[UserId], devices: Sequence[str]
    ) -> bool:
        who = [RoomRemovalRow.key == key]
        if user_ids:
            who.append(RoomRemovalRow.user_id.in_(user_ids))
        if devices:
            who.append(RoomRemovalRow.device.in_(devices))
        stmt = select(exists().where(RoomRemovalRow.room_id == room_id, or_(*who)))
        return bool(await self._s.scalar(stmt))

    async def lift(
        self, room_ids: Sequence[RoomId], user_id: UserId | None, device: str | None
    ) -> None:
        who = []
        if user_id is not None:
            who.append(RoomRemovalRow.user_id == user_id)
        if device is not None:
            who.append(RoomRemovalRow.device == device)
        if room_ids and who:
            await self._s.execute(
                delete(RoomRemovalRow).where(RoomRemovalRow.room_id.in_(room_ids), or_(*who))
            )


class BanRepo:
    """A host's bans: an account, a guest's browser, or both, out of all their rooms."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self,
        host_id: UserId,
        user_id: UserId | None,
        device: str | None,
        room_id: RoomId,
        by: UserId,
        now: datetime,
    ) -> None:
        values = {"host_id": host_id, "room_id": room_id, "banned_by": by, "banned_at": now}
        if user_id is not None:  # the account; its browser too, unless banned already
            if not await _insert_new(self._s, HostBanRow, **values, user_id=user_id):
                return
            if device is not None and not await self.is_banned(host_id, [], [device]):
                await self._s.execute(
                    update(HostBanRow)
                    .where(HostBanRow.host_id == host_id, HostBanRow.user_id == user_id)
                    .values(device=device)
                )
        elif device is not None:
            await _insert_new(self._s, HostBanRow, **values, device=device)

    async def is_banned(
        self, host_id: UserId, user_ids: Sequence[UserId], devices: Sequence[str]
    ) -> bool:
        who = []
        if user_ids:
            who.append(HostBanRow.user_id.in_(user_ids))
        if devices:
            who.append(HostBanRow.device.in_(devices))
        if not who:
            return False
        stmt = select(exists().where(HostBanRow.host_id == host_id, or_(*who)))
        return bool(await self._s.scalar(stmt))

    async def of_host(self, host_id: UserId, users: UserRepo) -> list[Ban]:
        rows = (
            await self._s.execute(
                select(HostBanRow, RoomRow.title)
                .outerjoin(RoomRow, RoomRow.id == HostBanRow.room_id)
                .where(HostBanRow.host_id == host_id)
                .order_by(HostBanRow.banned_at.desc(), HostBanRow.id.desc())
            )
        ).all()
        people = await users.public(UserId(b.user_id) for b, _ in rows if b.user_id is not None)
        return [
            Ban(
                b.id,
                people.get(UserId(b.user_id)) if b.user_id is not None else None,
                RoomId(b.room_id) if b.room_id else None,
                title,
                b.banned_at,
            )
            for b, title in rows
        ]

    async def lift(self, host_id: UserId, ban_id: int) -> tuple[UserId | None, str | None]:
        """Delete the host's ban; returns whom it was about (account, device)."""
        row = await self._s.get(HostBanRow, ban_id)
        if row is None or row.host_id != host_id:
            raise LookupError(ban_id)
        found = (UserId(row.user_id) if row.user_id is not None else None, row.device)
        await self._s.delete(row)
        return found


class DeviceRepo:
    """Which accounts were used in which browser (device ids, never the cookie itself)."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def seen(self, user_id: UserId, device: str, now: datetime) -> None:
        stmt = _insert(self._s, UserDeviceRow).values(user_id=user_id, device=device, seen_at=now)
        await self._s.execute(
            stmt.on_conflict_do_update(index_elements=["user_id", "device"], set_={"seen_at": now})
        )

    async def accounts(self, device: str) -> list[UserId]:
        rows = await self._s.scalars(
            select(UserDeviceRow.user_id).where(UserDeviceRow.device == device)
        )
        return [UserId(r) for r in rows]


class ChatRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self, room_id: RoomId, author: PublicUser, text: str, now: datetime
    ) -> ChatMessage:
        row = ChatMessageRow(room_id=room_id, user_id=author.id, text=text, created_at=now)
        self._s.add(row)
        await self._s.flush()
        return ChatMessage(row.id, author, text, now)

    async def get(self, room_id: RoomId, message_id: int) -> tuple[UserId, bool] | None:
        """(author, deleted) of a message in this room, or None."""
        row = await self._s.get(ChatMessageRow, message_id)
        if row is None or row.room_id != room_id:
            return None
        return UserId(row.user_id), row.deleted_at is not None

    async def delete(self, message_id: int, by: UserId, now: datetime) -> None:
        await self._s.execute(
            update(ChatMessageRow)
            .where(ChatMessageRow.id == message_id)
            .values(deleted_at=now, deleted_by=by, text="")
        )

    async def recent(self, room_id: RoomId, users: UserRepo, limit: int) -> list[ChatMessage]:
        """The last `limit` messages, oldest first; deleted ones as tombstones."""
        rows = list(
            await self._s.scalars(
                select(ChatMessageRow)
                .where(ChatMessageRow.room_id == room_id)
                .order_by(ChatMessageRow.id.desc())
                .limit(limit)
            )
        )
        people = await users.public(UserId(r.user_id) for r in rows)
        return [
            ChatMessage(
                r.id, people[UserId(r.user_id)], r.text, r.created_at, r.deleted_at is not None
            )
            for r in reversed(rows)
        ]


class QuestionRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, room_id: RoomId, author: PublicUser, text: str, now: datetime) -> Question:
        row = QuestionRow(room_id=room_id, user_id=author.id, text=text, created_at=now)
        self._s.add(row)
        await self._s.flush()
        return Question(row.id, author, text, now)

    async def get(self, room_id: RoomId, question_id: int, users: UserRepo) -> Question | None:
        found = await self.all(room_id, users, only=question_id)
        return found[0] if found else None

    async def vote(self, question_id: int, user_id: UserId, now: datetime) -> bool:
        """False when this person had upvoted it already."""
        return await _insert_new(
            self._s, QuestionVoteRow, question_id=question_id, user_id=user_id, voted_at=now
        )

    async def set_answered(self, question_id: int, answered: bool) -> None:
        await self._s.execute(
            update(QuestionRow).where(QuestionRow.id == question_id).values(answered=answered)
        )

    async def count_by(self, room_id: RoomId, user_id: UserId) -> int:
        rows = await self._s.scalars(
            select(QuestionRow.id).where(
                QuestionRow.room_id == room_id, QuestionRow.user_id == user_id
            )
        )
        return len(list(rows))

    async def all(
        self, room_id: RoomId, users: UserRepo, only: int | None = None
    ) -> list[Question]:
        stmt = select(QuestionRow).where(QuestionRow.room_id == room_id).order_by(QuestionRow.id)
        if only is not None:
            stmt = stmt.where(QuestionRow.id == only)
        rows = list(await self._s.scalars(stmt))
        if not rows:
            return []
        votes = (
            await self._s.execute(
                select(QuestionVoteRow.question_id, QuestionVoteRow.user_id)
                .where(QuestionVoteRow.question_id.in_([r.id for r in rows]))
                .order_by(QuestionVoteRow.voted_at, QuestionVoteRow.user_id)
            )
        ).all()
        voters: dict[int, list[UserId]] = {}
        for qid, uid in votes:
            voters.setdefault(qid, []).append(UserId(uid))
        people = await users.public(UserId(r.user_id) for r in rows)
        return [
            Question(
                r.id,
                people[UserId(r.user_id)],
                r.text,
                r.created_at,
                tuple(voters.get(r.id, ())),
                r.answered,
            )
            for r in rows
        ]


class PollRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self,
        room_id: RoomId,
        author: UserId,
        question: str,
        options: tuple[str, ...],
        now: datetime,
    ) -> Poll:
        row = PollRow(
            room_id=room_id,
            user_id=author,
            question=question,
            options=json.dumps(list(options)),
            created_at=now,
        )
        self._s.add(row)
        await self._s.flush()
        return Poll(row.id, question, options, (0,) * len(options), now)

    async def vote(self, poll_id: int, user_id: UserId, option: int, now: datetime) -> bool:
        """False when this person had voted already (one vote each, kept secret)."""
        return await _insert_new(
            self._s, PollVoteRow, poll_id=poll_id, user_id=user_id, option=option, voted_at=now
        )

    async def close(self, poll_id: int) -> None:
        await self._s.execute(update(PollRow).where(PollRow.id == poll_id).values(closed=True))

    async def all(
        self, room_id: RoomId, viewer: UserId | None, only: int | None = None
    ) -> list[Poll]:
        """The room's polls with their counts, and the viewer's own choice in each."""
        stmt = select(PollRow).where(PollRow.room_id == room_id).order_by(PollRow.id)
        if only is not None:
            stmt = stmt.where(PollRow.id == only)
        rows = list(await self._s.scalars(stmt))
        if not rows:
            return []
        ids = [r.id for r in rows]
        counted = (
            await self._s.execute(
                select(PollVoteRow.poll_id, PollVoteRow.option, func.count())
                .where(PollVoteRow.poll_id.in_(ids))
                .group_by(PollVoteRow.poll_id, PollVoteRow.option)
            )
        ).all()
        mine: dict[int, int] = {}
        if viewer is not None:
            mine = dict(
                (
                    await self._s.execute(
                        select(PollVoteRow.poll_id, PollVoteRow.option).where(
                            PollVoteRow.poll_id.in_(ids), PollVoteRow.user_id == viewer
                        )
                    )
                ).all()
            )
        polls = []
        for r in rows:
            options = tuple(json.loads(r.options))
            counts = [0] * len(options)
            for pid, option, n in counted:
                if pid == r.id:
                    counts[option] = n
            polls.append(
                Poll(
                    r.id, r.question, options, tuple(counts), r.created_at, r.closed, mine.get(r.id)
                )
            )
        return polls


class ReportRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self,
        reporter: UserId,
        reason: str,
        now: datetime,
        user: UserId | None,
        room_id: RoomId | None,
    ) -> int:
        row = ReportRow(
            reporter_id=reporter, user_id=user, room_id=room_id, reason=reason, created_at=now
        )
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def get(self, report_id: int) -> ReportRow | None:
        return await self._s.get(ReportRow, report_id)

    async def resolve(self, report_id: int, by: UserId, resolution: str, now: datetime) -> None:
        await self._s.execute(
            update(ReportRow)
            .where(ReportRow.id == report_id)
            .values(resolved_at=now, resolved_by=by, resolution=resolution)
        )

    async def queue(self, users: UserRepo, include_resolved: bool = False) -> list[Report]:
        stmt = select(ReportRow).order_by(ReportRow.id)
        if not include_resolved:
            stmt = stmt.where(ReportRow.resolved_at.is_(None))
        rows = list(await self._s.scalars(stmt))
        ids = {UserId(r.reporter_id) for r in rows} | {
            UserId(r.user_id) for r in rows if r.user_id is not None
        }
        people = await users.public(ids)
        return [
            Report(
                id=r.id,
                reporter=people[UserId(r.reporter_id)],
                reason=r.reason,
                created_at=r.created_at,
                user=people.get(UserId(r.user_id)) if r.user_id is not None else None,
                room_id=RoomId(r.room_id) if r.room_id else None,
                resolved=r.resolved_at is not None,
                resolution=r.resolution,
            )
            for r in rows
        ]


def _show(row: ShowRow) -> Show:
    return Show(
        user_id=UserId(row.user_id),
        title=row.title,
        description=row.description,
        category=row.category,
        language=row.language,
        explicit=row.explicit,
        artwork=row.artwork,
        updated_at=row.updated_at,
    )


class ShowRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, user_id: UserId) -> Show | None:
        row = await self._s.get(ShowRow, user_id)
        return _show(row) if row else None

    async def save(self, show: Show, now: datetime) -> Show:
        values = {
            "title": show.title,
            "description": show.description,
            "category": show.category,
            "language": show.language,
            "explicit": show.explicit,
            "artwork": show.artwork,
            "updated_at": now,
        }
        row = await self._s.get(ShowRow, show.user_id)
        if row is None:
            self._s.add(ShowRow(user_id=show.user_id, **values))
        else:
            for k, v in values.items():
                setattr(row, k, v)
        await self._s.flush()
        return _show(await self._s.get_one(ShowRow, show.user_id))


def _episode(row: EpisodeRow) -> Episode:
    return Episode(
        id=row.id,
        room_id=RoomId(row.room_id),
        user_id=UserId(row.user_id),
        title=row.title,
        notes=row.notes,
        language=row.language,
        status=EpisodeStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
        duration=row.duration,
        audio_bytes=row.audio_bytes,
        loudness=row.loudness,
        true_peak=row.true_peak,
        transcript=TranscriptStatus(row.transcript),
        speakers=tuple(UserId(u) for u in json.loads(row.speakers)),
        error=row.error,
    )


def _episode_values(e: Episode) -> dict[str, object]:
    return {
        "room_id": e.room_id,
        "user_id": e.user_id,
        "title": e.title,
        "notes": e.notes,
        "language": e.language,
        "status": e.status.value,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
        "published_at": e.published_at,
        "duration": e.duration,
        "audio_bytes": e.audio_bytes,
        "loudness": e.loudness,
        "true_peak": e.true_peak,
        "transcript": e.transcript.value,
        "speakers": json.dumps([int(u) for u in e.speakers]),
        "error": e.error,
    }


class EpisodeRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, episode: Episode) -> None:
        self._s.add(EpisodeRow(id=episode.id, **_episode_values(episode)))
        await self._s.flush()

    async def get(self, episode_id: str, *, for_update: bool = False) -> Episode | None:
        stmt = select(EpisodeRow).where(EpisodeRow.id == episode_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = await self._s.scalar(stmt)
        return _episode(row) if row else None

    async def for_room(self, room_id: RoomId) -> Episode | None:
        row = await self._s.scalar(select(EpisodeRow).where(EpisodeRow.room_id == room_id))
        return _episode(row) if row else None

    async def save(self, episode: Episode) -> None:
        await self._s.execute(
            update(EpisodeRow).where(EpisodeRow.id == episode.id).values(**_episode_values(episode))
        )

    async def delete(self, episode_id: str) -> None:
        await self._s.execute(delete(JobRow).where(JobRow.episode_id == episode_id))
        await self._s.execute(delete(EpisodeRow).where(EpisodeRow.id == episode_id))

    async def by_user(
        self, user_id: UserId, *, public_only: bool, limit: int = 200
    ) -> list[Episode]:
        """Newest first. Public: published ones, by publication date."""
        stmt = select(EpisodeRow).where(EpisodeRow.user_id == user_id)
        if public_only:
            stmt = stmt.where(EpisodeRow.status == EpisodeStatus.PUBLISHED.value).order_by(
                EpisodeRow.published_at.desc()
            )
        else:
            stmt = stmt.order_by(EpisodeRow.created_at.desc())
        return [_episode(r) for r in await self._s.scalars(stmt.limit(limit))]


class JobRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, kind: str, episode_id: str, now: datetime, run_after: datetime) -> int:
        row = JobRow(
            kind=kind,
            episode_id=episode_id,
            state="pending",
            attempts=0,
            run_after=run_after,
            created_at=now,
            updated_at=now,
        )
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def claim(self, now: datetime) -> JobRow | None:
        """The next due job, marked running (one runner per process; SKIP LOCKED keeps
        runners of several processes on PostgreSQL from taking the same job)."""
        row = await self._s.scalar(
            select(JobRow)
            .where(JobRow.state == "pending", JobRow.run_after <= now)
            # episodes first: a long transcript must not hold back the next episode
            .order_by(case((JobRow.kind == "produce", 0), else_=1), JobRow.run_after, JobRow.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if row is None:
            return None
        row.state, row.attempts, row.updated_at = "running", row.attempts + 1, now
        await self._s.flush()
        return row

    async def next_due(self) -> datetime | None:
        return await self._s.scalar(
            select(JobRow.run_after)
            .where(JobRow.state == "pending")
            .order_by(JobRow.run_after)
            .limit(1)
        )

    async def finish(
        self,
        job_id: int,
        now: datetime,
        *,
        error: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """Done; or failed for good (error); or failed for now (error and retry_at)."""
        state = "pending" if retry_at else ("failed" if error else "done")
        values: dict[str, object] = {"state": state, "error": error, "updated_at": now}
        if retry_at is not None:
            values["run_after"] = retry_at
        await self._s.execute(update(JobRow).where(JobRow.id == job_id).values(**values))

    async def requeue_running(self, now: datetime) -> int:
        """At startup: jobs that were running belong to a process that died."""
        result = await self._s.execute(
            update(JobRow)
            .where(JobRow.state == "running")
            .values(state="pending", run_after=now, updated_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
