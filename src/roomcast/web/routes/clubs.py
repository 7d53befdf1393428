"""Clubs: the JSON API (the club, joining, members, roles, bans, follows, invite links,
members' private feeds) and the club's files (avatar, cover, public and private feeds)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from roomcast.actions import clubs, events
from roomcast.actions import episodes as episode_actions
from roomcast.actions.clubs import ClubDraft, ImageKind
from roomcast.domain.clubs import Club, ClubRole
from roomcast.domain.model import PublicUser, Topic
from roomcast.errors import BadRequest, NotFound
from roomcast.web import feed, urls
from roomcast.web.deps import Ctx, SignedIn, Viewer
from roomcast.web.routes.podcasts import (
    IMAGE_TYPES,
    UnsupportedMedia,
    _serve,
    feed_response,
)
from roomcast.web.schemas import (
    AnswerRequestIn,
    ClubEditIn,
    ClubIn,
    ClubOut,
    ClubRoleIn,
    ClubsOut,
    EpisodeOut,
    FollowClubIn,
    JoinIn,
    LinkOut,
    MemberOut,
    MembersOut,
    ShowPageOut,
    WaitingListOut,
    WaitingOut,
    club_show_out,
)

router = APIRouter(prefix="/api", tags=["clubs"])
files = APIRouter(include_in_schema=False)

HandlePath = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$")]
UsernamePath = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$")]
KeyPath = Annotated[str, Path(min_length=3, max_length=48, pattern=r"^[0-9]+\.[A-Za-z0-9_-]+$")]
EpisodePath = Annotated[str, Path(min_length=1, max_length=24, pattern=r"^[A-Za-z0-9_-]+$")]
PAGE = 100


def _draft(body: ClubEditIn) -> ClubDraft:
    return ClubDraft(
        body.name, body.description, body.topic, body.language, body.join, body.hosting
    )


def _out(view: clubs.ClubView, ctx: Ctx) -> ClubOut:
    return ClubOut.of(view, ctx.settings.base_url)


@router.post("/clubs", response_model=ClubOut, status_code=201, summary="Create a club")
async def create(body: ClubIn, user: SignedIn, ctx: Ctx) -> ClubOut:
    return _out(await clubs.create(ctx, user, body.handle, _draft(body)), ctx)


@router.get("/clubs", response_model=ClubsOut, summary="Clubs, the biggest first")
async def listed(viewer: Viewer, ctx: Ctx, topic: Topic | None = None) -> ClubsOut:
    found = await clubs.listed(ctx, topic)
    return ClubsOut(clubs=[_out(clubs.ClubView(c), ctx) for c in found])


@router.get("/me/clubs", response_model=ClubsOut, summary="The clubs you are in")
async def mine(user: SignedIn, ctx: Ctx) -> ClubsOut:
    found = await clubs.mine(ctx, user)
    return ClubsOut(clubs=[_out(clubs.ClubView(c, role=r), ctx) for c, r in found])


@router.get("/clubs/{handle}", response_model=ClubOut, summary="A club, as you see it")
async def get(handle: HandlePath, viewer: Viewer, ctx: Ctx) -> ClubOut:
    return _out(await clubs.view(ctx, handle, viewer), ctx)


@router.put("/clubs/{handle}", response_model=ClubOut, summary="Edit a club (admins)")
async def edit(handle: HandlePath, body: ClubEditIn, user: SignedIn, ctx: Ctx) -> ClubOut:
    return _out(await clubs.edit(ctx, user, handle, _draft(body)), ctx)


@router.delete(
    "/clubs/{handle}",
    status_code=204,
    summary="Delete a club (admins): its live rooms end, its events are cancelled",
)
async def delete(handle: HandlePath, user: SignedIn, ctx: Ctx) -> Response:
    await clubs.delete(ctx, user, handle)
    return Response(status_code=204)


@router.put(
    "/clubs/{handle}/images/{which}",
    response_model=ClubOut,
    summary="Upload the club's avatar (square) or cover (3:1): the image itself as the body",
)
async def upload_image(
    handle: HandlePath,
    which: Literal["avatar", "cover"],
    request: Request,
    user: SignedIn,
    ctx: Ctx,
) -> ClubOut:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in IMAGE_TYPES:
        raise UnsupportedMedia("Send the image as image/jpeg, image/png or image/webp.")
    data = await request.body()
    if not data:
        raise BadRequest("The upload is empty.", code="bad_image")
    return _out(await clubs.set_image(ctx, user, handle, which, data), ctx)


@router.delete("/clubs/{handle}/images/{which}", response_model=ClubOut, summary="Remove an image")
async def remove_image(
    handle: HandlePath, which: Literal["avatar", "cover"], user: SignedIn, ctx: Ctx
) -> ClubOut:
    return _out(await clubs.remove_image(ctx, user, handle, which), ctx)


# ---- joining ----


@router.post(
    "/clubs/{handle}/join",
    response_model=ClubOut,
    summary="Join (open clubs, or with an invite link), or ask to join",
)
async def join(handle: HandlePath, body: JoinIn, user: SignedIn, ctx: Ctx) -> ClubOut:
    return _out(await clubs.join(ctx, user, handle, body.invite), ctx)


@router.delete("/clubs/{handle}/join", response_model=ClubOut, summary="Withdraw your request")
async def withdraw(handle: HandlePath, user: SignedIn, ctx: Ctx) -> ClubOut:
    return _out(await clubs.cancel_request(ctx, user, handle), ctx)


@router.post(
    "/clubs/{handle}/leave",
    response_model=ClubOut,
    summary="Leave the club (your private feed of it stops working)",
)
async def leave(handle: HandlePath, user: SignedIn, ctx: Ctx) -> ClubOut:
    return _out(await clubs.leave(ctx, user, handle), ctx)


@router.put("/clubs/{handle}/follow", response_model=ClubOut, summary="Follow or unfollow")
async def follow(handle: HandlePath, body: FollowClubIn, user: SignedIn, ctx: Ctx) -> ClubOut:
    return _out(await clubs.follow(ctx, user, handle, body.following), ctx)


@router.get(
    "/clubs/{handle}/invite",
    response_model=LinkOut,
    summary="The invite link: joins without approval (admins and moderators)",
)
async def invite(handle: HandlePath, user: SignedIn, ctx: Ctx) -> LinkOut:
    return LinkOut(url=await clubs.invite(ctx, user, handle))


@router.post(
    "/clubs/{handle}/invite/renew",
    response_model=LinkOut,
    summary="A new invite link; the old one stops working",
)
async def renew_invite(handle: HandlePath, user: SignedIn, ctx: Ctx) -> LinkOut:
    return LinkOut(url=await clubs.invite(ctx, user, handle, renew=True))


@router.get(
    "/clubs/{handle}/private-feed",
    response_model=LinkOut,
    summary="Your own feed of the club's show, members-only episodes included (members)",
)
async def private_feed(handle: HandlePath, user: SignedIn, ctx: Ctx) -> LinkOut:
    return LinkOut(url=await clubs.private_feed(ctx, user, handle))


@router.post(
    "/clubs/{handle}/private-feed/renew",
    response_model=LinkOut,
    summary="A new private feed address; the old one stops working",
)
async def renew_private_feed(handle: HandlePath, user: SignedIn, ctx: Ctx) -> LinkOut:
    return LinkOut(url=await clubs.private_feed(ctx, user, handle, renew=True))


# ---- members ----


def _people_at(found: list[tuple[PublicUser, datetime]]) -> WaitingListOut:
    """People with a time: who asked when, who was banned when."""
    return WaitingListOut(
        people=[
            WaitingOut(username=p.username, display_name=p.display_name, at=at) for p, at in found
        ]
    )


def _after(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    rank, _, user = value.partition("-")
    if not (rank.isdigit() and user.isdigit()) or len(value) > 16:
        raise BadRequest("Pass the next value of the page before.", code="bad_after")
    return int(rank), int(user)


@router.get("/clubs/{handle}/members", response_model=MembersOut, summary="Members, by role")
async def members(
    handle: HandlePath,
    ctx: Ctx,
    after: Annotated[str | None, Query(max_length=16)] = None,
) -> MembersOut:
    found = await clubs.members(ctx, handle, _after(after), PAGE)
    rank = {ClubRole.ADMIN: 0, ClubRole.MODERATOR: 1, ClubRole.MEMBER: 2}
    last = found[-1] if len(found) >= PAGE else None
    return MembersOut(
        members=[
            MemberOut(username=p.username, display_name=p.display_name, role=r) for p, r in found
        ],
        next=f"{rank[last[1]]}-{last[0].id}" if last else None,
    )


@router.get(
    "/clubs/{handle}/requests",
    response_model=WaitingListOut,
    summary="Join requests waiting (admins and moderators)",
)
async def requests(handle: HandlePath, user: SignedIn, ctx: Ctx) -> WaitingListOut:
    return _people_at(await clubs.requests(ctx, user, handle))


@router.put(
    "/clubs/{handle}/requests/{username}",
    status_code=204,
    summary="Approve or deny a join request (admins and moderators)",
)
async def answer(
    handle: HandlePath, username: UsernamePath, body: AnswerRequestIn, user: SignedIn, ctx: Ctx
) -> Response:
    await clubs.answer(ctx, user, handle, username, body.approve)
    return Response(status_code=204)


@router.put(
    "/clubs/{handle}/members/{username}/role",
    status_code=204,
    summary="Make a member admin, moderator or member (admins)",
)
async def set_role(
    handle: HandlePath, username: UsernamePath, body: ClubRoleIn, user: SignedIn, ctx: Ctx
) -> Response:
    await clubs.set_role(ctx, user, handle, username, body.role)
    return Response(status_code=204)


@router.delete(
    "/clubs/{handle}/members/{username}",
    status_code=204,
    summary="Remove a member (admins; moderators remove members)",
)
async def remove(handle: HandlePath, username: UsernamePath, user: SignedIn, ctx: Ctx) -> Response:
    await clubs.remove(ctx, user, handle, username)
    return Response(status_code=204)


@router.get("/clubs/{handle}/bans", response_model=WaitingListOut, summary="Who is banned")
async def bans(handle: HandlePath, user: SignedIn, ctx: Ctx) -> WaitingListOut:
    return _people_at(await clubs.bans(ctx, user, handle))


@router.put(
    "/clubs/{handle}/bans/{username}",
    status_code=204,
    summary="Ban someone from the club, its rooms and its private feed",
)
async def ban(handle: HandlePath, username: UsernamePath, user: SignedIn, ctx: Ctx) -> Response:
    await clubs.ban(ctx, user, handle, username)
    return Response(status_code=204)


@router.delete("/clubs/{handle}/bans/{username}", status_code=204, summary="Lift a ban")
async def unban(handle: HandlePath, username: UsernamePath, user: SignedIn, ctx: Ctx) -> Response:
    await clubs.unban(ctx, user, handle, username)
    return Response(status_code=204)


@router.get(
    "/clubs/{handle}/show",
    response_model=ShowPageOut,
    summary="The club's show: its episodes (members-only ones for members)",
)
async def show(handle: HandlePath, viewer: Viewer, ctx: Ctx) -> ShowPageOut:
    club = (await clubs.view(ctx, handle, viewer)).club
    base = ctx.settings.base_url
    eps = await episode_actions.episodes_of_club(ctx, club, viewer)
    return ShowPageOut(
        show=club_show_out(club, episode_actions.club_show(club), base),
        episodes=[EpisodeOut.of(e, base) for e in eps],
    )


# ---- files ----


@files.api_route("/c/{handle}/{which}.jpg", methods=["GET", "HEAD"])
async def image(handle: HandlePath, which: str, request: Request, ctx: Ctx) -> Response:
    if which not in ("avatar", "cover"):
        raise NotFound("No such file.", code="file_not_found")
    kind: ImageKind = "avatar" if which == "avatar" else "cover"
    path = await clubs.image_file(ctx, handle, kind)
    if path is None:
        raise NotFound("This club has no cover.", code="file_not_found")
    return _serve(request, path, "image/jpeg", "public, max-age=3600")


async def club_feed_response(request: Request, ctx: Ctx, club: Club, key: str | None) -> Response:
    base = ctx.settings.base_url
    eps = await episode_actions.club_feed_episodes(ctx, club, members=key is not None)
    live = await episode_actions.live_rooms_of(ctx, None, club)
    people = {e.user_id for e in eps} | {u for e in eps for u in e.speakers}
    data = feed.FeedData(
        base_url=base,
        show=episode_actions.club_show(club),
        author=club.name,
        page_url=urls.club(base, club.handle),
        feed_url=urls.private_feed(base, key) if key else urls.club_feed(base, club.handle),
        artwork_url=urls.club_image(base, club, "avatar") or "",
        episodes=eps,
        live=live,
        people=await episode_actions.people(ctx, people),
        scheduled=await events.for_feed(ctx, None, club.id),
        events_of_rooms=await events.events_of_rooms(ctx, [r.id for r in live]),
        public_feed_url=urls.club_feed(base, club.handle),
        files_base=urls.private_files(base, key) if key else "",
        private=key is not None,
    )
    return feed_response(request, data)


@files.api_route("/c/{handle}/feed.xml", methods=["GET", "HEAD"])
async def club_feed(handle: HandlePath, request: Request, ctx: Ctx) -> Response:
    """The club's public feed: its published episodes, members-only ones left out."""
    club = (await clubs.view(ctx, handle, None)).club
    return await club_feed_response(request, ctx, club, None)
