"""Blocks, reports, and the admins' review queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from roomcast.actions import safety
from roomcast.domain.model import Ban, PublicUser, Report
from roomcast.web.deps import Ctx, SignedIn
from roomcast.web.routes.users import UsernamePath
from roomcast.web.schemas import Ok, ReportCreated, ReportIn, ResolveIn, SuspendIn

router = APIRouter(prefix="/api", tags=["safety"])


@router.post(
    "/users/{username}/block",
    response_model=Ok,
    summary="Block someone: out of rooms you host, at once; no chat or questions either way",
)
async def block(username: UsernamePath, user: SignedIn, ctx: Ctx) -> Ok:
    await safety.block(ctx, user, username, True)
    return Ok()


@router.delete("/users/{username}/block", response_model=Ok, summary="Unblock someone")
async def unblock(username: UsernamePath, user: SignedIn, ctx: Ctx) -> Ok:
    await safety.block(ctx, user, username, False)
    return Ok()


@router.get("/me/blocks", response_model=list[PublicUser], summary="People you blocked")
async def my_blocks(user: SignedIn, ctx: Ctx) -> list[PublicUser]:
    return await safety.blocks(ctx, user)


@router.get(
    "/me/bans",
    response_model=list[Ban],
    summary="People and guests banned from your rooms (by you or your moderators)",
)
async def my_bans(user: SignedIn, ctx: Ctx) -> list[Ban]:
    return await safety.bans(ctx, user)


@router.delete("/me/bans/{ban_id}", response_model=Ok, summary="Lift a ban from your rooms")
async def lift_ban(ban_id: Annotated[int, Path(ge=1, le=2**62)], user: SignedIn, ctx: Ctx) -> Ok:
    await safety.lift_ban(ctx, user, ban_id)
    return Ok()


@router.post(
    "/reports",
    response_model=ReportCreated,
    status_code=201,
    summary="Report a user or a room to the admins, with a reason",
)
async def report(body: ReportIn, user: SignedIn, ctx: Ctx) -> ReportCreated:
    return ReportCreated(
        id=await safety.report(ctx, user, body.reason, body.username, body.room_id)
    )


@router.get("/admin/reports", response_model=list[Report], summary="Open reports (admins)")
async def reports(user: SignedIn, ctx: Ctx, all: bool = False) -> list[Report]:
    return await safety.queue(ctx, user, include_resolved=all)


@router.post(
    "/admin/reports/{report_id}/resolve",
    response_model=Ok,
    summary="Dismiss a report, or suspend the reported user (admins)",
)
async def resolve(
    report_id: Annotated[int, Path(ge=1, le=2**62)], body: ResolveIn, user: SignedIn, ctx: Ctx
) -> Ok:
    await safety.resolve(ctx, user, report_id, body.action)
    return Ok()


@router.post(
    "/admin/users/{username}/suspend",
    response_model=Ok,
    summary="Suspend (ends every session) or reinstate an account (admins)",
)
async def suspend(username: UsernamePath, body: SuspendIn, user: SignedIn, ctx: Ctx) -> Ok:
    await safety.suspend(ctx, user, username, body.suspended)
    return Ok()
