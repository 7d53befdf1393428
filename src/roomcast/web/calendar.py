"""Calendar files (iCalendar, RFC 5545) for events, built with the icalendar library: one
event's .ics, and a person's private calendar subscription.

Each entry's UID is stable per event, its SEQUENCE grows with every change, a cancelled
(or expired) event stays in the feed as STATUS:CANCELLED so calendars remove it, and times
carry the event's own zone (with its VTIMEZONE), so a calendar shows them right across DST.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, vUri
from icalendar import Event as VEvent

from roomcast import __version__
from roomcast.domain.events import Event, ics_status, zone
from roomcast.domain.model import PublicUser, UserId
from roomcast.domain.text import xml_safe


def event_url(base: str, event_id: str) -> str:
    return f"{base}/e/{event_id}"


def uid(base: str, event: Event) -> str:
    return f"event-{event.id}@{urlsplit(base).hostname or 'roomcast'}"


def _entry(base: str, event: Event, host: PublicUser, stamp: datetime) -> VEvent:
    tz = zone(event.time_zone)
    url = event_url(base, event.id)
    entry = VEvent()
    entry.add("uid", uid(base, event))
    entry.add("dtstamp", stamp)
    entry.add("last-modified", event.updated_at)
    entry.add("created", event.created_at)
    entry.add("sequence", event.sequence)
    entry.add("dtstart", event.starts_at.astimezone(tz))
    entry.add("dtend", event.ends_at.astimezone(tz))
    entry.add("summary", xml_safe(event.title))
    about = f"{event.description}\n\n" if event.description else ""
    entry.add("description", xml_safe(f"{about}Live audio with {host.display_name}.\n{url}"))
    entry.add("location", url)
    entry.add("url", vUri(url))
    entry.add("status", ics_status(event))
    entry.add("transp", "OPAQUE")
    if event.state.value == "scheduled":  # a reminder in the calendar app too
        alarm = Calendar.from_ical(
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Starts in 10 minutes\r\n"
            "TRIGGER:-PT10M\r\nEND:VALARM\r\n"
        )
        entry.add_component(alarm)
    return entry


def _calendar(name: str, ttl: timedelta | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", f"-//Roomcast//Roomcast {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", xml_safe(name))
    if ttl is not None:  # how often subscribers should refetch (Apple; Google ignores it)
        cal.add("refresh-interval", ttl, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", ttl)
    return cal


def one(base: str, event: Event, host: PublicUser, now: datetime) -> bytes:
    cal = _calendar(event.title)
    cal.add_component(_entry(base, event, host, now))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def feed(
    base: str,
    owner: PublicUser,
    events: Sequence[Event],
    hosts: Mapping[UserId, PublicUser],
    now: datetime,
) -> bytes:
    cal = _calendar(f"Roomcast: {owner.display_name}", timedelta(hours=1))
    for event in events:
        host = hosts.get(event.host_id)
        if host is not None:
            cal.add_component(_entry(base, event, host, now))
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
