"""Scheduled rooms (events): their states, their times in people's time zones, who may
change them, and when their reminders fall due.

An event is scheduled → live (its host pressed Start; it is a room now) → ended, or it is
cancelled by its host, or it expires when nobody started it within EXPIRE_AFTER of its time.
Times are stored in UTC; each event keeps its host's IANA time zone, for its calendar entry,
its link preview and the wording of emails.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from roomcast.domain.model import RoomId, Topic, UserId, Visibility
from roomcast.errors import BadRequest, Conflict, Forbidden

EXPIRE_AFTER = timedelta(hours=2)  # not started this long after its time: it expires
REMIND_BEFORE = timedelta(minutes=10)
LATEST_START = timedelta(days=366)  # further ahead is a typo, not a plan
EARLIEST_START = timedelta(minutes=-5)  # a form filled in slowly still schedules "now"
MIN_MINUTES, MAX_MINUTES = 15, 12 * 60
MAX_COHOSTS = 10


class EventState(enum.StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class CohostState(enum.StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class EventDraft:
    """What the host fills in, with the start already resolved to UTC."""

    title: str
    description: str
    topic: Topic
    language: str
    visibility: Visibility
    starts_at: datetime
    minutes: int
    time_zone: str
    record: bool = False


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    host_id: UserId
    title: str
    description: str
    topic: Topic
    language: str
    visibility: Visibility
    starts_at: datetime
    minutes: int
    time_zone: str
    state: EventState
    created_at: datetime
    updated_at: datetime
    record: bool = False
    room_id: RoomId | None = None
    sequence: int = 0  # iCalendar SEQUENCE: bumped on every change calendars must see
    club_id: int | None = None  # scheduled as a club's room (kept for its life)

    def __post_init__(self) -> None:
        if self.visibility is Visibility.MEMBERS and self.club_id is None:
            raise ValueError("a members-only event belongs to a club")

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)

    @property
    def is_upcoming(self) -> bool:
        return self.state is EventState.SCHEDULED

    def local(self, tz: str | None = None) -> datetime:
        """The start in `tz` (default: the event's own zone)."""
        return self.starts_at.astimezone(zone(tz or self.time_zone))


@dataclass(frozen=True, slots=True)
class Cohost:
    user_id: UserId
    state: CohostState


# ---- time zones ----------------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    """An IANA zone by name; a clear 422-like error for anything else (no file paths, no
    POSIX TZ strings: only names in the tz database)."""
    if not name or len(name) > 64 or name not in _zones():
        raise BadRequest(
            f"{name[:64]!r} is not a time zone we know; use an IANA name such as "
            "Europe/Paris or America/New_York.",
            code="bad_time_zone",
            field="time_zone",
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:  # listed yet unreadable: say so
        raise BadRequest(f"{name!r} is not a time zone we know.", code="bad_time_zone") from e


_ZONES: frozenset[str] = frozenset()


def _zones() -> frozenset[str]:
    global _ZONES
    if not _ZONES:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


def valid_zone(name: str) -> bool:
    return bool(name) and len(name) <= 64 and name in _zones()


def from_local(local: datetime, tz: str) -> datetime:
    """A wall-clock time in `tz` as a UTC instant. Times that do not exist (the hour skipped
    when clocks go forward) are refused; times that happen twice (clocks go back) mean the
    first of the two, as calendars do."""
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    z = zone(tz)
    first = local.replace(tzinfo=z, fold=0)
    # round-trip through UTC: a wall time in a gap comes back different
    if first.astimezone(UTC).astimezone(z).replace(tzinfo=None) != local:
        raise BadRequest(
            f"{local:%H:%M} does not exist on {local:%d %B %Y} in {tz}: the clocks go "
            "forward then. Pick another time.",
            code="time_does_not_exist",
            field="starts_at",
        )
    return first.astimezone(UTC)


# ---- the event's life ----------------------------------------------------------------------


def _check_draft(draft: EventDraft, now: datetime) -> None:
    if draft.starts_at < now + EARLIEST_START:
        raise BadRequest(
            "That time has passed; pick a time from now on.",
            code="start_in_past",
            field="starts_at",
        )
    if draft.starts_at > now + LATEST_START:
        raise BadRequest(
            "That is more than a year ahead; schedule it nearer the time.",
            code="start_too_far",
            field="starts_at",
        )
    if not MIN_MINUTES <= draft.minutes <= MAX_MINUTES:
        raise BadRequest(
            f"An event lasts {MIN_MINUTES} minutes to {MAX_MINUTES // 60} hours.",
            code="bad_length",
            field="minutes",
        )
    zone(draft.time_zone)


def _filled_in(draft: EventDraft) -> dict[str, Any]:
    """What the host fills in, by the Event field of the same name."""
    return {f.name: getattr(draft, f.name) for f in fields(EventDraft)}


def schedule(
    event_id: str, host_id: UserId, draft: EventDraft, now: datetime, club_id: int | None = None
) -> Event:
    _check_draft(draft, now)
    return Event(
        id=event_id,
        host_id=host_id,
        state=EventState.SCHEDULED,
        created_at=now,
        updated_at=now,
        club_id=club_id,
        **_filled_in(draft),
    )


def _host_only(event: Event, user_id: UserId, doing: str) -> None:
    if event.host_id != user_id:
        raise Forbidden(f"Only the event's host can {doing} it.", code="not_event_host")


def _still_scheduled(event: Event, doing: str) -> None:
    match event.state:
        case EventState.SCHEDULED:
            return
        case EventState.LIVE:
            raise Conflict(f"This event is live; it is too late to {doing} it.", code="event_live")
        case EventState.CANCELLED:
            raise Conflict("This event was cancelled.", code="event_cancelled")
        case _:
            raise Conflict("This event is over.", code="event_over")


def edit(event: Event, user_id: UserId, draft: EventDraft, now: datetime) -> Event:
    _host_only(event, user_id, "edit")
    _still_scheduled(event, "edit")
    if draft.starts_at != event.starts_at:
        _check_draft(draft, now)
    else:  # keeping the time: only the rest is checked (it may be minutes away, or past)
        _check_draft(replace(draft, starts_at=now), now)
    return replace(event, updated_at=now, sequence=event.sequence + 1, **_filled_in(draft))


def cancel(event: Event, user_id: UserId, now: datetime) -> Event:
    _host_only(event, user_id, "cancel")
    _still_scheduled(event, "cancel")
    return replace(event, state=EventState.CANCELLED, updated_at=now, sequence=event.sequence + 1)


def start(event: Event, user_id: UserId, room_id: RoomId, now: datetime) -> Event:
    """The host starts it, early or late (until it expires): it becomes a live room."""
    _host_only(event, user_id, "start")
    if event.state is EventState.SCHEDULED and expired(event, now):
        raise Conflict("This event expired: it was not started in time.", code="event_over")
    _still_scheduled(event, "start")
    return replace(
        event, state=EventState.LIVE, room_id=room_id, updated_at=now, sequence=event.sequence + 1
    )


def ended(event: Event, now: datetime) -> Event:
    return replace(event, state=EventState.ENDED, updated_at=now, sequence=event.sequence + 1)


def expired(event: Event, now: datetime) -> bool:
    return event.state is EventState.SCHEDULED and now >= event.starts_at + EXPIRE_AFTER


def expire(event: Event, now: datetime) -> Event:
    return replace(event, state=EventState.EXPIRED, updated_at=now, sequence=event.sequence + 1)


def reminder_due(event: Event) -> datetime:
    return event.starts_at - REMIND_BEFORE


def check_cohosts(host_id: UserId, wanted: tuple[UserId, ...]) -> tuple[UserId, ...]:
    unique = tuple(dict.fromkeys(u for u in wanted if u != host_id))
    if len(unique) > MAX_COHOSTS:
        raise BadRequest(f"An event has at most {MAX_COHOSTS} co-hosts.", code="too_many_cohosts")
    return unique


def answer_cohost(current: Cohost | None, accept: bool, event: Event) -> Cohost:
    if current is None:
        raise Forbidden("You were not invited to co-host this event.", code="not_invited")
    _still_scheduled(event, "answer for")
    return replace(current, state=CohostState.ACCEPTED if accept else CohostState.DECLINED)


def ics_status(event: Event) -> str:
    return "CANCELLED" if event.state in (EventState.CANCELLED, EventState.EXPIRED) else "CONFIRMED"
