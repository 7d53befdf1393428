"""The stage and audio: WebRTC signalling, who is on stage, self-mute."""

from __future__ import annotations

from fastapi import APIRouter

from roomcast.actions import media, stage
from roomcast.domain.model import Participant
from roomcast.media import SessionDescription
from roomcast.web.deps import Ctx, GuestToken, SignedIn, Viewer
from roomcast.web.routes.rooms import RoomIdPath
from roomcast.web.schemas import AnswerOut, MuteIn, OfferIn, StageIn

router = APIRouter(prefix="/api/rooms/{room_id}", tags=["stage"])


@router.post(
    "/media",
    response_model=AnswerOut,
    summary="Connect audio: send a complete WebRTC offer (ICE gathered), get the answer",
    description="Open the room's live socket first. One connection per person: a new offer "
    "replaces the old connection. Offer a send-capable (sendrecv) audio transceiver, so that "
    "going on stage needs no new connection. 409 room_full when the room is at capacity.",
)
async def connect_media(
    room_id: RoomIdPath, body: OfferIn, viewer: Viewer, guest: GuestToken, ctx: Ctx
) -> AnswerOut:
    answer = await media.connect(
        ctx, room_id, viewer, guest, SessionDescription(body.sdp, body.type)
    )
    return AnswerOut(sdp=answer.sdp, type=answer.type, ice_servers=ctx.settings.ice_servers)


@router.post(
    "/stage",
    response_model=Participant,
    summary="Bring someone on stage or move them back (host); step down (speaker)",
)
async def move(room_id: RoomIdPath, body: StageIn, user: SignedIn, ctx: Ctx) -> Participant:
    return await stage.set_on_stage(ctx, user, room_id, body.key, body.on_stage)


@router.post("/mute", response_model=Participant, summary="Mute or unmute oneself (on stage)")
async def mute(
    room_id: RoomIdPath, body: MuteIn, viewer: Viewer, guest: GuestToken, ctx: Ctx
) -> Participant:
    return await stage.set_muted(ctx, viewer, guest, room_id, body.muted)
