"""Rooms: start, look at, end. Presence goes over the room's WebSocket (web/live.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from roomcast.actions import rooms, safety
from roomcast.domain.rooms import RoomDraft
from roomcast.domain.updates import HallwaySnapshot, RoomSnapshot, RoomView, visible_to
from roomcast.web import urls
from roomcast.web.deps import Ctx, GuestToken, SignedIn, Viewer, client_ip
from roomcast.web.schemas import RoomCreated, RoomIn

router = APIRouter(prefix="/api/rooms", tags=["rooms"])

RoomIdPath = Annotated[str, Path(min_length=1, max_length=24, pattern=r"^[A-Za-z0-9_-]+$")]


@router.post(
    "",
    response_model=RoomCreated,
    status_code=201,
    summary="Start a room now; the caller is its host",
)
async def create_room(body: RoomIn, request: Request, user: SignedIn, ctx: Ctx) -> RoomCreated:
    draft = RoomDraft(
        body.title,
        body.description,
        body.topic,
        body.language,
        body.visibility,
        body.record,
        music=body.music,
    )
    terms = body.tickets.terms(live=True) if body.tickets else None
    snap = await rooms.create(ctx, user, draft, client_ip(request), club=body.club, terms=terms)
    return RoomCreated(room=snap.room, url=urls.room(ctx.settings.base_url, snap.room.id))


@router.get(
    "",
    response_model=HallwaySnapshot,
    summary="Live rooms listed in the hallway, ranked for you: rooms with people you follow "
    "on stage, then your clubs', then your topics', then the rest; by size and recency",
)
async def list_rooms(
    viewer: Viewer, ctx: Ctx, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> HallwaySnapshot:
    ranked, _ = await rooms.ranked_hallway(ctx, viewer)
    return HallwaySnapshot(ranked[:limit])


@router.get(
    "/trending",
    response_model=HallwaySnapshot,
    summary="Live rooms the most people came to in the last hour",
)
async def trending(viewer: Viewer, ctx: Ctx) -> HallwaySnapshot:
    return HallwaySnapshot(tuple(await rooms.trending(ctx, viewer)))


@router.get(
    "/{room_id}",
    response_model=RoomSnapshot,
    summary="A room and who is in it (the same snapshot its WebSocket starts with)",
)
async def get_room(
    room_id: RoomIdPath, viewer: Viewer, guest: GuestToken, ctx: Ctx
) -> RoomSnapshot:
    snap = await rooms.snapshot(ctx, room_id, viewer, guest)
    return visible_to(snap, await safety.hidden_from(ctx, viewer))


@router.post("/{room_id}/end", response_model=RoomView, summary="End a live room (host only)")
async def end_room(room_id: RoomIdPath, user: SignedIn, ctx: Ctx) -> RoomView:
    return (await rooms.end(ctx, user, room_id)).room
