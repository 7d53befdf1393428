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

from roomcast.actions import search
from roomcast.actions.clubs import is_member
from roomcast.actions.context import Context
from roomcast.actions.paths import episode_folder, recording_folder, show_folder
from roomcast.domain import clubs as club_rules
from roomcast.domain import podcasts as rules
from roomcast.domain.clubs import Club
from roomcast.domain.jobs import PRODUCE
from roomcast.domain.model import PublicUser, Room, RoomId, Topic, User, UserId, Visibility
from roomcast.domain.podcasts import Episode, EpisodeStatus, Show
from roomcast.domain.search import Kind as SearchKind
from roomcast.errors import BadRequest, Conflict, Gone, NotFound
from roomcast.files import drawn_once, write_durably
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
        club_id=room.club_id,
        members_only=room.visibility is Visibility.MEMBERS,
        sale_id=sale.id if (sale := await uow.sales.of_room(room.id)) else None,
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
    title = show.title
    return await asyncio.to_thread(drawn_once, folder, title, lambda: artwork.generated(title))


# ---- episodes ----


async def _may_listen(uow: UnitOfWork, found: Episode | None, viewer: User | None) -> Episode:
    """`rules.may_listen`, with what the store knows: is the viewer a member of the club
    whose members-only episode this is? Do they hold a ticket for the ticketed room it was?"""
    member = bool(found and found.members_only and await is_member(uow, found.club_id, viewer))
    ticket = bool(
        found
        and found.sale_id is not None
        and viewer is not None
        and await uow.tickets.valid(found.sale_id, viewer.id)
    )
    return rules.may_listen(found, viewer.id if viewer else None, member, ticket)


async def episode(ctx: Context, episode_id: str, viewer: User | None) -> Episode:
    async with ctx.transaction() as uow:
        return await _may_listen(uow, await uow.episodes.get(episode_id), viewer)


async def episode_of_club(ctx: Context, episode_id: str, club_id: int) -> Episode:
    """An episode through a member's private feed key: one of that club's, published."""
    async with ctx.transaction() as uow:
        found = await uow.episodes.get(episode_id)
    if found is None or found.club_id != club_id:
        raise NotFound("No such episode.", code="episode_not_found")
    return rules.may_listen(found, None, member=True)


async def episode_of_sale(ctx: Context, episode_id: str, sale_id: int) -> Episode:
    """An episode through a buyer's private feed key: that sale's replay, published."""
    async with ctx.transaction() as uow:
        found = await uow.episodes.get(episode_id)
    if found is None or found.sale_id != sale_id:
        raise NotFound("No such episode.", code="episode_not_found")
    return rules.may_listen(found, None, ticket=True)


async def episode_of_room(ctx: Context, room_id: str, viewer: User | None) -> Episode:
    """The episode a recorded room became, as `viewer` may see it (its host: at any stage)."""
    async with ctx.transaction() as uow:
        return await _may_listen(uow, await uow.episodes.for_room(RoomId(room_id)), viewer)


async def latest(
    ctx: Context, limit: int = 12, topic: Topic | None = None, language: str | None = None
) -> list[tuple[Episode, PublicUser]]:
    """The newest published episodes of every show (or a topic's, in a language), with
    their hosts."""
    async with ctx.transaction() as uow:
        found = await uow.episodes.latest_published(limit, topic.value if topic else None, language)
        hosts = await uow.users.public([e.user_id for e in found])
    return [(e, hosts[e.user_id]) for e in found if e.user_id in hosts]


async def show_for(
    ctx: Context, host_id: UserId, club_id: int | None
) -> tuple[Show, User, Club | None]:
    """The show a host's room (or a club's) publishes to, with its host and club."""
    async with ctx.transaction() as uow:
        host = await uow.users.get(host_id)
        if host is None:
            raise NotFound("No such show.", code="show_not_found")
        club = await uow.clubs.get(club_id) if club_id is not None else None
        if club is not None:
            return club_show(club), host, club
        return await uow.shows.get(host.id) or rules.default_show(host), host, None


