"""Events (scheduled rooms): schedule, edit, cancel, start; co-hosts; RSVPs; reminders and
expiry as durable jobs; the upcoming list and calendars."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from roomcast.actions import clubs as club_actions
from roomcast.actions import notify, search, tickets
from roomcast.actions import rooms as room_actions
from roomcast.actions.context import Context
from roomcast.domain import clubs as club_rules
from roomcast.domain import events as rules
from roomcast.domain import notices, tokens
from roomcast.domain.clubs import Club
from roomcast.domain.events import CohostState, Event, EventDraft, EventState
from roomcast.domain.jobs import EXPIRE, REMIND, Job
from roomcast.domain.model import (
    ClubTag,
    PublicUser,
    Role,
    RoomId,
    Topic,
    User,
    UserId,
    Visibility,
)
from roomcast.domain.rooms import RoomDraft, start_now
from roomcast.domain.tickets import Terms
from roomcast.domain.updates import RoomSnapshot
from roomcast.errors import BadRequest, Forbidden, NotAuthenticated, NotFound, RateLimited
from roomcast.store import UnitOfWork

logger = logging.getLogger(__name__)

UPCOMING_DAYS = 7


@dataclass(frozen=True, slots=True)
class EventView:
    """An event as a viewer sees it."""

    event: Event
    host: PublicUser
    cohosts: tuple[tuple[PublicUser, CohostState], ...]
    going: int
    rsvped: bool = False
    mine: bool = False  # the viewer is its host
    cohost_state: CohostState | None = None  # the viewer's invitation, if any
    club: ClubTag | None = None  # a club's event


def new_event_id() -> str:
    return secrets.token_urlsafe(9)  # a link-only event's link is its key, as for rooms


async def _load(uow: UnitOfWork, event_id: str, *, for_update: bool = False) -> Event:
    event = await uow.events.get(event_id, for_update=for_update)
    if event is None:
        raise NotFound("No such event.", code="event_not_found")
    return event


async def _cohost_ids(uow: UnitOfWork, host: User, usernames: list[str]) -> tuple[UserId, ...]:
    ids: list[UserId] = []
    for name in usernames:
        person = await uow.users.by_username(name)
        if person is None or person.suspended:
            raise BadRequest(
                f"There is nobody called @{name}.", code="user_not_found", field="cohosts"
            )
        if await uow.users.is_blocked(person.id, host.id):
            raise BadRequest(f"@{name} cannot be invited.", code="blocked", field="cohosts")
        ids.append(person.id)
    return rules.check_cohosts(host.id, tuple(ids))


async def _queue_timers(ctx: Context, uow: UnitOfWork, event: Event) -> None:
    """The reminder and the expiry for this start time (a job for a time that no longer
    holds does nothing when it runs)."""
    now, at = ctx.clock(), event.starts_at.isoformat()
    payload = {"event": event.id, "starts_at": at}
    await uow.jobs.add(REMIND, None, now, max(now, rules.reminder_due(event)), payload)
    await uow.jobs.add(EXPIRE, None, now, event.starts_at + rules.EXPIRE_AFTER, payload)


async def _invite(
    ctx: Context, uow: UnitOfWork, event: Event, host: User, invited: list[UserId]
) -> None:
    if invited:
        draft = notices.cohost(event.id, host.display_name, event.title, host.id, event.starts_at)
        await notify.announce(ctx, uow, draft, [(notify.PEOPLE, invited)])


async def schedule(
    ctx: Context,
    host: User,
    draft: EventDraft,
    cohosts: list[str],
    ip: str,
    club: str | None = None,
    terms: Terms | None = None,
) -> EventView:
    """Schedule an event, as its host or as a club's (`club`: its handle), free or with
    tickets on sale (`terms`)."""
    now = ctx.monotonic()
    wait = max(ctx.limits["room_user"].take(str(host.id), now), ctx.limits["room_ip"].take(ip, now))
    if wait > 0:
        raise RateLimited("You have scheduled many events; wait a little.", retry_after=wait)
    club_rules.check_visibility(draft.visibility, club is not None)
    async with ctx.transaction() as uow:
        as_club = await club_actions.for_hosting(uow, host, club) if club else None
        event = rules.schedule(
            new_event_id(), host.id, draft, ctx.clock(), as_club.id if as_club else None
        )
        ids = await _cohost_ids(uow, host, cohosts)
        await uow.events.add(event)
        if terms is not None:
            await tickets.open_sale(ctx, uow, host, terms, draft.record, event_id=event.id)
        await search.event(uow, event)
        invited = await uow.events.set_cohosts(event.id, ids, ctx.clock())
        await _invite(ctx, uow, event, host, invited)
        await _queue_timers(ctx, uow, event)
        audiences = club_actions.audiences(event.visibility, host.id, as_club)
        if audiences:
            told = notices.scheduled(
                event.id, host.display_name, event.title, host.id, event.starts_at
            )
            await notify.announce(ctx, uow, told, audiences, exclude=host.id)
        view = await _view(uow, event, host)
    logger.info("event %s scheduled by user %s for %s", event.id, host.id, event.starts_at)
    return view


async def edit(
    ctx: Context, host: User, event_id: str, draft: EventDraft, cohosts: list[str] | None
) -> EventView:
    """Change an event; `cohosts` None keeps its co-hosts as they are."""
    async with ctx.transaction() as uow:
        event = await _load(uow, event_id, for_update=True)
        club_rules.check_visibility(draft.visibility, event.club_id is not None)
        changed = rules.edit(event, host.id, draft, ctx.clock())
        await uow.events.save(changed)
        await search.event(uow, changed)
        if cohosts is not None:
            ids = await _cohost_ids(uow, host, cohosts)
            invited = await uow.events.set_cohosts(event.id, ids, ctx.clock())
            await _invite(ctx, uow, changed, host, invited)
        if changed.starts_at != event.starts_at:
            await _queue_timers(ctx, uow, changed)
        if (changed.starts_at, changed.minutes, changed.title) != (
            event.starts_at,
            event.minutes,
            event.title,
        ):  # what a calendar entry or a plan depends on: the RSVPs are told
            told = notices.changed(
                event.id,
                host.display_name,
                changed.title,
                host.id,
                changed.starts_at,
                changed.sequence,
            )
            await notify.announce(ctx, uow, told, [(notify.RSVPS, event.id)], exclude=host.id)
        return await _view(uow, changed, host)


async def cancel(ctx: Context, host: User, event_id: str) -> EventView:
    async with ctx.transaction() as uow:
        event = await _load(uow, event_id, for_update=True)
        rules.cancel(event, host.id, ctx.clock())  # may they?
        return await _view(uow, await cancel_now(ctx, uow, event), host)


async def cancel_now(ctx: Context, uow: UnitOfWork, event: Event) -> Event:
    """Cancelled (by its host, or with its club): its RSVPs and co-hosts are told."""
    cancelled = rules.cancel(event, event.host_id, ctx.clock())
    await uow.events.save(cancelled)
    await tickets.event_cancelled(ctx, uow, event.id)  # every ticket refunded
    await search.event(uow, cancelled)
    host = (await uow.users.public([event.host_id]))[event.host_id]
    told = notices.cancelled(event.id, host.display_name, event.title, host.id, event.starts_at)
    audiences: list[notify.Audience] = [(notify.RSVPS, event.id)]
    cohosts = [c.user_id for c in await uow.events.cohosts(event.id)]
    if cohosts:
        audiences.append((notify.PEOPLE, cohosts))
    await notify.announce(ctx, uow, told, audiences, exclude=host.id)
    return cancelled


async def start(ctx: Context, host: User, event_id: str) -> RoomSnapshot:
    """The host presses Start: the event becomes a live room; co-hosts who accepted are its
    moderators; followers and RSVPs are told (once each)."""
    async with ctx.transaction() as uow:
        event = await _load(uow, event_id, for_update=True)
        room_draft = RoomDraft(
            event.title,
            event.description,
            event.topic,
            event.language,
            event.visibility,
            event.record,
            event.club_id,
        )
        room = start_now(room_actions.new_room_id(), host.id, room_draft, ctx.clock())
        started = rules.start(event, host.id, room.id, ctx.clock())
        if await uow.sales.of_event(event.id) is not None:
            room = replace(room, ticketed=True)
        snap = await room_actions.open_room(ctx, uow, room, host, event.id)
        await tickets.room_started(uow, event.id, room)
        await uow.events.save(started)
        await search.event(uow, started)  # the room is found now
        for c in await uow.events.cohosts(event.id):
            if c.state is CohostState.ACCEPTED:
                await uow.participants.reserve(room.id, c.user_id, Role.MODERATOR, ctx.clock())
    logger.info("event %s started as room %s", event_id, room.id)
    return snap


async def answer(ctx: Context, me: User, event_id: str, accept: bool) -> EventView:
    async with ctx.transaction() as uow:
        event = await _load(uow, event_id)
        mine = next((c for c in await uow.events.cohosts(event.id) if c.user_id == me.id), None)
        answered = rules.answer_cohost(mine, accept, event)
        await uow.events.answer_cohost(event.id, answered)
        return await _view(uow, event, me)


async def rsvp(ctx: Context, me: User, event_id: str, going: bool) -> EventView:
    async with ctx.transaction() as uow:
        event = await _load(uow, event_id)
        await may_see(uow, event, me)  # as its page
        if going:
            if event.state not in (EventState.SCHEDULED, EventState.LIVE):
                raise BadRequest("This event is over.", code="event_over")
            await uow.events.rsvp(event.id, me.id, ctx.clock())
        else:
            await uow.events.unrsvp(event.id, me.id)
        return await _view(uow, event, me)


async def _view(uow: UnitOfWork, event: Event, viewer: User | None) -> EventView:
    cohosts = await uow.events.cohosts(event.id)
    people = await uow.users.public([event.host_id, *(c.user_id for c in cohosts)])
    going = (await uow.events.going([event.id])).get(event.id, 0)
    me = viewer.id if viewer else None
    mine_rsvp = bool(me and event.id in await uow.events.rsvped(me, [event.id]))
    club = await uow.clubs.get(event.club_id) if event.club_id is not None else None
    return EventView(
        event,
        people[event.host_id],
        tuple((people[c.user_id], c.state) for c in cohosts if c.user_id in people),
        going,
        mine_rsvp,
        me == event.host_id,
        next((c.state for c in cohosts if c.user_id == me), None),
        ClubTag(club.id, club.handle, club.name) if club else None,
    )


async def may_see(uow: UnitOfWork, event: Event, viewer: User | None) -> None:
    """An event's door (its page, API view, ICS, RSVP): not there for people its host
    blocked; a club's members-only event is for its members (and its host)."""
    if viewer is not None and await uow.users.is_blocked(event.host_id, viewer.id):
        raise NotFound("No such event.", code="event_not_found")
    if event.visibility is Visibility.MEMBERS:
        if viewer is None:
            raise NotAuthenticated("This event is for a club's members: sign in.")
        if viewer.id != event.host_id and not await club_actions.is_member(
            uow, event.club_id, viewer
        ):
            raise Forbidden("This event is for the club's members.", code="members_only")


