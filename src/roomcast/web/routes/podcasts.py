"""Shows and episodes: the JSON API, and the files podcast apps fetch (feed, audio,
chapters, transcripts, artwork) with ETag/Last-Modified, HEAD and byte ranges."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, Response

from roomcast.actions import episodes as actions
from roomcast.actions import events
from roomcast.actions.context import Context
from roomcast.actions.paths import episode_folder
from roomcast.domain.podcasts import Episode
from roomcast.errors import BadRequest, NotFound, RoomcastError
from roomcast.web import feed, urls
from roomcast.web.deps import Ctx, SignedIn, Viewer
from roomcast.web.schemas import (
    EpisodeEditIn,
    EpisodeOut,
    PublishIn,
    ShowIn,
    ShowOut,
    ShowPageOut,
)

router = APIRouter(tags=["podcasts"])
files = APIRouter(include_in_schema=False)

UsernamePath = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$")]
EpisodePath = Annotated[str, Path(min_length=1, max_length=24, pattern=r"^[A-Za-z0-9_-]+$")]
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}
FEED_CACHE = "public, max-age=300"  # apps poll feeds; a CDN may hold them five minutes


class UnsupportedMedia(RoomcastError):
    http_status = 415
    code = "unsupported_media_type"


# ---- JSON API ----


@router.get("/api/shows/{username}", response_model=ShowPageOut, summary="A creator's show")
async def show(username: UsernamePath, viewer: Viewer, ctx: Ctx) -> ShowPageOut:
    user, found = await actions.show_of(ctx, username)
    eps = await actions.episodes_of(ctx, user, viewer)
    base = ctx.settings.base_url
    return ShowPageOut(
        show=ShowOut.of(found, user.username, base), episodes=[EpisodeOut.of(e, base) for e in eps]
    )


@router.put("/api/me/show", response_model=ShowOut, summary="Edit your show")
async def edit_show(body: ShowIn, user: SignedIn, ctx: Ctx) -> ShowOut:
    draft = actions.ShowDraft(
        body.title, body.description, body.category, body.language, body.explicit
    )
    saved = await actions.update_show(ctx, user, draft)
    return ShowOut.of(saved, user.username, ctx.settings.base_url)


@router.put(
    "/api/me/show/artwork",
    response_model=ShowOut,
    summary="Upload your show's artwork (the image itself as the body: JPEG, PNG or WebP)",
)
async def upload_artwork(request: Request, user: SignedIn, ctx: Ctx) -> ShowOut:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in IMAGE_TYPES:
        raise UnsupportedMedia("Send the image as image/jpeg, image/png or image/webp.")
    data = await request.body()
    if not data:
        raise BadRequest("The upload is empty.", code="bad_image")
    saved = await actions.set_artwork(ctx, user, data)
    return ShowOut.of(saved, user.username, ctx.settings.base_url)


@router.delete("/api/me/show/artwork", response_model=ShowOut, summary="Back to generated artwork")
async def remove_artwork(user: SignedIn, ctx: Ctx) -> ShowOut:
    saved = await actions.remove_artwork(ctx, user)
    return ShowOut.of(saved, user.username, ctx.settings.base_url)


@router.get(
    "/api/rooms/{room_id}/episode",
    response_model=EpisodeOut,
    summary="The episode a recorded room became (404 until it exists and may be seen)",
)
async def room_episode(
    room_id: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
    viewer: Viewer,
    ctx: Ctx,
) -> EpisodeOut:
    return EpisodeOut.of(await actions.episode_of_room(ctx, room_id, viewer), ctx.settings.base_url)


@router.get("/api/episodes/{episode_id}", response_model=EpisodeOut, summary="An episode")
async def episode(episode_id: EpisodePath, viewer: Viewer, ctx: Ctx) -> EpisodeOut:
    return EpisodeOut.of(await actions.episode(ctx, episode_id, viewer), ctx.settings.base_url)


@router.patch("/api/episodes/{episode_id}", response_model=EpisodeOut, summary="Edit (host)")
async def edit_episode(
    episode_id: EpisodePath, body: EpisodeEditIn, user: SignedIn, ctx: Ctx
) -> EpisodeOut:
    changed = await actions.edit(ctx, user, episode_id, body.title, body.notes)
    return EpisodeOut.of(changed, ctx.settings.base_url)


@router.put(
    "/api/episodes/{episode_id}/published",
    response_model=EpisodeOut,
    summary="Publish or unpublish (host)",
)
async def publish(episode_id: EpisodePath, body: PublishIn, user: SignedIn, ctx: Ctx) -> EpisodeOut:
    changed = await actions.publish(ctx, user, episode_id, body.published)
    return EpisodeOut.of(changed, ctx.settings.base_url)


@router.post(
    "/api/episodes/{episode_id}/retry",
    response_model=EpisodeOut,
    summary="Make a failed episode again from its kept recording (host)",
)
async def retry(episode_id: EpisodePath, user: SignedIn, ctx: Ctx) -> EpisodeOut:
    return EpisodeOut.of(await actions.retry(ctx, user, episode_id), ctx.settings.base_url)


@router.delete(
    "/api/episodes/{episode_id}", status_code=204, summary="Delete for good, files included (host)"
)
async def delete(episode_id: EpisodePath, user: SignedIn, ctx: Ctx) -> Response:
    await actions.delete(ctx, user, episode_id)
    return Response(status_code=204)


# ---- files for podcast apps and players ----


def _fresh(request: Request, etag: str, modified: datetime | None) -> bool:
    """RFC 9110 conditional GET: If-None-Match wins over If-Modified-Since."""
    match = request.headers.get("if-none-match")
    if match is not None:
        return etag in {m.strip() for m in match.split(",")} or match.strip() == "*"
    since = request.headers.get("if-modified-since")
    if since and modified is not None:
        try:
            return modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def _serve(request: Request, path: FilePath, media_type: str, cache: str) -> Response:
    try:
        stat = path.stat()
    except OSError:
        raise NotFound("No such file.", code="file_not_found") from None
    etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
    modified = datetime.fromtimestamp(stat.st_mtime).astimezone()
    headers = {"etag": etag, "cache-control": cache}
    if _fresh(request, etag, modified):
        return Response(status_code=304, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers)


@files.api_route("/shows/{username}/feed.xml", methods=["GET", "HEAD"])
async def feed_xml(username: UsernamePath, request: Request, ctx: Ctx) -> Response:
    user, found = await actions.show_of(ctx, username)
    eps = await actions.episodes_of(ctx, user, None)
    live = await actions.live_rooms_of(ctx, user)
    base = ctx.settings.base_url
    data = feed.FeedData(
        base_url=base,
        show=found,
        author=user.display_name,
        page_url=urls.show(base, user.username),
        feed_url=urls.feed(base, user.username),
        artwork_url=urls.artwork(base, user.username, found),
        episodes=eps,
        live=live,
        people=await actions.people(ctx, {user.id, *(u for e in eps for u in e.speakers)}),
        scheduled=await events.for_feed(ctx, user.id),
        events_of_rooms=await events.events_of_rooms(ctx, [r.id for r in live]),
    )
    return feed_response(request, data)


def feed_response(request: Request, data: feed.FeedData) -> Response:
    """The feed with its validators (ETag, Last-Modified), answering conditional GETs and
    HEAD. A private feed is one person's: no shared cache may keep it."""
    body = feed.render(data)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    modified = feed.last_modified(data)
    cache = "private, max-age=300" if data.private else FEED_CACHE
    headers = {"etag": etag, "cache-control": cache}
    if modified is not None:
        headers["last-modified"] = format_datetime(modified, usegmt=True)
    if _fresh(request, etag, modified):
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        headers["content-length"] = str(len(body))
        return Response(status_code=200, headers=headers, media_type="application/rss+xml")
    return Response(body, headers=headers, media_type="application/rss+xml; charset=utf-8")


