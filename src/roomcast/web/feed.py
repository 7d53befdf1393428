"""A show's RSS 2.0 feed with the iTunes tags and the Podcasting 2.0 namespace, built with
lxml (escaping and namespaces done by the library, not by string templates)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime

from lxml import etree

from roomcast import __version__
from roomcast.domain.events import Event
from roomcast.domain.model import PublicUser, Room, RoomId, UserId
from roomcast.domain.podcasts import Episode, Show, duration_text
from roomcast.domain.text import xml_safe
from roomcast.web import urls

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
NSMAP = {"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM}
# Podcasting 2.0: a feed's podcast:guid is a UUIDv5 of its URL (no scheme) in this namespace
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def podcast_guid(feed_url: str) -> str:
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def episode_guid(episode: Episode) -> str:
    return f"roomcast:episode:{episode.id}"  # never changes, whatever the server's URL


@dataclass(frozen=True)
class FeedData:
    """A show's feed: a creator's, or a club's (public, or a member's private one)."""

    base_url: str
    show: Show
    author: str  # the creator's or the club's name
    page_url: str  # the show's page
    feed_url: str  # this feed's own URL (a private one carries its key)
    artwork_url: str
    episodes: Sequence[Episode]  # published ones, newest first
    live: Sequence[Room]  # open rooms, live or just ended
    people: Mapping[UserId, PublicUser]  # the episodes' hosts and speakers
    scheduled: Sequence[Event] = ()  # open events to come: pending live items
    events_of_rooms: Mapping[RoomId, Event] = field(default_factory=dict)  # rooms they became
    public_feed_url: str = ""  # the show's public feed (its podcast:guid); "": feed_url
    files_base: str = ""  # where episode files are fetched; "": base_url. A private feed's
    # key path, so that apps downloading later still get in
    private: bool = False  # one person's: kept out of podcast directories


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    """Every text and attribute goes through xml_safe: text stored before the edge refused
    what XML cannot carry must not break anyone's feed."""
    el = etree.SubElement(parent, tag, {k.rstrip("_"): xml_safe(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_safe(text)
    return el


def _it(name: str) -> str:
    return f"{{{ITUNES}}}{name}"


def _pc(name: str) -> str:
    return f"{{{PODCAST}}}{name}"


def last_modified(data: FeedData) -> datetime | None:
    stamps = [e.updated_at for e in data.episodes] + [data.show.updated_at]
    stamps += [r.ended_at or r.started_at for r in data.live]
    stamps += [e.updated_at for e in data.scheduled]
    known = [t for t in stamps if t is not None]
    return max(known) if known else None


def render(data: FeedData) -> bytes:
    base, show = data.base_url, data.show
    show_url, feed_url, artwork = data.page_url, data.feed_url, data.artwork_url
    files = data.files_base or base

    rss = etree.Element("rss", {"version": "2.0"}, nsmap=NSMAP)
    ch = _el(rss, "channel")
    _el(ch, "title", show.title)
    _el(ch, "link", show_url)
    _el(ch, "description", show.description)
    _el(ch, "language", show.language)
    _el(ch, "generator", f"Roomcast {__version__}")
    modified = last_modified(data)
    if modified:
        _el(ch, "lastBuildDate", format_datetime(modified, usegmt=True))
    _el(ch, f"{{{ATOM}}}link", href=feed_url, rel="self", type="application/rss+xml")
    image = _el(ch, "image")
    _el(image, "url", artwork)
    _el(image, "title", show.title)
    _el(image, "link", show_url)
    _el(ch, _it("author"), data.author)
    owner = _el(ch, _it("owner"))
    _el(owner, _it("name"), data.author)
    _el(ch, _it("image"), href=artwork)
    _el(ch, _it("category"), text=show.category)
    _el(ch, _it("explicit"), "true" if show.explicit else "false")
    _el(ch, _it("type"), "episodic")
    if data.private:  # a member's own address: not for directories to list
        _el(ch, _it("block"), "yes")
    _el(ch, _pc("guid"), podcast_guid(data.public_feed_url or feed_url))
    _el(ch, _pc("medium"), "podcast")

    # live items: a scheduled event is "pending", then "live" and "ended" as the room it
    # became, under the same guid, so apps follow one item from announcement to replay
    for event in data.scheduled:
        page = f"{base}/e/{event.id}"
        attrs = {"status": "pending", "start": event.starts_at.isoformat()}
        attrs["end"] = event.ends_at.isoformat()
        item = _el(ch, _pc("liveItem"), **attrs)
        _el(item, "title", event.title)
        _el(item, "description", event.description or f"Live on Roomcast: {event.title}")
        _el(item, "link", page)
        _el(item, "guid", f"roomcast:event:{event.id}", isPermaLink="false")
        _el(item, _pc("contentLink"), "Listen live on Roomcast", href=page)
    for room in data.live:
        status = "live" if room.is_live else "ended"
        started = room.started_at or room.created_at
        origin = data.events_of_rooms.get(room.id)
        # while live, the end is expected: the event's planned length, or an hour
        planned = origin.ends_at if origin else started + timedelta(hours=1)
        end = room.ended_at or max(planned, started + timedelta(minutes=15))
        attrs = {"status": status, "start": started.isoformat(), "end": end.isoformat()}
        item = _el(ch, _pc("liveItem"), **attrs)
        room_url = urls.room(base, room.id)
        guid = f"roomcast:event:{origin.id}" if origin else f"roomcast:room:{room.id}"
        _el(item, "title", room.title)
        _el(item, "description", room.description or f"Live on Roomcast: {room.title}")
        _el(item, "link", room_url)
        _el(item, "guid", guid, isPermaLink="false")
        _el(item, _pc("contentLink"), "Listen live on Roomcast", href=room_url)

    for ep in data.episodes:
        page = urls.episode(base, ep.id)
        item = _el(ch, "item")
        _el(item, "title", ep.title)
        _el(item, "description", ep.notes or f"Recorded live on Roomcast: {ep.title}")
        _el(item, "link", page)
        _el(item, "guid", episode_guid(ep), isPermaLink="false")
        if ep.published_at:
            _el(item, "pubDate", format_datetime(ep.published_at, usegmt=True))
        _el(
            item,
            "enclosure",
            url=f"{urls.episode(files, ep.id)}/audio.mp3",  # published: ready
            length=str(ep.audio_bytes or 0),
            type="audio/mpeg",
        )
        if ep.duration is not None:
            _el(item, _it("duration"), duration_text(ep.duration))
        _el(item, _it("image"), href=artwork)
        _el(item, _it("explicit"), "true" if show.explicit else "false")
        _el(item, _it("episodeType"), "full")
        chapters = urls.episode_file(files, ep, "chapters.json")
        if chapters:  # every finished episode has chapters, at least one
            _el(item, _pc("chapters"), url=chapters, type="application/json+chapters")
        vtt, srt = (urls.episode_file(files, ep, f"transcript.{x}") for x in ("vtt", "srt"))
        if vtt and srt:
            _el(
                item,
                _pc("transcript"),
                url=vtt,
                type="text/vtt",
                language=ep.language,
                rel="captions",
            )
            _el(item, _pc("transcript"), url=srt, type="application/x-subrip")
        host = data.people.get(ep.user_id)
        if host is not None:
            _el(
                item,
                _pc("person"),
                host.display_name,
                role="host",
                href=urls.profile(base, host.username),
            )
        for uid in ep.speakers:
            person = data.people.get(uid)
            if person and uid != ep.user_id:
                _el(
                    item,
                    _pc("person"),
                    person.display_name,
                    role="guest",
                    href=urls.profile(base, person.username),
                )
    return bytes(etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True))
