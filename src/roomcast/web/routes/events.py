"""Events (scheduled rooms): schedule, look at, edit, cancel, start, RSVP, co-host answers,
and their calendar files: one event's .ics and a person's private calendar URL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from roomcast.actions import events
from roomcast.domain.events import EventDraft, from_local
from roomcast.domain.model import PublicUser, User
from roomcast.errors import BadRequest
from roomcast.web import calendar, urls
from roomcast.web.deps import Ctx, SignedIn, Viewer, client_ip
from roomcast.web.schemas import (
    AnswerIn,
    CalendarOut,
    EventIn,
    EventOut,
    EventsOut,
    RoomCreated,
    RsvpIn,
)

router = APIRouter(tags=["events"])
files = APIRouter(include_in_schema=False)

EventPath = Annotated[str, Path(min_length=1, max_length=24, pattern=r"^[A-Za-z0-9_-]+$")]
ICS = "text/calendar; charset=utf-8"


def _draft(body: EventIn, user: User) -> EventDraft:
    tz = body.time_zone or user.time_zone
    return EventDraft(
        title=body.title,
        description=body.description,
        topic=body.topic,
        language=body.language,
        visibility=body.visibility,
        starts_at=from_local(body.starts_at, tz),
        minutes=body.minutes,
        time_zone=tz,
        record=body.record,
    )


@router.post("/api/events", response_model=EventOut, status_code=201, summary="Schedule a room")
async def schedule(body: EventIn, request: Request, user: SignedIn, ctx: Ctx) -> EventOut:
    draft = _draft(body, user)
    view = await events.schedule(
        ctx,
        user,
        draft,
        body.cohosts or [],
        client_ip(request),
        club=body.club,
        terms=body.tickets.terms() if body.tickets else None,
    )
    return EventOut.of(view, ctx.settings.base_url)


@router.get("/api/events", response_model=EventsOut, summary="Open events of the next 7 days")
async def upcoming(viewer: Viewer, ctx: Ctx) -> EventsOut:
    found = await events.upcoming(ctx, viewer)
    return EventsOut(events=[EventOut.of(v, ctx.settings.base_url) for v in found])


@router.get("/api/events/{event_id}", response_model=EventOut, summary="An event")
async def get_event(event_id: EventPath, viewer: Viewer, ctx: Ctx) -> EventOut:
    return EventOut.of(await events.view(ctx, event_id, viewer), ctx.settings.base_url)


@router.put("/api/events/{event_id}", response_model=EventOut, summary="Edit (host only)")
async def edit(event_id: EventPath, body: EventIn, user: SignedIn, ctx: Ctx) -> EventOut:
    if body.tickets is not None:  # buyers paid for these terms: they stay as sold
        raise BadRequest(
            "Tickets are set when an event is scheduled and stay as sold; leave them out.",
            code="tickets_fixed",
            field="tickets",
        )
    view = await events.edit(ctx, user, event_id, _draft(body, user), body.cohosts)
    return EventOut.of(view, ctx.settings.base_url)


@router.post("/api/events/{event_id}/cancel", response_model=EventOut, summary="Cancel (host)")
async def cancel(event_id: EventPath, user: SignedIn, ctx: Ctx) -> EventOut:
    return EventOut.of(await events.cancel(ctx, user, event_id), ctx.settings.base_url)


@router.post(
    "/api/events/{event_id}/start",
    response_model=RoomCreated,
    status_code=201,
    summary="Start it now (host): it becomes a live room",
)
async def start(event_id: EventPath, user: SignedIn, ctx: Ctx) -> RoomCreated:
    snap = await events.start(ctx, user, event_id)
    return RoomCreated(room=snap.room, url=urls.room(ctx.settings.base_url, snap.room.id))


@router.put("/api/events/{event_id}/rsvp", response_model=EventOut, summary='"Notify me"')
async def rsvp(event_id: EventPath, body: RsvpIn, user: SignedIn, ctx: Ctx) -> EventOut:
    return EventOut.of(await events.rsvp(ctx, user, event_id, body.going), ctx.settings.base_url)


@router.post(
    "/api/events/{event_id}/cohost", response_model=EventOut, summary="Accept or decline co-hosting"
)
async def answer(event_id: EventPath, body: AnswerIn, user: SignedIn, ctx: Ctx) -> EventOut:
    view = await events.answer(ctx, user, event_id, body.accept)
    return EventOut.of(view, ctx.settings.base_url)


def _calendar_out(base: str, user: User, token: str) -> CalendarOut:
    url = f"{base}/calendar/{user.id}/{token}.ics"
    return CalendarOut(url=url, webcal_url="webcal://" + url.split("://", 1)[1])


@router.get("/api/me/calendar", response_model=CalendarOut, summary="My calendar URL")
async def my_calendar(user: SignedIn, ctx: Ctx) -> CalendarOut:
    return _calendar_out(ctx.settings.base_url, user, await events.calendar_token(ctx, user))


@router.post(
    "/api/me/calendar/renew", response_model=CalendarOut, summary="A new URL; the old stops"
)
async def renew_calendar(user: SignedIn, ctx: Ctx) -> CalendarOut:
    token = await events.calendar_token(ctx, user, renew=True)
    return _calendar_out(ctx.settings.base_url, user, token)


# ---- files calendars fetch ----


@files.get("/e/{event_id}/event.ics")
async def event_ics(event_id: EventPath, viewer: Viewer, ctx: Ctx) -> Response:
    view = await events.view(ctx, event_id, viewer)
    body = calendar.one(ctx.settings.base_url, view.event, view.host, ctx.clock())
    return Response(
        body,
        media_type=ICS,
        headers={"Content-Disposition": f'attachment; filename="{event_id}.ics"'},
    )


@files.get("/calendar/{user_id}/{token}.ics")
async def calendar_feed(
    user_id: Annotated[int, Path(ge=1, le=2**31)],
    token: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
    ctx: Ctx,
) -> Response:
    owner, found = await events.calendar(ctx, user_id, token)
    hosts = await events.hosts_of(ctx, found)
    body = calendar.feed(ctx.settings.base_url, PublicUser.of(owner), found, hosts, ctx.clock())
    # private: no shared cache may keep it; calendar apps poll, so an hour is fine for them
    return Response(body, media_type=ICS, headers={"Cache-Control": "private, max-age=900"})