@files.api_route("/shows/{username}/artwork.jpg", methods=["GET", "HEAD"])
async def artwork(username: UsernamePath, request: Request, ctx: Ctx) -> Response:
    user, found = await actions.show_of(ctx, username)
    path = await actions.artwork_file(ctx, user, found)
    return _serve(request, path, "image/jpeg", "public, max-age=3600")


@files.api_route("/episodes/{episode_id}/{name}", methods=["GET", "HEAD"])
async def episode_file(
    episode_id: EpisodePath,
    name: Annotated[str, Path(max_length=20)],
    request: Request,
    viewer: Viewer,
    ctx: Ctx,
) -> Response:
    media_type = urls.EPISODE_FILES.get(name)
    if media_type is None:
        raise NotFound("No such file.", code="file_not_found")
    found = await actions.episode(ctx, episode_id, viewer)  # unpublished: its host only
    return serve_episode_file(request, ctx, found, name, media_type)


def serve_episode_file(
    request: Request, ctx: Context, found: Episode, name: str, media_type: str
) -> Response:
    """One of an episode its viewer may hear. Public ones may be cached by anyone; the
    rest (unpublished, members-only) by nobody but the listener's own browser."""
    if urls.episode_file(ctx.settings.base_url, found, name) is None:
        raise NotFound("Not there yet.", code="file_not_found")
    shared = found.is_public and not found.members_only
    cache = "public, max-age=86400" if shared else "private, no-store"
    return _serve(request, episode_folder(ctx, found.id) / name, media_type, cache)