async def view(ctx: Context, event_id: str, viewer: User | None) -> EventView:
    async with ctx.transaction() as uow:
        event = await _load(uow, event_id)
        await may_see(uow, event, viewer)
        return await _view(uow, event, viewer)


async def upcoming(
    ctx: Context, viewer: User | None, days: int = UPCOMING_DAYS, limit: int = 30
) -> list[EventView]:
    return (await upcoming_for(ctx, viewer, days, limit))[0]


async def upcoming_for(
    ctx: Context, viewer: User | None, days: int = UPCOMING_DAYS, limit: int = 30
) -> tuple[list[EventView], set[UserId]]:
    """Open events of the next days (including those just due, which may still start):
    the viewer's followed hosts first, then the rest, soonest first in each; and whom the
    viewer follows (the hallway puts their live rooms first too)."""
    now = ctx.clock()
    start, until = now - rules.EXPIRE_AFTER, now + timedelta(days=days)
    followed: set[UserId] = set()
    async with ctx.transaction() as uow:
        first: list[Event] = []
        if viewer is not None:
            followed = await uow.follows.followed_ids(viewer.id)
            if followed:
                first = await uow.events.upcoming(start, until, hosts=list(followed), limit=limit)
        rest = await uow.events.upcoming(start, until, limit=limit)
        seen = {e.id for e in first}
        found = (first + [e for e in rest if e.id not in seen])[:limit]
        ids = [e.id for e in found]
        going = await uow.events.going(ids)
        mine = await uow.events.rsvped(viewer.id, ids) if viewer else set()
        hosts = await uow.users.public({e.host_id for e in found})
        hidden = await uow.users.blocked_either_way(viewer.id) if viewer else set()
    views = [
        EventView(
            e,
            hosts[e.host_id],
            (),
            going.get(e.id, 0),
            e.id in mine,
            bool(viewer and viewer.id == e.host_id),
        )
        for e in found
        if e.host_id in hosts and e.host_id not in hidden
    ]
    return views, followed


