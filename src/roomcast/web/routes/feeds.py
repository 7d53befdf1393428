"""Private feeds: one person's podcast feed URL (a club member's, a ticket buyer's), its
episodes' files under the same key, for podcast apps that carry no cookies
(actions/feeds.py says what makes a key valid)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from roomcast.actions import episodes as episode_actions
from roomcast.actions import feeds, tickets
from roomcast.domain.tickets import Sale
from roomcast.errors import NotFound
from roomcast.web import feed, urls
from roomcast.web.deps import Ctx
from roomcast.web.routes.clubs import EpisodePath, KeyPath, club_feed_response
from roomcast.web.routes.podcasts import feed_response, serve_episode_file

files = APIRouter(include_in_schema=False)


async def _replay_feed(request: Request, ctx: Ctx, sale: Sale, key: str) -> Response:
    """A buyer's feed: the ticketed room's replay alone, once published."""
    base = ctx.settings.base_url
    replay = await tickets.replay_of(ctx, sale)
    host_id, club_id = (replay.user_id, replay.club_id) if replay else (sale.host_id, None)
    show, host, club = await episode_actions.show_for(ctx, host_id, club_id)
    title = replay.title if replay is not None else show.title
    page = urls.club(base, club.handle) if club else urls.show(base, host.username)
    public = urls.club_feed(base, club.handle) if club else urls.feed(base, host.username)
    eps = [replay] if replay is not None else []
    data = feed.FeedData(
        base_url=base,
        show=replace(show, title=f"{title} · {show.title}"[:120]),
        author=club.name if club else host.display_name,
        page_url=page,
        feed_url=urls.private_feed(base, key),
        artwork_url=(urls.club_image(base, club, "avatar") if club else None)
        or urls.artwork(base, host.username, show),
        episodes=eps,
        live=[],
        people=await episode_actions.people(ctx, {host.id, *(u for e in eps for u in e.speakers)}),
        scheduled=[],
        events_of_rooms={},
        public_feed_url=public,
        files_base=urls.private_files(base, key),
        private=True,
    )
    return feed_response(request, data)


@files.api_route("/feeds/{key}/feed.xml", methods=["GET", "HEAD"])
async def private_feed(key: KeyPath, request: Request, ctx: Ctx) -> Response:
    """A member's own feed of the club's show (members-only episodes too), or a buyer's
    own feed of a ticketed room's replay; their files under the same key."""
    holder = await feeds.holder(ctx, key)
    if holder.club is not None:
        return await club_feed_response(request, ctx, holder.club, key)
    assert holder.sale is not None
    return await _replay_feed(request, ctx, holder.sale, key)


@files.api_route("/feeds/{key}/episodes/{episode_id}/{name}", methods=["GET", "HEAD"])
async def private_file(
    key: KeyPath,
    episode_id: EpisodePath,
    name: Annotated[str, Path(max_length=20)],
    request: Request,
    ctx: Ctx,
) -> Response:
    media_type = urls.EPISODE_FILES.get(name)
    if media_type is None:
        raise NotFound("No such file.", code="file_not_found")
    holder = await feeds.holder(ctx, key)
    if holder.club is not None:
        found = await episode_actions.episode_of_club(ctx, episode_id, holder.club.id)
    else:
        assert holder.sale is not None
        found = await episode_actions.episode_of_sale(ctx, episode_id, holder.sale.id)
    return serve_episode_file(request, ctx, found, name, media_type)