async def episode_with_show(
    ctx: Context, episode_id: str, viewer: User | None
) -> tuple[Episode, User, Show, Club | None]:
    """An episode, its host and its show (the host's, or its club's, with the club): what
    the episode page shows."""
    async with ctx.transaction() as uow:
        found = await _may_listen(uow, await uow.episodes.get(episode_id), viewer)
        host = await uow.users.get(found.user_id)
        if host is None:
            raise NotFound("No such episode.", code="episode_not_found")
        club = await uow.clubs.get(found.club_id) if found.club_id is not None else None
        if club is not None:
            return found, host, club_show(club), club
        return found, host, await uow.shows.get(host.id) or rules.default_show(host), None


def club_show(club: Club) -> Show:
    """A club's show is the club: its name, description, topic and avatar."""
    return Show(
        user_id=club.created_by,
        title=club.name,
        description=club.description or f"Live conversations of {club.name}, on Roomcast.",
        category=club_rules.SHOW_CATEGORY[club.topic],
        language=club.language,
        explicit=False,
        artwork=club.avatar,
        updated_at=club.updated_at,
    )


async def episodes_of_club(ctx: Context, club: Club, viewer: User | None) -> list[Episode]:
    """A club's show: public episodes; members-only ones for members; a host's own at
    every stage."""
    async with ctx.transaction() as uow:
        member = await is_member(uow, club.id, viewer)
        return await uow.episodes.by_club(
            club.id, members=member, host=viewer.id if viewer else None
        )


async def club_feed_episodes(ctx: Context, club: Club, members: bool) -> list[Episode]:
    """Published episodes for the club's feed: the public one, or a member's private one."""
    async with ctx.transaction() as uow:
        return await uow.episodes.by_club(club.id, members=members)


async def episodes_of(ctx: Context, user: User, viewer: User | None) -> list[Episode]:
    """A show's episodes; its host also sees those still processing, hidden or failed."""
    mine = viewer is not None and viewer.id == user.id
    async with ctx.transaction() as uow:
        return await uow.episodes.by_user(user.id, public_only=not mine)


async def live_rooms_of(ctx: Context, user: User | None, club: Club | None = None) -> list[Room]:
    """For the feed's podcast:liveItem entries: the host's (or the club's) open rooms, live
    or recently ended (apps show "ended" instead of a dead link). A club's rooms are in its
    feed, not their host's."""
    async with ctx.transaction() as uow:
        if club is not None:
            rooms = await uow.rooms.by_club(club.id, limit=10)
        else:
            assert user is not None
            rooms = [r for r in await uow.rooms.by_host(user.id, limit=10) if r.club_id is None]
    recent = ctx.clock() - timedelta(days=1)
    return [
        r
        for r in rooms
        if r.visibility is Visibility.OPEN and (r.is_live or (r.ended_at and r.ended_at > recent))
    ]


async def people(ctx: Context, ids: Iterable[UserId]) -> dict[UserId, PublicUser]:
    async with ctx.transaction() as uow:
        return await uow.users.public(ids)


async def _own(uow: UnitOfWork, me: User, episode_id: str) -> Episode:
    found = await _may_listen(uow, await uow.episodes.get(episode_id, for_update=True), me)
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
        await search.episode(uow, changed)
        return changed


async def publish(ctx: Context, me: User, episode_id: str, published: bool) -> Episode:
    async with ctx.transaction() as uow:
        found = await _own(uow, me, episode_id)
        changed = rules.publish(found, published, ctx.clock())
        await uow.episodes.save(changed)
        await search.episode(uow, changed)
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
        await search.forget(uow, SearchKind.EPISODE, found.id)
    for folder in (episode_folder(ctx, found.id), recording_folder(ctx, found.room_id)):
        await asyncio.to_thread(shutil.rmtree, folder, True)
    logger.info("episode %s deleted by its host", found.id)
