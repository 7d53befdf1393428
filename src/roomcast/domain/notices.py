"""Notifications: what people are told, once per occasion, and how they want to hear it.

An occasion names the thing that happened ("room R went live"). A person gets at most one
notice per occasion whatever the reasons (a follower of the host who also said "notify me"
hears once that the room started): the store keeps (person, occasion) unique.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from roomcast.domain.model import PublicUser, UserId


class Kind(enum.StrEnum):
    LIVE = "live"  # someone you follow, or an event you said "notify me" to, is live
    SCHEDULED = "scheduled"  # someone you follow scheduled an event
    REMINDER = "reminder"  # an event you said "notify me" to starts in 10 minutes
    CHANGED = "changed"  # ...was moved or edited
    CANCELLED = "cancelled"  # ...was cancelled
    COHOST = "cohost"  # you were invited to co-host an event
    FOLLOW = "follow"  # someone followed you
    CLUB = "club"  # your clubs: someone asks to join (admins, moderators), you were let in
    TICKET = "ticket"  # your tickets: refunded (an event cancelled, or by its host)


# What each kind is called in settings, and whether it is emailed unless the person says no
KINDS: dict[Kind, tuple[str, bool]] = {
    Kind.LIVE: ("Someone you follow, or an event you want, goes live", False),
    Kind.SCHEDULED: ("Someone you follow schedules an event", False),
    Kind.REMINDER: ("An event you want starts in 10 minutes", True),
    Kind.CHANGED: ("An event you want is moved or changed", True),
    Kind.CANCELLED: ("An event you want is cancelled", True),
    Kind.COHOST: ("You are invited to co-host an event", True),
    Kind.FOLLOW: ("Someone follows you", False),
    Kind.CLUB: ("Your clubs: join requests, and being let in", False),
    Kind.TICKET: ("Your tickets: refunds", True),
}


class Channel(enum.StrEnum):
    APP = "app"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class Prefs:
    """Per kind, per channel; what is not said takes the default (in the app: always on)."""

    said: Mapping[str, bool]

    def wants(self, kind: Kind, channel: Channel) -> bool:
        said = self.said.get(f"{kind.value}.{channel.value}")
        if said is not None:
            return said
        return True if channel is Channel.APP else KINDS[kind][1]

    def with_choice(self, kind: Kind, channel: Channel, on: bool) -> Prefs:
        return Prefs({**self.said, f"{kind.value}.{channel.value}": on})

    def table(self) -> dict[str, dict[str, bool]]:
        return {k.value: {c.value: self.wants(k, c) for c in Channel} for k in Kind}


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification as its person sees it."""

    id: int
    kind: Kind
    text: str
    url: str  # a path on this server
    created_at: datetime
    actor: PublicUser | None = None
    event_id: str | None = None
    starts_at: datetime | None = None  # an event's start: clients show it in local time
    read: bool = False


@dataclass(frozen=True, slots=True)
class Draft:
    """A notice to give to many people: the same words for each."""

    kind: Kind
    occasion: str
    text: str
    url: str
    actor_id: UserId | None = None
    event_id: str | None = None
    room_id: str | None = None
    starts_at: datetime | None = None


def live(
    room_id: str,
    host: str,
    title: str,
    actor_id: UserId,
    event_id: str | None,
    club: str | None = None,
) -> Draft:
    return Draft(
        Kind.LIVE,
        f"live:{room_id}",
        f"{host} is live in {club}: {title}" if club else f"{host} is live: {title}",
        f"/r/{room_id}",
        actor_id,
        event_id,
        room_id,
    )


def _about_event(
    kind: Kind, occasion: str, text: str, event_id: str, actor_id: UserId, at: datetime
) -> Draft:
    return Draft(
        kind,
        f"event:{event_id}:{occasion}",
        text,
        f"/e/{event_id}",
        actor_id,
        event_id,
        starts_at=at,
    )


def scheduled(event_id: str, host: str, title: str, actor_id: UserId, at: datetime) -> Draft:
    return _about_event(
        Kind.SCHEDULED, "scheduled", f"{host} scheduled {title}", event_id, actor_id, at
    )


def reminder(event_id: str, host: str, title: str, actor_id: UserId, at: datetime) -> Draft:
    text = f"{title} with {host} starts in 10 minutes"
    # a new time, a new reminder
    return _about_event(Kind.REMINDER, f"reminder:{at.isoformat()}", text, event_id, actor_id, at)


def changed(
    event_id: str, host: str, title: str, actor_id: UserId, at: datetime, seq: int
) -> Draft:
    text = f"{host} changed {title}"
    return _about_event(Kind.CHANGED, f"changed:{seq}", text, event_id, actor_id, at)


def cancelled(event_id: str, host: str, title: str, actor_id: UserId, at: datetime) -> Draft:
    text = f"{host} cancelled {title}"
    return _about_event(Kind.CANCELLED, "cancelled", text, event_id, actor_id, at)


def cohost(event_id: str, host: str, title: str, actor_id: UserId, at: datetime) -> Draft:
    text = f"{host} invited you to co-host {title}"
    return _about_event(Kind.COHOST, "cohost", text, event_id, actor_id, at)


def follow(follower_id: UserId, name: str, username: str) -> Draft:
    return Draft(
        Kind.FOLLOW,
        f"follow:{follower_id}",  # once per follower, ever: a follow storm is one notice each
        f"{name} followed you",
        f"/u/{username}",
        follower_id,
    )


def join_request(club_id: int, handle: str, club: str, user_id: UserId, name: str) -> Draft:
    return Draft(
        Kind.CLUB,
        f"club:{club_id}:request:{user_id}",
        f"{name} asks to join {club}",
        f"/c/{handle}/members",
        user_id,
    )


def let_in(club_id: int, handle: str, club: str, by: UserId) -> Draft:
    return Draft(Kind.CLUB, f"club:{club_id}:joined", f"You are in {club}", f"/c/{handle}", by)


def refunded(ticket_id: int, text: str, url: str, host_id: UserId) -> Draft:
    return Draft(Kind.TICKET, f"ticket:{ticket_id}:refunded", text, url, host_id)


def when_text(at: datetime) -> str:
    """A start time as an email says it: "Tuesday 1 December 2026, 18:30 (Europe/Paris)".
    `at` carries the reader's zone already."""
    zone = getattr(at.tzinfo, "key", None) or at.tzname() or "UTC"
    return f"{at:%A} {at.day} {at:%B %Y}, {at:%H:%M} ({zone})"
