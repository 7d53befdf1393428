"""Shows and episodes: what a creator publishes, who may see and change it."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from roomcast.actions.context import Context
from roomcast.actions.paths import episode_folder, recording_folder, show_folder
from roomcast.domain import podcasts as rules
from roomcast.domain.jobs import PRODUCE
from roomcast.domain.model import PublicUser, Room, RoomId, User, UserId
from roomcast.domain.podcasts import Episode, EpisodeStatus, Show
from roomcast.errors import BadRequest, Conflict, Gone, NotFound
from roomcast.files import write_durably
from roomcast.podcast import artwork
from roomcast.store import UnitOfWork

logger = logging.getLogger(__name__)


async def queue_episode(ctx: Context, uow: UnitOfWork, room: Room) -> Episode | None:
    """The room ended: if it was recorded, its episode is made in the background."""
    if not (room.settings.record or recording_folder(ctx, room.id).exists()):
        return None
    if await uow.episodes.for_room(room.id) is not None:
        return None
    now = ctx.clock()
    episode = Episode(
        id=secrets.token_urlsafe(9),
        room_id=room.id,
        user_id=room.host_id,
        title=room.title,
        notes=room.description,
        language=room.language,
        status=EpisodeStatus.PROCESSING,
        created_at=now,
        updated_at=now,
    )
    await uow.episodes.add(episode)
    # a moment's grace: the media engine flushes the last segment right after the commit
    await _queue_job(ctx, uow, PRODUCE, episode.id, delay=1.0)
    return episode


async def _queue_job(
    ctx: Context, uow: UnitOfWork, kind: str, episode_id: str, delay: float = 0.0
) -> None:
    now = ctx.clock()
    await uow.jobs.add(kind, episode_id, now, now + timedelta(seconds=delay))
    wake = ctx.wake_jobs

    async def poke() -> None:
        wake()

    uow.after_commit(poke)


# ---- shows ----


async def _user(uow: UnitOfWork, username: str) -> User:
    user = await uow.users.by_username(username.lower())
    if user is None:
        raise NotFound("No such show.", code="show_not_found")
    return user


async def show_of(ctx: Context, username: str) -> tuple[User, Show]:
    async with ctx.transaction() as uow:
        user = await _user(uow, username)
        return user, await uow.shows.get(user.id) or rules.default_show(user)


@dataclass(frozen=True, slots=True)
class ShowDraft:
    title: str
    description: str
    category: str
    language: str
    explicit: bool


async def update_show(ctx: Context, me: User, draft: ShowDraft) -> Show:
    if draft.category not in rules.CATEGORIES:
        raise BadRequest("Pick one of the listed categories.", code="bad_category")
    async with ctx.transaction() as uow:
        current = await uow.shows.get(me.id) or rules.default_show(me)
        show = replace(
            current,
            title=draft.title,
            description=draft.description,
            category=draft.category,
            language=draft.language,
            explicit=draft.explicit,
        )
        return await uow.shows.save(show, ctx.clock())


async def set_artwork(ctx: Context, me: User, data: bytes) -> Show:
    jpeg = await asyncio.to_thread(artwork.square_jpeg, data)
    name = f"artwork-{hashlib.sha256(jpeg).hexdigest()[:16]}.jpg"
    folder = show_folder(ctx, me.id)
    await asyncio.to_thread(write_durably, folder / name, jpeg)
    async with ctx.transaction() as uow:
        current = await uow.shows.get(me.id) or rules.default_show(me)
        old = current.artwork
        show = await uow.shows.save(replace(current, artwork=name), ctx.clock())
    if old and old != name:
        (folder / old).unlink(missing_ok=True)
    return show


async def remove_artwork(ctx: Context, me: User) -> Show:
    async with ctx.transaction() as uow:
        current = await uow.shows.get(me.id) or rules.default_show(me)
        show = await uow.shows.save(replace(current, artwork=None), ctx.clock())
    if current.artwork:
        (show_folder(ctx, me.id) / current.artwork).unlink(missing_ok=True)
    return show


async def artwork_file(ctx: Context, user: User, show: Show) -> Path:
    """The show's cover on disk: the upload, or the generated one for its title."""
    folder = show_folder(ctx, user.id)
    if show.artwork:
        return folder / show.artwork
    digest = hashlib.sha256(show.title.encode()).hexdigest()[:16]
    path = folder / f"generated-{digest}.jpg"
    if not path.exists():
        data = await asyncio.to_thread(artwork.generated, show.title)
        await asyncio.to_thread(write_durably, path, data)
        for stale in folder.glob("generated-*.jpg"):
            if stale != path:
                stale.unlink(missing_ok=True)
    return path


