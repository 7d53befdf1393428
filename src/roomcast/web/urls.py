"""Every public URL the server hands out (pages, feeds, files), from the base URL. One place,
so that the API, the pages and the feed always agree."""

from __future__ import annotations

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


def episode(base: str, episode_id: str) -> str:
    return f"{base}/episodes/{episode_id}"


def episode_file(base: str, e: Episode, name: str) -> str | None:
    """The URL of one of an episode's files, or None while it does not exist (yet)."""
    if name not in EPISODE_FILES or not e.is_ready:
        return None
    if name.startswith("transcript") and e.transcript is not TranscriptStatus.READY:
        return None
    return f"{episode(base, e.id)}/{name}"
