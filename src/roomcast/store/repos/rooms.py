"""Rooms and the people in them (presence, roles, mutes, hands, invitations)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roomcast.domain.identity import user_key
from roomcast.domain.model import (
    EndReason,
    Participant,
    PublicUser,
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
from roomcast.store.repos._sql import insert_new
from roomcast.store.repos.users import UserRepo
from roomcast.store.tables import (
    ParticipantRow,
    RoomRow,
)


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
            row.hand_raising, row.speakers_join_muted, row.chat, row.record, row.guests, row.music
        ),
        pinned_link=row.pinned_link,
        timer=SpeakingTimer(row.timer_key, row.timer_ends_at)
        if row.timer_key and row.timer_ends_at
        else None,
        chapter=row.chapter,
        club_id=row.club_id,
        ticketed=row.ticketed,
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
        "music": room.settings.music,
        "pinned_link": room.pinned_link,
        "timer_key": room.timer.key if room.timer else None,
        "timer_ends_at": room.timer.ends_at if room.timer else None,
        "chapter": room.chapter,
        "club_id": room.club_id,
        "ticketed": room.ticketed,
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

    async def many(self, ids: Iterable[str]) -> dict[RoomId, Room]:
        wanted = set(ids)
        if not wanted:
            return {}
        rows = await self._s.scalars(select(RoomRow).where(RoomRow.id.in_(wanted)))
        return {RoomId(r.id): _room(r) for r in rows}

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

    async def live_of_club(self, club_id: int) -> list[Room]:
        rows = await self._s.scalars(
            select(RoomRow)
            .where(RoomRow.club_id == club_id, RoomRow.state == RoomState.LIVE.value)
            .order_by(RoomRow.started_at)
        )
        return [_room(r) for r in rows]

    async def by_club(self, club_id: int, limit: int = 50) -> list[Room]:
        rows = await self._s.scalars(
            select(RoomRow)
            .where(RoomRow.club_id == club_id)
            .order_by(RoomRow.created_at.desc())
            .limit(limit)
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


def _utc(at: datetime) -> datetime:
    """Column values selected one by one come through UTCDateTime too; kept aware."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


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
        mic_blocked=row.mic_blocked,
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

    async def reserve(self, room_id: RoomId, user_id: UserId, role: Role, now: datetime) -> None:
        """A role kept for someone not here yet (an event's co-host): they take it on
        joining, as a reconnecting person takes theirs."""
        await insert_new(
            self._s,
            ParticipantRow,
            room_id=room_id,
            key=user_key(user_id),
            user_id=user_id,
            role=role.value,
            present=False,
            joined_at=now,
        )

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
                mic_blocked=p.mic_blocked,
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

    async def present_in(
        self, room_ids: Sequence[RoomId], users: UserRepo
    ) -> dict[RoomId, list[Participant]]:
        """Everyone present in each of these rooms, in two queries (the hallway's list)."""
        rows = list(
            await self._s.scalars(
                select(ParticipantRow).where(
                    ParticipantRow.room_id.in_(room_ids), ParticipantRow.present.is_(True)
                )
            )
        )
        people = await users.public(UserId(r.user_id) for r in rows if r.user_id is not None)
        found: dict[RoomId, list[Participant]] = {r: [] for r in room_ids}
        for r in rows:
            found[RoomId(r.room_id)].append(_participant(r, people))
        return found

    async def live_stages(
        self, users: UserRepo, also: Iterable[UserId] = ()
    ) -> tuple[dict[RoomId, list[Participant]], dict[RoomId, int], dict[UserId, PublicUser]]:
        """The hallway's share of every live room: who is present on stage, how many are
        present in the audience (counted, not loaded: audiences are large), and those
        people (with `also`, the hosts) as others see them. Three queries in all."""
        live = select(RoomRow.id).where(RoomRow.state == RoomState.LIVE.value)
        present = (ParticipantRow.room_id.in_(live), ParticipantRow.present.is_(True))
        rows = (
            await self._s.execute(
                select(
                    ParticipantRow.room_id,
                    ParticipantRow.key,
                    ParticipantRow.user_id,
                    ParticipantRow.role,
                    ParticipantRow.joined_at,
                    ParticipantRow.muted,
                    ParticipantRow.muted_by_moderator,
                    ParticipantRow.hand_raised_at,
                    ParticipantRow.invited,
                    ParticipantRow.mic_blocked,
                ).where(*present, ParticipantRow.role != Role.LISTENER.value)
            )
        ).all()
        counted = await self._s.execute(
            select(ParticipantRow.room_id, func.count())
            .where(*present, ParticipantRow.role == Role.LISTENER.value)
            .group_by(ParticipantRow.room_id)
        )
        ids = {UserId(r.user_id) for r in rows if r.user_id is not None} | set(also)
        people = await users.public(ids)
        stage: dict[RoomId, list[Participant]] = {}
        for r in rows:
            stage.setdefault(RoomId(r.room_id), []).append(
                Participant(
                    key=r.key,
                    user=people.get(UserId(r.user_id)) if r.user_id is not None else None,
                    role=Role(r.role),
                    joined_at=_utc(r.joined_at),
                    muted=r.muted,
                    muted_by_moderator=r.muted_by_moderator,
                    hand_raised_at=_utc(r.hand_raised_at) if r.hand_raised_at else None,
                    invited=r.invited,
                    mic_blocked=r.mic_blocked,
                )
            )
        return stage, {RoomId(r): int(n) for r, n in counted.all()}, people

    async def came_since(self, room_ids: Sequence[RoomId], since: datetime) -> dict[RoomId, int]:
        """Per room: the people in it now or who came in since `since` (trending)."""
        if not room_ids:
            return {}
        rows = await self._s.execute(
            select(ParticipantRow.room_id, func.count())
            .where(
                ParticipantRow.room_id.in_(room_ids),
                or_(ParticipantRow.present.is_(True), ParticipantRow.joined_at >= since),
            )
            .group_by(ParticipantRow.room_id)
        )
        return {RoomId(r): int(n) for r, n in rows.all()}

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
