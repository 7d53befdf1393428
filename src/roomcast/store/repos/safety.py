"""Removals from a room, hosts' bans, and reports for the admins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roomcast.domain.model import (
    Ban,
    Report,
    RoomId,
    UserId,
)
from roomcast.store.repos._sql import insert_new
from roomcast.store.repos.users import UserRepo
from roomcast.store.tables import (
    HostBanRow,
    ReportRow,
    RoomRemovalRow,
    RoomRow,
)


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
        await insert_new(
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
            if not await insert_new(self._s, HostBanRow, **values, user_id=user_id):
                return
            if device is not None and not await self.is_banned(host_id, [], [device]):
                await self._s.execute(
                    update(HostBanRow)
                    .where(HostBanRow.host_id == host_id, HostBanRow.user_id == user_id)
                    .values(device=device)
                )
        elif device is not None:
            await insert_new(self._s, HostBanRow, **values, device=device)

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

    async def get(self, report_id: int, users: UserRepo) -> Report | None:
        row = await self._s.get(ReportRow, report_id)
        return (await _reports([row], users))[0] if row else None

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
        return await _reports(list(await self._s.scalars(stmt)), users)


async def _reports(rows: list[ReportRow], users: UserRepo) -> list[Report]:
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
