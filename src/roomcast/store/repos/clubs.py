"""Clubs, their members, join requests, bans and followers; private feed keys."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime

from sqlalchemy import case, delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from roomcast.domain.clubs import Club, ClubRole, HostPolicy, JoinPolicy
from roomcast.domain.model import PublicUser, Topic, UserId, public_user
from roomcast.store.repos._sql import insert, insert_new
from roomcast.store.repos.social import _in_batches
from roomcast.store.tables import (
    ClubBanRow,
    ClubFollowRow,
    ClubMemberRow,
    ClubRequestRow,
    ClubRow,
    FeedKeyRow,
    UserRow,
)


def _club(row: ClubRow, members: int = 0) -> Club:
    return Club(
        id=row.id,
        handle=row.handle,
        name=row.name,
        description=row.description,
        topic=Topic(row.topic),
        language=row.language,
        join=JoinPolicy(row.join_policy),
        hosting=HostPolicy(row.hosting),
        created_by=UserId(row.created_by or 0),
        created_at=row.created_at,
        updated_at=row.updated_at,
        avatar=row.avatar,
        cover=row.cover,
        invite_nonce=row.invite_nonce,
        deleted_at=row.deleted_at,
        members=members,
    )


def _values(club: Club) -> dict[str, object]:
    return {
        "handle": club.handle,
        "name": club.name,
        "description": club.description,
        "topic": club.topic.value,
        "language": club.language,
        "join_policy": club.join.value,
        "hosting": club.hosting.value,
        "avatar": club.avatar,
        "cover": club.cover,
        "invite_nonce": club.invite_nonce,
        "updated_at": club.updated_at,
        "deleted_at": club.deleted_at,
    }


class ClubRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    # ---- the club ----

    async def add(self, club: Club, handle_key: str) -> Club:
        """Stored with a new id. A taken handle (or a look-alike) fails on its unique key:
        the unit of work makes that a 409."""
        row = ClubRow(
            **_values(club),
            handle_key=handle_key,
            created_by=club.created_by,
            created_at=club.created_at,
        )
        self._s.add(row)
        await self._s.flush()
        return _club(row)

    async def handle_taken(self, handle_key: str) -> bool:
        found = await self._s.scalar(select(ClubRow.id).where(ClubRow.handle_key == handle_key))
        return found is not None

    async def _count(self, club_id: int) -> int:
        n = await self._s.scalar(
            select(func.count()).select_from(ClubMemberRow).where(ClubMemberRow.club_id == club_id)
        )
        return int(n or 0)

    async def get(self, club_id: int, *, for_update: bool = False) -> Club | None:
        stmt = select(ClubRow).where(ClubRow.id == club_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = await self._s.scalar(stmt)
        return _club(row, await self._count(row.id)) if row else None

    async def by_handle(self, handle: str, *, for_update: bool = False) -> Club | None:
        stmt = select(ClubRow).where(ClubRow.handle == handle.lower())
        if for_update:
            stmt = stmt.with_for_update()
        row = await self._s.scalar(stmt)
        return _club(row, await self._count(row.id)) if row else None

    async def many(self, ids: Iterable[int]) -> dict[int, Club]:
        wanted = set(ids)
        if not wanted:
            return {}
        rows = await self._s.scalars(select(ClubRow).where(ClubRow.id.in_(wanted)))
        return {r.id: _club(r) for r in rows}

    async def save(self, club: Club) -> None:
        await self._s.execute(update(ClubRow).where(ClubRow.id == club.id).values(**_values(club)))

    async def listed(self, limit: int = 50, topic: Topic | None = None) -> list[Club]:
        """Clubs that are not deleted, the biggest first."""
        members = (
            select(ClubMemberRow.club_id, func.count().label("n"))
            .group_by(ClubMemberRow.club_id)
            .subquery()
        )
        stmt = (
            select(ClubRow, func.coalesce(members.c.n, 0))
            .outerjoin(members, members.c.club_id == ClubRow.id)
            .where(ClubRow.deleted_at.is_(None))
        )
        if topic is not None:
            stmt = stmt.where(ClubRow.topic == topic.value)
        rows = await self._s.execute(
            stmt.order_by(func.coalesce(members.c.n, 0).desc(), ClubRow.id).limit(limit)
        )
        return [_club(r, int(n)) for r, n in rows.all()]

    async def empty(self, club_id: int) -> None:
        """A deleted club keeps nobody: members, requests, followers and feed keys go."""
        for table in (ClubMemberRow, ClubRequestRow, ClubFollowRow, FeedKeyRow):
            await self._s.execute(delete(table).where(table.club_id == club_id))

    # ---- members ----

    async def role(self, club_id: int, user_id: UserId) -> ClubRole | None:
        found = await self._s.scalar(
            select(ClubMemberRow.role).where(
                ClubMemberRow.club_id == club_id, ClubMemberRow.user_id == user_id
            )
        )
        return ClubRole(found) if found else None

    async def add_member(
        self, club_id: int, user_id: UserId, role: ClubRole, now: datetime
    ) -> bool:
        """True when they were not a member (parallel copies add one row)."""
        await self._s.execute(
            delete(ClubRequestRow).where(
                ClubRequestRow.club_id == club_id, ClubRequestRow.user_id == user_id
            )
        )
        return await insert_new(
            self._s, ClubMemberRow, club_id=club_id, user_id=user_id, role=role.value, joined_at=now
        )

    async def set_role(self, club_id: int, user_id: UserId, role: ClubRole) -> None:
        await self._s.execute(
            update(ClubMemberRow)
            .where(ClubMemberRow.club_id == club_id, ClubMemberRow.user_id == user_id)
            .values(role=role.value)
        )

    async def remove_member(self, club_id: int, user_id: UserId) -> None:
        """Out of the club, and their private feed of it revoked."""
        await self._s.execute(
            delete(ClubMemberRow).where(
                ClubMemberRow.club_id == club_id, ClubMemberRow.user_id == user_id
            )
        )
        await self._s.execute(
            delete(FeedKeyRow).where(FeedKeyRow.club_id == club_id, FeedKeyRow.user_id == user_id)
        )

    async def admins(self, club_id: int) -> int:
        n = await self._s.scalar(
            select(func.count())
            .select_from(ClubMemberRow)
            .where(ClubMemberRow.club_id == club_id, ClubMemberRow.role == ClubRole.ADMIN.value)
        )
        return int(n or 0)

    async def members(
        self, club_id: int, limit: int = 100, after: tuple[int, int] | None = None
    ) -> list[tuple[PublicUser, ClubRole]]:
        """Admins, then moderators, then members, each by user id; `after` is the
        (rank, user id) of the last one on the page before (ranks: admin 0, member 2)."""
        rank = case(
            (ClubMemberRow.role == ClubRole.ADMIN.value, 0),
            (ClubMemberRow.role == ClubRole.MODERATOR.value, 1),
            else_=2,
        )
        stmt = (
            select(ClubMemberRow.role, UserRow.id, UserRow.username, UserRow.display_name)
            .join(UserRow, UserRow.id == ClubMemberRow.user_id)
            .where(ClubMemberRow.club_id == club_id, UserRow.suspended_at.is_(None))
        )
        if after is not None:
            stmt = stmt.where(tuple_(rank, UserRow.id) > tuple_(after[0], after[1]))
        rows = await self._s.execute(stmt.order_by(rank, UserRow.id).limit(limit))
        return [(public_user(UserId(i), u, d), ClubRole(r)) for r, i, u, d in rows.all()]

    async def clubs_of(self, user_id: UserId) -> dict[int, ClubRole]:
        rows = await self._s.execute(
            select(ClubMemberRow.club_id, ClubMemberRow.role)
            .join(ClubRow, ClubRow.id == ClubMemberRow.club_id)
            .where(ClubMemberRow.user_id == user_id, ClubRow.deleted_at.is_(None))
        )
        return {c: ClubRole(r) for c, r in rows.all()}

    def member_ids(self, club_id: int) -> AsyncIterator[list[UserId]]:
        return _in_batches(self._s, ClubMemberRow.user_id, ClubMemberRow.club_id == club_id)

    # ---- requests ----

    async def request(self, club_id: int, user_id: UserId, now: datetime) -> bool:
        return await insert_new(
            self._s, ClubRequestRow, club_id=club_id, user_id=user_id, created_at=now
        )

    async def has_requested(self, club_id: int, user_id: UserId) -> bool:
        return await self._s.get(ClubRequestRow, (club_id, user_id)) is not None

    async def drop_request(self, club_id: int, user_id: UserId) -> bool:
        result = await self._s.execute(
            delete(ClubRequestRow).where(
                ClubRequestRow.club_id == club_id, ClubRequestRow.user_id == user_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def requests(self, club_id: int, limit: int = 100) -> list[tuple[PublicUser, datetime]]:
        rows = await self._s.execute(
            select(UserRow.id, UserRow.username, UserRow.display_name, ClubRequestRow.created_at)
            .join(UserRow, UserRow.id == ClubRequestRow.user_id)
            .where(ClubRequestRow.club_id == club_id, UserRow.suspended_at.is_(None))
            .order_by(ClubRequestRow.created_at, UserRow.id)
            .limit(limit)
        )
        return [(public_user(UserId(i), u, d), at) for i, u, d, at in rows.all()]

    # ---- bans ----

    async def ban(self, club_id: int, user_id: UserId, by: UserId, now: datetime) -> None:
        await self.remove_member(club_id, user_id)
        await self.drop_request(club_id, user_id)
        await insert_new(
            self._s, ClubBanRow, club_id=club_id, user_id=user_id, banned_by=by, banned_at=now
        )

    async def unban(self, club_id: int, user_id: UserId) -> bool:
        result = await self._s.execute(
            delete(ClubBanRow).where(ClubBanRow.club_id == club_id, ClubBanRow.user_id == user_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def is_banned(self, club_id: int, accounts: Iterable[UserId]) -> bool:
        wanted = list(accounts)
        if not wanted:
            return False
        found = await self._s.scalar(
            select(ClubBanRow.user_id)
            .where(ClubBanRow.club_id == club_id, ClubBanRow.user_id.in_(wanted))
            .limit(1)
        )
        return found is not None

    async def bans(self, club_id: int, limit: int = 200) -> list[tuple[PublicUser, datetime]]:
        rows = await self._s.execute(
            select(UserRow.id, UserRow.username, UserRow.display_name, ClubBanRow.banned_at)
            .join(UserRow, UserRow.id == ClubBanRow.user_id)
            .where(ClubBanRow.club_id == club_id)
            .order_by(ClubBanRow.banned_at.desc())
            .limit(limit)
        )
        return [(public_user(UserId(i), u, d), at) for i, u, d, at in rows.all()]

    # ---- followers ----

    async def follow(self, user_id: UserId, club_id: int, now: datetime) -> bool:
        return await insert_new(
            self._s, ClubFollowRow, user_id=user_id, club_id=club_id, created_at=now
        )

    async def unfollow(self, user_id: UserId, club_id: int) -> None:
        await self._s.execute(
            delete(ClubFollowRow).where(
                ClubFollowRow.user_id == user_id, ClubFollowRow.club_id == club_id
            )
        )

    async def follows(self, user_id: UserId, club_id: int) -> bool:
        return await self._s.get(ClubFollowRow, (user_id, club_id)) is not None

    async def followers(self, club_id: int) -> int:
        n = await self._s.scalar(
            select(func.count()).select_from(ClubFollowRow).where(ClubFollowRow.club_id == club_id)
        )
        return int(n or 0)

    async def followed_by(self, user_id: UserId) -> set[int]:
        rows = await self._s.scalars(
            select(ClubFollowRow.club_id).where(ClubFollowRow.user_id == user_id)
        )
        return set(rows)

    def follower_ids(self, club_id: int) -> AsyncIterator[list[UserId]]:
        return _in_batches(self._s, ClubFollowRow.user_id, ClubFollowRow.club_id == club_id)

    # ---- private feed keys ----

    async def feed_key(self, user_id: UserId, club_id: int, nonce: str, now: datetime) -> None:
        """Make sure `user_id` has a key for `club_id`'s private feed (kept if they have)."""
        stmt = (
            insert(self._s, FeedKeyRow)
            .values(user_id=user_id, club_id=club_id, nonce=nonce, created_at=now)
            .on_conflict_do_nothing()
        )
        await self._s.execute(stmt)

    async def renew_feed_key(self, user_id: UserId, club_id: int, nonce: str) -> None:
        await self._s.execute(
            update(FeedKeyRow)
            .where(FeedKeyRow.user_id == user_id, FeedKeyRow.club_id == club_id)
            .values(nonce=nonce)
        )

    async def key_of(self, user_id: UserId, club_id: int) -> tuple[int, str] | None:
        row = (
            await self._s.execute(
                select(FeedKeyRow.id, FeedKeyRow.nonce).where(
                    FeedKeyRow.user_id == user_id, FeedKeyRow.club_id == club_id
                )
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def key(self, key_id: int) -> tuple[UserId, int | None, int | None, str] | None:
        """(user, club, sale, nonce) of a feed key (a club's or a ticket buyer's)."""
        row = (
            await self._s.execute(
                select(
                    FeedKeyRow.user_id, FeedKeyRow.club_id, FeedKeyRow.sale_id, FeedKeyRow.nonce
                ).where(FeedKeyRow.id == key_id)
            )
        ).first()
        return (UserId(row[0]), row[1], row[2], row[3]) if row else None
