"""Follows, events (with their co-hosts and RSVPs) and notifications."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped
from sqlalchemy.sql import ColumnElement

from roomcast.domain.events import Cohost, CohostState, Event, EventState
from roomcast.domain.model import PublicUser, RoomId, Topic, UserId, Visibility, public_user
from roomcast.domain.notices import Draft, Kind, Notice
from roomcast.store.repos._sql import insert, insert_new
from roomcast.store.tables import (
    EventCohostRow,
    EventRow,
    FollowRow,
    NotificationRow,
    RsvpRow,
    UserRow,
)

BATCH = 1000  # rows per statement when giving one notice to many people


async def _in_batches(
    session: AsyncSession, column: Mapped[int], where: ColumnElement[bool]
) -> AsyncIterator[list[UserId]]:
    """The user ids in `column` of the rows matching `where`, BATCH at a time, in order."""
    after = 0
    while True:
        rows = list(
            await session.scalars(
                select(column).where(where, column > after).order_by(column).limit(BATCH)
            )
        )
        if not rows:
            return
        yield [UserId(r) for r in rows]
        after = rows[-1]


class FollowRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def follow(self, follower: UserId, followee: UserId, now: datetime) -> bool:
        """True when this is a new follow (a repeat, or a parallel copy, changes nothing)."""
        return await insert_new(
            self._s, FollowRow, follower_id=follower, followee_id=followee, created_at=now
        )

    async def unfollow(self, follower: UserId, followee: UserId) -> None:
        await self._s.execute(
            delete(FollowRow).where(
                FollowRow.follower_id == follower, FollowRow.followee_id == followee
            )
        )

    async def unfollow_both_ways(self, a: UserId, b: UserId) -> None:
        """A block ends following in both directions."""
        await self._s.execute(
            delete(FollowRow).where(
                or_(
                    and_(FollowRow.follower_id == a, FollowRow.followee_id == b),
                    and_(FollowRow.follower_id == b, FollowRow.followee_id == a),
                )
            )
        )

    async def follows(self, follower: UserId, followee: UserId) -> bool:
        return await self._s.get(FollowRow, (follower, followee)) is not None

    async def counts(self, user: UserId) -> tuple[int, int]:
        """(followers, following)."""
        followers = await self._s.scalar(
            select(func.count()).select_from(FollowRow).where(FollowRow.followee_id == user)
        )
        following = await self._s.scalar(
            select(func.count()).select_from(FollowRow).where(FollowRow.follower_id == user)
        )
        return int(followers or 0), int(following or 0)

    async def _people(
        self, column: Mapped[int], where: ColumnElement[bool], limit: int, after: int
    ) -> list[PublicUser]:
        rows = await self._s.execute(
            select(UserRow.id, UserRow.username, UserRow.display_name)
            .join(FollowRow, column == UserRow.id)
            .where(where, UserRow.id > after, UserRow.suspended_at.is_(None))
            .order_by(UserRow.id)
            .limit(limit)
        )
        return [public_user(UserId(i), u, d) for i, u, d in rows.all()]

    async def followers(self, user: UserId, limit: int = 100, after: int = 0) -> list[PublicUser]:
        return await self._people(
            FollowRow.follower_id, FollowRow.followee_id == user, limit, after
        )

    async def following(self, user: UserId, limit: int = 100, after: int = 0) -> list[PublicUser]:
        return await self._people(
            FollowRow.followee_id, FollowRow.follower_id == user, limit, after
        )

    async def followed_ids(self, user: UserId) -> set[UserId]:
        rows = await self._s.scalars(
            select(FollowRow.followee_id).where(FollowRow.follower_id == user)
        )
        return {UserId(r) for r in rows}

    def follower_ids(self, user: UserId) -> AsyncIterator[list[UserId]]:
        """Everyone following `user`, in batches (a host may have many)."""
        return _in_batches(self._s, FollowRow.follower_id, FollowRow.followee_id == user)


def _event(row: EventRow) -> Event:
    return Event(
        id=row.id,
        host_id=UserId(row.host_id),
        title=row.title,
        description=row.description,
        topic=Topic(row.topic),
        language=row.language,
        visibility=Visibility(row.visibility),
        starts_at=row.starts_at,
        minutes=row.minutes,
        time_zone=row.time_zone,
        state=EventState(row.state),
        created_at=row.created_at,
        updated_at=row.updated_at,
        record=row.record,
        room_id=RoomId(row.room_id) if row.room_id else None,
        sequence=row.sequence,
        club_id=row.club_id,
    )


def _event_values(e: Event) -> dict[str, object]:
    return {
        "host_id": e.host_id,
        "title": e.title,
        "description": e.description,
        "topic": e.topic.value,
        "language": e.language,
        "visibility": e.visibility.value,
        "record": e.record,
        "starts_at": e.starts_at,
        "minutes": e.minutes,
        "time_zone": e.time_zone,
        "state": e.state.value,
        "room_id": e.room_id,
        "sequence": e.sequence,
        "created_at": e.created_at,
        "updated_at": e.updated_at,
        "club_id": e.club_id,
    }


class EventRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, event: Event) -> None:
        self._s.add(EventRow(id=event.id, **_event_values(event)))
        await self._s.flush()

    async def many(self, ids: Iterable[str]) -> dict[str, Event]:
        wanted = set(ids)
        if not wanted:
            return {}
        rows = await self._s.scalars(select(EventRow).where(EventRow.id.in_(wanted)))
        return {r.id: _event(r) for r in rows}

    async def get(self, event_id: str, *, for_update: bool = False) -> Event | None:
        stmt = select(EventRow).where(EventRow.id == event_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = await self._s.scalar(stmt)
        return _event(row) if row else None

    async def of_room(self, room_id: RoomId) -> Event | None:
        row = await self._s.scalar(select(EventRow).where(EventRow.room_id == room_id))
        return _event(row) if row else None

    async def save(self, event: Event) -> None:
        await self._s.execute(
            update(EventRow).where(EventRow.id == event.id).values(**_event_values(event))
        )

    async def upcoming(
        self,
        start: datetime,
        until: datetime,
        *,
        hosts: Sequence[UserId] | None = None,
        open_only: bool = True,
        limit: int = 50,
        club: int | None = None,
        members: bool = False,
        topic: str | None = None,
        language: str | None = None,
    ) -> list[Event]:
        """Scheduled events starting from `start` (include the recently due: they may still
        be started) until `until`, soonest first; of a club's, members-only ones too for
        its `members`."""
        stmt = select(EventRow).where(
            EventRow.state == EventState.SCHEDULED.value,
            EventRow.starts_at >= start,
            EventRow.starts_at <= until,
        )
        if hosts is not None:
            stmt = stmt.where(EventRow.host_id.in_(hosts))
        if club is not None:
            stmt = stmt.where(EventRow.club_id == club)
        if topic is not None:
            stmt = stmt.where(EventRow.topic == topic)
        if language is not None:
            stmt = stmt.where(EventRow.language == language)
        if club is not None and members:
            stmt = stmt.where(EventRow.visibility != Visibility.LINK.value)
        elif open_only:
            stmt = stmt.where(EventRow.visibility == Visibility.OPEN.value)
        stmt = stmt.order_by(EventRow.starts_at, EventRow.id).limit(limit)
        return [_event(r) for r in await self._s.scalars(stmt)]

    async def all_upcoming(self) -> list[Event]:
        rows = await self._s.scalars(
            select(EventRow).where(EventRow.state == EventState.SCHEDULED.value)
        )
        return [_event(r) for r in rows]

    async def scheduled_of_club(self, club_id: int) -> list[Event]:
        rows = await self._s.scalars(
            select(EventRow).where(
                EventRow.club_id == club_id, EventRow.state == EventState.SCHEDULED.value
            )
        )
        return [_event(r) for r in rows]

    async def for_calendar(self, user: UserId, since: datetime, limit: int = 500) -> list[Event]:
        """Events a person said "notify me" to, and those of people they follow, that start
        after `since` or changed since then (so a cancellation reaches their calendar)."""
        followed = select(FollowRow.followee_id).where(FollowRow.follower_id == user)
        rsvped = select(RsvpRow.event_id).where(RsvpRow.user_id == user)
        stmt = (
            select(EventRow)
            .where(
                or_(EventRow.id.in_(rsvped), EventRow.host_id.in_(followed)),
                or_(EventRow.starts_at >= since, EventRow.updated_at >= since),
                # link-only events of people one follows stay theirs to share
                or_(EventRow.visibility == Visibility.OPEN.value, EventRow.id.in_(rsvped)),
            )
            .order_by(EventRow.starts_at)
            .limit(limit)
        )
        return [_event(r) for r in await self._s.scalars(stmt)]

    # co-hosts

    async def cohosts(self, event_id: str) -> list[Cohost]:
        rows = await self._s.scalars(
            select(EventCohostRow)
            .where(EventCohostRow.event_id == event_id)
            .order_by(EventCohostRow.invited_at, EventCohostRow.user_id)
        )
        return [Cohost(UserId(r.user_id), CohostState(r.state)) for r in rows]

    async def set_cohosts(
        self, event_id: str, wanted: Sequence[UserId], now: datetime
    ) -> list[UserId]:
        """Keep those still wanted (with their answers), invite the new ones, drop the
        rest. Returns the newly invited."""
        have = {c.user_id for c in await self.cohosts(event_id)}
        gone = have - set(wanted)
        if gone:
            await self._s.execute(
                delete(EventCohostRow).where(
                    EventCohostRow.event_id == event_id, EventCohostRow.user_id.in_(gone)
                )
            )
        new = [u for u in wanted if u not in have]
        for u in new:
            await insert_new(
                self._s,
                EventCohostRow,
                event_id=event_id,
                user_id=u,
                state=CohostState.INVITED.value,
                invited_at=now,
            )
        return new

    async def answer_cohost(self, event_id: str, cohost: Cohost) -> None:
        await self._s.execute(
            update(EventCohostRow)
            .where(EventCohostRow.event_id == event_id, EventCohostRow.user_id == cohost.user_id)
            .values(state=cohost.state.value)
        )

    # RSVPs

    async def rsvp(self, event_id: str, user: UserId, now: datetime) -> bool:
        return await insert_new(self._s, RsvpRow, event_id=event_id, user_id=user, created_at=now)

    async def unrsvp(self, event_id: str, user: UserId) -> None:
        await self._s.execute(
            delete(RsvpRow).where(RsvpRow.event_id == event_id, RsvpRow.user_id == user)
        )

    async def drop_rsvps_to_host(self, user: UserId, host: UserId) -> None:
        """A host blocked them: they are no longer reminded of the host's events."""
        hosted = select(EventRow.id).where(EventRow.host_id == host)
        await self._s.execute(
            delete(RsvpRow).where(RsvpRow.user_id == user, RsvpRow.event_id.in_(hosted))
        )

    async def going(self, event_ids: Sequence[str]) -> dict[str, int]:
        if not event_ids:
            return {}
        rows = await self._s.execute(
            select(RsvpRow.event_id, func.count())
            .where(RsvpRow.event_id.in_(event_ids))
            .group_by(RsvpRow.event_id)
        )
        return {e: int(n) for e, n in rows.all()}

    async def rsvped(self, user: UserId, event_ids: Sequence[str]) -> set[str]:
        if not event_ids:
            return set()
        rows = await self._s.scalars(
            select(RsvpRow.event_id).where(RsvpRow.user_id == user, RsvpRow.event_id.in_(event_ids))
        )
        return set(rows)

    def rsvp_ids(self, event_id: str) -> AsyncIterator[list[UserId]]:
        return _in_batches(self._s, RsvpRow.user_id, RsvpRow.event_id == event_id)