async def hosted_by(ctx: Context, host: User, viewer: User | None) -> list[Event]:
    """A host's scheduled events, for their profile (link-only ones for themself only)."""
    async with ctx.transaction() as uow:
        found = await uow.events.upcoming(
            ctx.clock() - rules.EXPIRE_AFTER,
            ctx.clock() + rules.LATEST_START,
            hosts=[host.id],
            open_only=viewer is None or viewer.id != host.id,
        )
    return found


async def of_topic(
    ctx: Context, viewer: User | None, topic: Topic, language: str | None, limit: int = 20
) -> list[EventView]:
    """Open events on a topic (in a language) in the coming week, soonest first."""
    now = ctx.clock()
    async with ctx.transaction() as uow:
        found = await uow.events.upcoming(
            now - rules.EXPIRE_AFTER,
            now + timedelta(days=UPCOMING_DAYS),
            limit=limit,
            topic=topic.value,
            language=language,
        )
        hidden = await uow.users.blocked_either_way(viewer.id) if viewer else set()
        return [await _view(uow, e, viewer) for e in found if e.host_id not in hidden]


async def of_club(ctx: Context, club: Club, viewer: User | None) -> list[Event]:
    """A club's scheduled events (members-only ones for its members), soonest first."""
    async with ctx.transaction() as uow:
        member = await club_actions.is_member(uow, club.id, viewer)
        return await uow.events.upcoming(
            ctx.clock() - rules.EXPIRE_AFTER,
            ctx.clock() + rules.LATEST_START,
            club=club.id,
            members=member,
        )


