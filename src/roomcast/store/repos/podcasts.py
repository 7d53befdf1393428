"""Shows, episodes and the background jobs that make them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from roomcast.domain.jobs import Job
from roomcast.domain.model import (
    RoomId,
    UserId,
)
from roomcast.domain.podcasts import Episode, EpisodeStatus, Show, TranscriptStatus
from roomcast.store.tables import (
    EpisodeRow,
    JobRow,
    RoomRow,
    ShowRow,
)


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
        club_id=row.club_id,
        members_only=row.members_only,
        sale_id=row.sale_id,
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
        "club_id": e.club_id,
        "members_only": e.members_only,
        "sale_id": e.sale_id,
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

    async def many(self, ids: Iterable[str]) -> dict[str, Episode]:
        wanted = set(ids)
        if not wanted:
            return {}
        rows = await self._s.scalars(select(EpisodeRow).where(EpisodeRow.id.in_(wanted)))
        return {r.id: _episode(r) for r in rows}

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
        stmt = select(EpisodeRow).where(
            EpisodeRow.user_id == user_id, EpisodeRow.club_id.is_(None)
        )  # a club room's episode is in the club's show
        if public_only:  # a ticketed room's replay is for its buyers, not the public show
            stmt = stmt.where(
                EpisodeRow.status == EpisodeStatus.PUBLISHED.value, EpisodeRow.sale_id.is_(None)
            ).order_by(EpisodeRow.published_at.desc())
        else:
            stmt = stmt.order_by(EpisodeRow.created_at.desc())
        return [_episode(r) for r in await self._s.scalars(stmt.limit(limit))]

    async def all_ready(self) -> list[Episode]:
        """Every finished episode, published or not (the search index's rebuild)."""
        ready = (EpisodeStatus.PUBLISHED.value, EpisodeStatus.UNPUBLISHED.value)
        rows = await self._s.scalars(select(EpisodeRow).where(EpisodeRow.status.in_(ready)))
        return [_episode(r) for r in rows]

    async def by_club(
        self, club_id: int, *, members: bool, host: UserId | None = None, limit: int = 200
    ) -> list[Episode]:
        """A club's show, newest first: its published episodes (members-only ones for
        `members`), and any of `host`'s own at every stage."""
        published = and_(
            EpisodeRow.status == EpisodeStatus.PUBLISHED.value, EpisodeRow.sale_id.is_(None)
        )
        if not members:
            published = and_(published, EpisodeRow.members_only.is_(False))
        seen = or_(published, EpisodeRow.user_id == host) if host is not None else published
        stmt = (
            select(EpisodeRow)
            .where(EpisodeRow.club_id == club_id, seen)
            .order_by(func.coalesce(EpisodeRow.published_at, EpisodeRow.created_at).desc())
            .limit(limit)
        )
        return [_episode(r) for r in await self._s.scalars(stmt)]

    async def latest_published(
        self, limit: int = 12, topic: str | None = None, language: str | None = None
    ) -> list[Episode]:
        """Every show's newest published episodes: the front door's "latest episodes", or
        a topic's (the topic of the room it was), in a language if asked. Members-only
        ones stay with their club."""
        stmt = select(EpisodeRow).where(
            EpisodeRow.status == EpisodeStatus.PUBLISHED.value,
            EpisodeRow.members_only.is_(False),
            EpisodeRow.sale_id.is_(None),
        )
        if topic is not None:
            stmt = stmt.join(RoomRow, RoomRow.id == EpisodeRow.room_id).where(
                RoomRow.topic == topic
            )
        if language is not None:
            stmt = stmt.where(EpisodeRow.language == language)
        stmt = stmt.order_by(EpisodeRow.published_at.desc(), EpisodeRow.id).limit(limit)
        return [_episode(r) for r in await self._s.scalars(stmt)]


class JobRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(
        self,
        kind: str,
        episode_id: str | None,
        now: datetime,
        run_after: datetime,
        payload: Mapping[str, Any] | None = None,
    ) -> int:
        row = JobRow(
            kind=kind,
            episode_id=episode_id,
            payload=json.dumps(payload) if payload is not None else None,
            state="pending",
            attempts=0,
            run_after=run_after,
            created_at=now,
            updated_at=now,
        )
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def add_many(
        self, kind: str, payloads: Sequence[Mapping[str, Any]], now: datetime
    ) -> None:
        """Many jobs of one kind, due now, in one statement."""
        if payloads:
            await self._s.execute(
                insert(JobRow),
                [
                    {
                        "kind": kind,
                        "payload": json.dumps(p),
                        "state": "pending",
                        "attempts": 0,
                        "run_after": now,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for p in payloads
                ],
            )

    async def claim(self, now: datetime, kinds: Sequence[str], limit: int = 1) -> list[Job]:
        """The next due jobs of these kinds, marked running (one runner per lane per process;
        SKIP LOCKED keeps runners of several processes on PostgreSQL from taking the same)."""
        rows = list(
            await self._s.scalars(
                select(JobRow)
                .where(JobRow.state == "pending", JobRow.run_after <= now, JobRow.kind.in_(kinds))
                # episodes first: a long transcript must not hold back the next episode
                .order_by(case((JobRow.kind == "produce", 0), else_=1), JobRow.run_after, JobRow.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for row in rows:
            row.state, row.attempts, row.updated_at = "running", row.attempts + 1, now
        await self._s.flush()
        return [
            Job(
                row.id,
                row.kind,
                row.attempts,
                row.episode_id,
                json.loads(row.payload) if row.payload else {},
            )
            for row in rows
        ]

    async def next_due(self, kinds: Sequence[str]) -> datetime | None:
        return await self._s.scalar(
            select(JobRow.run_after)
            .where(JobRow.state == "pending", JobRow.kind.in_(kinds))
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

    async def requeue_running(self, now: datetime, kinds: Sequence[str]) -> int:
        """At startup: jobs that were running belong to a process that died."""
        result = await self._s.execute(
            update(JobRow)
            .where(JobRow.state == "running", JobRow.kind.in_(kinds))
            .values(state="pending", run_after=now, updated_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def counts(self, kind: str) -> dict[str, int]:
        """How many jobs of a kind are in each state (for tests and /metrics)."""
        rows = await self._s.execute(
            select(JobRow.state, func.count()).where(JobRow.kind == kind).group_by(JobRow.state)
        )
        return {state: int(n) for state, n in rows.all()}