# ---- episodes ----


async def episode(ctx: Context, episode_id: str, viewer: User | None) -> Episode:
    async with ctx.transaction() as uow:
        return rules.may_listen(await uow.episodes.get(episode_id), viewer.id if viewer else None)


async def episode_of_room(ctx: Context, room_id: str, viewer: User | None) -> Episode:
    """The episode a recorded room became, as `viewer` may see it (its host: at any stage)."""
    async with ctx.transaction() as uow:
        found = await uow.episodes.for_room(RoomId(room_id))
        return rules.may_listen(found, viewer.id if viewer else None)


async def latest(ctx: Context, limit: int = 12) -> list[tuple[Episode, PublicUser]]:
    """The newest published episodes of every show, with their hosts."""
    async with ctx.transaction() as uow:
        found = await uow.episodes.latest_published(limit)
        hosts = await uow.users.public([e.user_id for e in found])
    return [(e, hosts[e.user_id]) for e in found if e.user_id in hosts]


async def episode_with_show(
    ctx: Context, episode_id: str, viewer: User | None
) -> tuple[Episode, User, Show]:
    """An episode, its host and the host's show: what the episode page shows."""
    async with ctx.transaction() as uow:
        found = rules.may_listen(await uow.episodes.get(episode_id), viewer.id if viewer else None)
        host = await uow.users.get(found.user_id)
        if host is None:
            raise NotFound("No such episode.", code="episode_not_found")
        return found, host, await uow.shows.get(host.id) or rules.default_show(host)


async def episodes_of(ctx: Context, user: User, viewer: User | None) -> list[Episode]:
    """A show's episodes; its host also sees those still processing, hidden or failed."""
    mine = viewer is not None and viewer.id == user.id
    async with ctx.transaction() as uow:
        return await uow.episodes.by_user(user.id, public_only=not mine)


async def live_rooms_of(ctx: Context, user: User) -> list[Room]:
    """For the feed's podcast:liveItem entries: the host's open rooms, live or recently
    ended (apps show "ended" instead of a dead link)."""
    async with ctx.transaction() as uow:
        rooms = await uow.rooms.by_host(user.id, limit=10)
    recent = ctx.clock() - timedelta(days=1)
    return [
        r
        for r in rooms
        if r.visibility.value == "open" and (r.is_live or (r.ended_at and r.ended_at > recent))
    ]


async def people(ctx: Context, ids: Iterable[UserId]) -> dict[UserId, PublicUser]:
    async with ctx.transaction() as uow:
        return await uow.users.public(ids)


async def _own(uow: UnitOfWork, me: User, episode_id: str) -> Episode:
    found = rules.may_listen(await uow.episodes.get(episode_id, for_update=True), me.id)
    rules.check_owner(found, me)
    return found


async def edit(
    ctx: Context, me: User, episode_id: str, title: str | None, notes: str | None
) -> Episode:
    async with ctx.transaction() as uow:
        found = await _own(uow, me, episode_id)
        changed = replace(
            found,
            title=found.title if title is None else title,
            notes=found.notes if notes is None else notes,
            updated_at=ctx.clock(),
        )
        await uow.episodes.save(changed)
        return changed


async def publish(ctx: Context, me: User, episode_id: str, published: bool) -> Episode:
    async with ctx.transaction() as uow:
        found = await _own(uow, me, episode_id)
        changed = rules.publish(found, published, ctx.clock())
        await uow.episodes.save(changed)
        return changed


async def retry(ctx: Context, me: User, episode_id: str) -> Episode:
    """Make a failed episode again from its recording (kept when production fails)."""
    async with ctx.transaction() as uow:
        found = await _own(uow, me, episode_id)
        if found.status is not EpisodeStatus.FAILED:
            raise Conflict("Only a failed episode can be made again.", code="episode_not_failed")
        if not recording_folder(ctx, found.room_id).exists():
            raise Gone("Its recording is gone.", code="recording_gone")
        changed = replace(
            found, status=EpisodeStatus.PROCESSING, error=None, updated_at=ctx.clock()
        )
        await uow.episodes.save(changed)
        await _queue_job(ctx, uow, PRODUCE, found.id)
        return changed


async def delete(ctx: Context, me: User, episode_id: str) -> None:
    """Gone for good: the row, its jobs, its files and any recording left."""
    async with ctx.transaction() as uow:
        found = await _own(uow, me, episode_id)
        await uow.episodes.delete(found.id)
    for folder in (episode_folder(ctx, found.id), recording_folder(ctx, found.room_id)):
        await asyncio.to_thread(shutil.rmtree, folder, True)
    logger.info("episode %s deleted by its host", found.id)
