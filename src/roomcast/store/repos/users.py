"""Accounts, sessions, blocks between people, and the browsers accounts were used in."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from roomcast.domain.model import (
    Contact,
    PublicUser,
    Topic,
    User,
    UserId,
    public_user,
)
from roomcast.errors import Conflict
from roomcast.store.repos._sql import insert, insert_new
from roomcast.store.tables import (
    SessionRow,
    UserBlockRow,
    UserDeviceRow,
    UserRow,
)

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
        time_zone=row.time_zone,
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

    async def many(self, ids: Iterable[UserId]) -> dict[UserId, User]:
        wanted = set(ids)
        if not wanted:
            return {}
        rows = await self._s.scalars(select(UserRow).where(UserRow.id.in_(wanted)))
        return {UserId(r.id): _user(r) for r in rows}

    async def by_username(self, username: str) -> User | None:
        if not _USERNAME.fullmatch(username):  # never stored; and PostgreSQL refuses NUL
            return None
        row = await self._s.scalar(select(UserRow).where(UserRow.username == username.lower()))
        return _user(row) if row else None

    async def all_people(self) -> list[User]:
        """Everyone (the search index's rebuild)."""
        return [_user(r) for r in await self._s.scalars(select(UserRow).order_by(UserRow.id))]

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

    async def set_time_zone(self, user_id: UserId, time_zone: str) -> None:
        await self._s.execute(
            update(UserRow).where(UserRow.id == user_id).values(time_zone=time_zone)
        )

    async def contact(self, user_id: UserId) -> Contact:
        row = await self._s.get(UserRow, user_id)
        if row is None:
            return Contact()
        return Contact(
            row.email, row.email_verified_at is not None, row.email_refused_at is not None
        )

    async def addresses(self, ids: Iterable[UserId]) -> dict[UserId, str]:
        """The confirmed, not refused, addresses of those of these people who have one."""
        wanted = list(set(ids))
        found: dict[UserId, str] = {}
        for i in range(0, len(wanted), 1000):
            rows = await self._s.execute(
                select(UserRow.id, UserRow.email).where(
                    UserRow.id.in_(wanted[i : i + 1000]),
                    UserRow.email.is_not(None),
                    UserRow.email_verified_at.is_not(None),
                    UserRow.email_refused_at.is_(None),
                    UserRow.suspended_at.is_(None),
                )
            )
            found.update({UserId(u): str(e) for u, e in rows.all()})
        return found

    async def custom_prefs(self, ids: Iterable[UserId]) -> dict[UserId, str]:
        """Notification choices (JSON) of those of these people who made any."""
        wanted = list(set(ids))
        found: dict[UserId, str] = {}
        for i in range(0, len(wanted), 1000):
            rows = await self._s.execute(
                select(UserRow.id, UserRow.notify_prefs).where(
                    UserRow.id.in_(wanted[i : i + 1000]), UserRow.notify_prefs != "{}"
                )
            )
            found.update({UserId(u): str(p) for u, p in rows.all()})
        return found

    async def set_email(
        self, user_id: UserId, email: str | None, verified_at: datetime | None
    ) -> None:
        """A new address (unconfirmed until its link is opened), or the same one confirmed."""
        await self._s.execute(
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(email=email, email_verified_at=verified_at, email_refused_at=None)
        )

    async def refuse_email(self, email: str, now: datetime) -> None:
        """The mail server refused this address: stop sending to whoever has it."""
        await self._s.execute(
            update(UserRow).where(UserRow.email == email).values(email_refused_at=now)
        )

    async def topics(self, user_id: UserId) -> frozenset[Topic]:
        """The topics someone said they like (the hallway ranks them up)."""
        raw = await self._s.scalar(select(UserRow.topics).where(UserRow.id == user_id))
        try:
            said = json.loads(raw or "[]")
        except ValueError:
            said = []
        known = {t.value for t in Topic}
        return frozenset(Topic(t) for t in said if isinstance(t, str) and t in known)

    async def set_topics(self, user_id: UserId, topics: Iterable[Topic]) -> None:
        value = json.dumps(sorted(t.value for t in set(topics)))
        await self._s.execute(update(UserRow).where(UserRow.id == user_id).values(topics=value))

    async def prefs(self, user_id: UserId) -> str:
        return (
            await self._s.scalar(select(UserRow.notify_prefs).where(UserRow.id == user_id)) or "{}"
        )

    async def set_prefs(self, user_id: UserId, prefs: str) -> None:
        await self._s.execute(
            update(UserRow).where(UserRow.id == user_id).values(notify_prefs=prefs)
        )

    async def calendar_nonce(self, user_id: UserId) -> str | None:
        return await self._s.scalar(select(UserRow.calendar_nonce).where(UserRow.id == user_id))

    async def set_calendar_nonce(self, user_id: UserId, nonce: str | None) -> None:
        await self._s.execute(
            update(UserRow).where(UserRow.id == user_id).values(calendar_nonce=nonce)
        )

    async def all(self) -> list[User]:
        return [_user(r) for r in await self._s.scalars(select(UserRow).order_by(UserRow.id))]

    async def set_suspended(self, user_id: UserId, when: datetime | None) -> None:
        await self._s.execute(
            update(UserRow).where(UserRow.id == user_id).values(suspended_at=when)
        )

    async def block(self, blocker: UserId, blocked: UserId, now: datetime) -> None:
        await insert_new(
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


class DeviceRepo:
    """Which accounts were used in which browser (device ids, never the cookie itself)."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def seen(self, user_id: UserId, device: str, now: datetime) -> None:
        stmt = insert(self._s, UserDeviceRow).values(user_id=user_id, device=device, seen_at=now)
        await self._s.execute(
            stmt.on_conflict_do_update(index_elements=["user_id", "device"], set_={"seen_at": now})
        )

    async def accounts(self, device: str) -> list[UserId]:
        rows = await self._s.scalars(
            select(UserDeviceRow.user_id).where(UserDeviceRow.device == device)
        )
        return [UserId(r) for r in rows]
