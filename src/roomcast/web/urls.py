"""Every public URL the server hands out (pages, feeds, files), from the base URL. One place,
so that the API, the pages and the feed always agree."""

from __future__ import annotations

from roomcast.domain.clubs import Club
from roomcast.domain.podcasts import Episode, Show, TranscriptStatus

# the files an episode has, by name, with their media types
EPISODE_FILES = {
    "audio.mp3": "audio/mpeg",
    "chapters.json": "application/json+chapters",
    "transcript.vtt": "text/vtt; charset=utf-8",
    "transcript.srt": "application/x-subrip; charset=utf-8",
}


def room(base: str, room_id: str) -> str:
    return f"{base}/r/{room_id}"


def profile(base: str, username: str) -> str:
    return f"{base}/u/{username}"


def show(base: str, username: str) -> str:
    return f"{base}/shows/{username}"


def feed(base: str, username: str) -> str:
    return f"{show(base, username)}/feed.xml"


def artwork(base: str, username: str, s: Show) -> str:
    """An upload's URL names its version, so apps and CDNs refetch a new cover."""
    url = f"{show(base, username)}/artwork.jpg"
    if s.artwork:
        url += f"?v={s.artwork.removeprefix('artwork-').removesuffix('.jpg')}"
    return url


def club(base: str, handle: str) -> str:
    return f"{base}/c/{handle}"


def club_feed(base: str, handle: str) -> str:
    return f"{club(base, handle)}/feed.xml"


def club_image(base: str, c: Club, which: str) -> str | None:
    """The club's avatar (always: drawn from its name until one is uploaded) or cover
    (None until uploaded), its version in the URL."""
    name = c.avatar if which == "avatar" else c.cover
    if name is None and which == "cover":
        return None
    url = f"{club(base, c.handle)}/{which}.jpg"
    if name:
        url += f"?v={name.removeprefix(which + '-').removesuffix('.jpg')}"
    return url


def private_feed(base: str, key: str) -> str:
    """A member's own feed; its episodes' files are under the same key."""
    return f"{base}/feeds/{key}/feed.xml"


def private_files(base: str, key: str) -> str:
    return f"{base}/feeds/{key}"


def episode(base: str, episode_id: str) -> str:
    return f"{base}/episodes/{episode_id}"


def episode_file(base: str, e: Episode, name: str) -> str | None:
    """The URL of one of an episode's files, or None while it does not exist (yet)."""
    if name not in EPISODE_FILES or not e.is_ready:
        return None
    if name.startswith("transcript") and e.transcript is not TranscriptStatus.READY:
        return None
    return f"{episode(base, e.id)}/{name}"
