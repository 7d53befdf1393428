"""Public profiles and follows."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from roomcast.actions import accounts, follows
from roomcast.domain.model import PublicUser
from roomcast.web.deps import Ctx, SignedIn, Viewer
from roomcast.web.schemas import FollowOut, PeopleOut, PersonOut, UserOut

router = APIRouter(prefix="/api/users", tags=["users"])

UsernamePath = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$")]


@router.get("/{username}", response_model=UserOut, summary="A user's public profile")
async def get_user(username: UsernamePath, ctx: Ctx) -> UserOut:
    return UserOut.of(await accounts.profile(ctx, username))


def _follow_out(s: follows.Standing) -> FollowOut:
    return FollowOut(
        followers=s.followers,
        following=s.following,
        you_follow=s.you_follow,
        follows_you=s.follows_you,
    )


@router.get("/{username}/follows", response_model=FollowOut, summary="Follower numbers")
async def follow_standing(username: UsernamePath, viewer: Viewer, ctx: Ctx) -> FollowOut:
    person = await accounts.profile(ctx, username)
    return _follow_out(await follows.standing(ctx, person, viewer))


@router.put("/{username}/follow", response_model=FollowOut, summary="Follow someone")
async def follow(username: UsernamePath, user: SignedIn, ctx: Ctx) -> FollowOut:
    return _follow_out(await follows.follow(ctx, user, username))


@router.delete("/{username}/follow", response_model=FollowOut, summary="Stop following")
async def unfollow(username: UsernamePath, user: SignedIn, ctx: Ctx) -> FollowOut:
    return _follow_out(await follows.unfollow(ctx, user, username))


After = Annotated[int, Query(ge=0, le=2**31)]
PAGE = 100


def _page(people: list[PublicUser]) -> PeopleOut:
    return PeopleOut(
        people=[PersonOut.of(p) for p in people],
        next_after=int(people[-1].id) if len(people) >= PAGE else None,
    )


@router.get("/{username}/followers", response_model=PeopleOut, summary="Who follows them")
async def followers(username: UsernamePath, ctx: Ctx, after: After = 0) -> PeopleOut:
    return _page(await follows.followers(ctx, username, after))


@router.get("/{username}/following", response_model=PeopleOut, summary="Whom they follow")
async def following(username: UsernamePath, ctx: Ctx, after: After = 0) -> PeopleOut:
    return _page(await follows.following(ctx, username, after))
