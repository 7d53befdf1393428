"""The stage and audio: WebRTC signalling, hands, invitations, moves, mutes, roles, removal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from roomcast.actions import media, stage
from roomcast.domain.model import Participant, Role, RoomSettings, SpeakingTimer
from roomcast.media import SessionDescription
from roomcast.web.deps import Ctx, GuestToken, SignedIn, Viewer
from roomcast.web.routes.rooms import RoomIdPath
from roomcast.web.schemas import (
    AnswerIn,
    AnswerOut,
    HandIn,
    KeyIn,
    MicIn,
    MuteIn,
    OfferIn,
    Ok,
    RemoveIn,
    RoleIn,
    SettingsIn,
    TimerIn,
)

router = APIRouter(prefix="/api/rooms/{room_id}", tags=["stage"])

KeyPath = Annotated[str, Path(min_length=2, max_length=40, pattern=r"^[ug][A-Za-z0-9_-]+$")]


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
    offer = SessionDescription(body.sdp, body.type)
    answer = await media.connect(ctx, room_id, viewer, guest, offer)
    return AnswerOut(sdp=answer.sdp, type=answer.type, ice_servers=ctx.settings.ice_servers)


@router.post("/hand", response_model=Participant, summary="Raise or lower one's hand (listeners)")
async def hand(room_id: RoomIdPath, body: HandIn, user: SignedIn, ctx: Ctx) -> Participant:
    return await stage.raise_hand(ctx, user, room_id, body.raised)


@router.post(
    "/invite",
    response_model=Participant,
    summary="Invite a listener to speak (host, moderators); they accept or decline",
)
async def invite(room_id: RoomIdPath, body: KeyIn, user: SignedIn, ctx: Ctx) -> Participant:
    return await stage.invite(ctx, user, room_id, body.key)


@router.post(
    "/invite/answer",
    response_model=Participant,
    summary="Accept (go on stage) or decline an invitation to speak",
)
async def answer(room_id: RoomIdPath, body: AnswerIn, user: SignedIn, ctx: Ctx) -> Participant:
    return await stage.answer_invite(ctx, user, room_id, body.accept)


@router.post(
    "/audience",
    response_model=Participant,
    summary="Move someone off the stage (host, moderators), or step down oneself",
)
async def audience(room_id: RoomIdPath, body: KeyIn, user: SignedIn, ctx: Ctx) -> Participant:
    return await stage.move_to_audience(ctx, user, room_id, body.key)


@router.post("/mute", response_model=Participant, summary="Mute or unmute oneself (on stage)")
async def mute(
    room_id: RoomIdPath, body: MuteIn, viewer: Viewer, guest: GuestToken, ctx: Ctx
) -> Participant:
    return await stage.mute_self(ctx, viewer, guest, room_id, body.muted)


@router.post(
    "/mic",
    response_model=Participant,
    summary="Say that one's browser gives no microphone (blocked, or none), or does again",
)
async def report_mic(room_id: RoomIdPath, body: MicIn, user: SignedIn, ctx: Ctx) -> Participant:
    return await stage.report_mic(ctx, user, room_id, body.blocked)


@router.post(
    "/participants/{key}/hand/dismiss",
    response_model=Participant,
    summary="Lower a listener's raised hand (host, moderators): not now",
)
async def dismiss_hand(room_id: RoomIdPath, key: KeyPath, user: SignedIn, ctx: Ctx) -> Participant:
    return await stage.dismiss_hand(ctx, user, room_id, key)


@router.post(
    "/participants/{key}/mute",
    response_model=Participant,
    summary="Mute someone on stage (they cannot unmute), or allow them to unmute",
)
async def mute_other(
    room_id: RoomIdPath, key: KeyPath, body: MuteIn, user: SignedIn, ctx: Ctx
) -> Participant:
    return await stage.mute_other(ctx, user, room_id, key, body.muted)


@router.post(
    "/participants/{key}/role",
    response_model=Participant,
    summary="Make or unmake a moderator, or hand the host role on (host)",
)
async def role(
    room_id: RoomIdPath, key: KeyPath, body: RoleIn, user: SignedIn, ctx: Ctx
) -> Participant:
    return await stage.set_role(ctx, user, room_id, key, Role(body.role))


@router.post(
    "/participants/{key}/remove",
    response_model=Ok,
    summary="Remove someone from the room until it ends; with ban, from all the host's rooms",
)
async def remove(room_id: RoomIdPath, key: KeyPath, body: RemoveIn, user: SignedIn, ctx: Ctx) -> Ok:
    await stage.remove(ctx, user, room_id, key, body.ban)
    return Ok()


@router.put(
    "/settings",
    response_model=RoomSettings,
    summary="Hand raising, speakers join muted, chat, recording, guests (host)",
)
async def settings(room_id: RoomIdPath, body: SettingsIn, user: SignedIn, ctx: Ctx) -> RoomSettings:
    new = RoomSettings(
        body.hand_raising,
        body.speakers_join_muted,
        body.chat,
        body.record,
        body.guests,
        body.music,
    )
    return await stage.change_settings(ctx, user, room_id, new)


@router.put(
    "/timer",
    response_model=SpeakingTimer | None,
    summary="Start a speaking timer for someone on stage, or stop it (host, moderators)",
)
async def timer(
    room_id: RoomIdPath, body: TimerIn, user: SignedIn, ctx: Ctx
) -> SpeakingTimer | None:
    return await stage.time_turn(ctx, user, room_id, body.key, body.seconds)
