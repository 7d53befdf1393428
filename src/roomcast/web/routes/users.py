"""Public profiles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from roomcast.actions import accounts
from roomcast.web.deps import Ctx
from roomcast.web.schemas import UserOut

router = APIRouter(prefix="/api/users", tags=["users"])

UsernamePath = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$")]


@router.get("/{username}", response_model=UserOut, summary="A user's public profile")
async def get_user(username: UsernamePath, ctx: Ctx) -> UserOut:
    return UserOut.of(await accounts.profile(ctx, username))