async def for_feed(ctx: Context, host: UserId | None, club: int | None = None) -> list[Event]:
    """Open scheduled events of a host (not their club's) or of a club, for its podcast
    feed's pending live items."""
    async with ctx.transaction() as uow:
        found = await uow.events.upcoming(
            ctx.clock() - rules.EXPIRE_AFTER,
            ctx.clock() + rules.LATEST_START,
            hosts=[host] if host is not None else None,
            club=club,
        )
    return [e for e in found if club is not None or e.club_id is None]


async def events_of_rooms(ctx: Context, room_ids: list[RoomId]) -> dict[RoomId, Event]:
    """The events these rooms were started from (for the feed's live items)."""
    found: dict[RoomId, Event] = {}
    async with ctx.transaction() as uow:
        for room_id in room_ids:
            event = await uow.events.of_room(room_id)
            if event is not None:
                found[room_id] = event
    return found


# ---- jobs: reminders and expiry ------------------------------------------------------------


async def remind(ctx: Context, job: Job) -> None:
    """10 minutes before: the RSVPs are reminded, if the event still starts then."""
    async with ctx.transaction() as uow:
        event = await uow.events.get(str(job.payload["event"]))
        if event is None or not event.is_upcoming:
            return
        if event.starts_at.isoformat() != job.payload["starts_at"]:
            return  # moved: the job for its new time reminds
        host = (await uow.users.public([event.host_id]))[event.host_id]
    draft = notices.reminder(
        event.id, host.display_name, event.title, event.host_id, event.starts_at
    )
    async with ctx.transaction() as uow:
        people = [u for batch in [b async for b in uow.events.rsvp_ids(event.id)] for u in batch]
    for i in range(0, len(people), 1000):
        await notify.deliver(ctx, draft, people[i : i + 1000])


async def expire(ctx: Context, job: Job) -> None:
    async with ctx.transaction() as uow:
        event = await uow.events.get(str(job.payload["event"]), for_update=True)
        if event is not None and rules.expired(event, ctx.clock()):
            await uow.events.save(rules.expire(event, ctx.clock()))
            await search.event(uow, rules.expire(event, ctx.clock()))
            logger.info("event %s expired: not started in time", event.id)


# ---- calendars -----------------------------------------------------------------------------


async def calendar_token(ctx: Context, user: User, *, renew: bool = False) -> str:
    """The token of this person's private calendar URL; renewing revokes the old URL."""
    async with ctx.transaction() as uow:
        nonce = await uow.users.calendar_nonce(user.id)
        if nonce is None or renew:
            nonce = secrets.token_hex(8)
            await uow.users.set_calendar_nonce(user.id, nonce)
    return tokens.sign(ctx.settings.secret, "calendar", str(user.id), nonce)


async def calendar(ctx: Context, user_id: int, token: str) -> tuple[User, list[Event]]:
    """The events of a private calendar URL: those RSVP'd to and those of followed people,
    upcoming or changed in the last month. A wrong or revoked token: not found."""
    async with ctx.transaction() as uow:
        user = await uow.users.get(UserId(user_id))
        nonce = await uow.users.calendar_nonce(UserId(user_id)) if user else None
        if (
            user is None
            or user.suspended
            or nonce is None
            or not tokens.check(ctx.settings.secret, token, "calendar", str(user.id), nonce)
        ):
            raise NotFound(
                "No such calendar (its link may have been renewed).", code="calendar_not_found"
            )
        found = await uow.events.for_calendar(user.id, ctx.clock() - timedelta(days=30))
        hidden = await uow.users.blocked_either_way(user.id)
        clubs = await uow.clubs.clubs_of(user.id)
    return user, [
        e
        for e in found
        if e.host_id not in hidden
        and (e.visibility is not Visibility.MEMBERS or e.club_id in clubs or e.host_id == user.id)
    ]


async def hosts_of(ctx: Context, events: list[Event]) -> dict[UserId, PublicUser]:
    async with ctx.transaction() as uow:
        return await uow.users.public({e.host_id for e in events})


def when(at: datetime, tz: str) -> str:
    return notices.when_text(at.astimezone(rules.zone(tz)))