def _notice(row: NotificationRow, people: dict[UserId, PublicUser]) -> Notice:
    return Notice(
        id=row.id,
        kind=Kind(row.kind),
        text=row.text,
        url=row.url,
        created_at=row.created_at,
        actor=people.get(UserId(row.actor_id)) if row.actor_id else None,
        event_id=row.event_id,
        starts_at=row.starts_at,
        read=row.read_at is not None,
    )


class NotificationRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def give(self, draft: Draft, users: Sequence[UserId], now: datetime) -> dict[UserId, int]:
        """Store the notice for each of `users` who does not have it yet (one statement per
        batch; a person already told of this occasion is skipped by the unique key).
        Returns who got it now, with the id of their notice."""
        got: dict[UserId, int] = {}
        table = NotificationRow.__table__
        # one statement compiled once, its rows sent as "insertmanyvalues" batches: a
        # multi-row .values() would be compiled anew for every batch, on the event loop
        stmt = (
            insert(self._s, table)  # type: ignore[arg-type]
            .on_conflict_do_nothing()
            .returning(table.c.user_id, table.c.id)
        )
        common = {
            "kind": draft.kind.value,
            "occasion": draft.occasion,
            "text": draft.text[:300],
            "url": draft.url,
            "actor_id": draft.actor_id,
            "event_id": draft.event_id,
            "starts_at": draft.starts_at,
            "created_at": now,
            "read_at": None,
        }
        conn = await self._s.connection()
        for i in range(0, len(users), BATCH):
            rows = [{"user_id": u, **common} for u in users[i : i + BATCH]]
            result = await conn.execute(stmt, rows)
            got.update({UserId(u): int(n) for u, n in result.all()})
        return got

    async def recent(self, user: UserId, limit: int = 50) -> list[Notice]:
        rows = list(
            await self._s.scalars(
                select(NotificationRow)
                .where(NotificationRow.user_id == user)
                .order_by(NotificationRow.id.desc())
                .limit(limit)
            )
        )
        actors = {UserId(r.actor_id) for r in rows if r.actor_id}
        people = await self._people(actors)
        return [_notice(r, people) for r in rows]

    async def by_id(self, user: UserId, notice_id: int) -> Notice | None:
        row = await self._s.scalar(
            select(NotificationRow).where(
                NotificationRow.user_id == user, NotificationRow.id == notice_id
            )
        )
        if row is None:
            return None
        people = await self._people({UserId(row.actor_id)} if row.actor_id else set())
        return _notice(row, people)

    async def _people(self, ids: set[UserId]) -> dict[UserId, PublicUser]:
        if not ids:
            return {}
        rows = await self._s.execute(
            select(UserRow.id, UserRow.username, UserRow.display_name).where(UserRow.id.in_(ids))
        )
        return {UserId(i): public_user(UserId(i), u, d) for i, u, d in rows.all()}

    async def unread(self, user: UserId) -> int:
        n = await self._s.scalar(
            select(func.count())
            .select_from(NotificationRow)
            .where(NotificationRow.user_id == user, NotificationRow.read_at.is_(None))
        )
        return int(n or 0)

    async def mark_ids_read(self, ids: Sequence[int], now: datetime) -> None:
        for i in range(0, len(ids), BATCH):
            await self._s.execute(
                update(NotificationRow)
                .where(NotificationRow.id.in_(ids[i : i + BATCH]))
                .values(read_at=now)
            )

    async def mark_read(self, user: UserId, ids: Sequence[int] | None, now: datetime) -> None:
        """Mark these (or, with None, all) of this person's notices read."""
        stmt = update(NotificationRow).where(
            NotificationRow.user_id == user, NotificationRow.read_at.is_(None)
        )
        if ids is not None:
            stmt = stmt.where(NotificationRow.id.in_(ids))
        await self._s.execute(stmt.values(read_at=now))
