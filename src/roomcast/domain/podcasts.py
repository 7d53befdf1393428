"""Shows and episodes: the rules, and the pure transforms from a room's timeline to
chapters (captions are in captions.py). No I/O here."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from roomcast.domain.model import RoomId, User, UserId
from roomcast.errors import Conflict, Forbidden, NotAuthenticated, NotFound

# Apple Podcasts' top-level categories: what the <itunes:category> of a show may say
CATEGORIES = (
    "Arts",
    "Business",
    "Comedy",
    "Education",
    "Fiction",
    "Government",
    "Health & Fitness",
    "History",
    "Kids & Family",
    "Leisure",
    "Music",
    "News",
    "Religion & Spirituality",
    "Science",
    "Society & Culture",
    "Sports",
    "Technology",
    "True Crime",
    "TV & Film",
)

LEAD_IN_SECONDS = 5.0  # a topic marked this close to the start is the first chapter
MIN_CHAPTER_SECONDS = 30.0  # speaker turns shorter than this do not make a chapter
MERGE_GAP_SECONDS = 1.0  # pauses shorter than this do not end a speaker's turn


@dataclass(frozen=True, slots=True)
class Show:
    user_id: UserId
    title: str
    description: str
    category: str
    language: str
    explicit: bool
    artwork: str | None  # file name under the show's folder; None: the generated one
    updated_at: datetime | None


def default_show(user: User) -> Show:
    return Show(
        user_id=user.id,
        title=f"{user.display_name}'s room",
        description=f"Live conversations hosted by {user.display_name}, recorded on Roomcast.",
        category="Society & Culture",
        language="en",
        explicit=False,
        artwork=None,
        updated_at=None,
    )


class EpisodeStatus(enum.StrEnum):
    PROCESSING = "processing"  # the room ended; post-production is queued or running
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"  # ready, hidden by the host
    FAILED = "failed"  # nothing usable was recorded, or production failed for good


class TranscriptStatus(enum.StrEnum):
    PENDING = "pending"
    READY = "ready"
    UNSUPPORTED = "unsupported"  # no speech-to-text model for the room's language
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Episode:
    id: str
    room_id: RoomId
    user_id: UserId
    title: str
    notes: str
    language: str
    status: EpisodeStatus
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None
    duration: float | None = None  # seconds
    audio_bytes: int | None = None
    loudness: float | None = None  # LUFS integrated, measured on the MP3
    true_peak: float | None = None  # dBTP
    transcript: TranscriptStatus = TranscriptStatus.PENDING
    speakers: tuple[UserId, ...] = ()
    error: str | None = None
    club_id: int | None = None  # a club room's episode: in the club's show, not the host's
    members_only: bool = False  # of a members-only room: for the club's members alone
    sale_id: int | None = None  # of a ticketed room: the replay is for its ticket holders

    def __post_init__(self) -> None:
        if self.members_only and self.club_id is None:
            raise ValueError("a members-only episode belongs to a club")

    @property
    def is_ready(self) -> bool:
        return self.status in (EpisodeStatus.PUBLISHED, EpisodeStatus.UNPUBLISHED)

    @property
    def is_public(self) -> bool:
        return self.status is EpisodeStatus.PUBLISHED


def may_listen(
    episode: Episode | None, viewer: UserId | None, member: bool = False, ticket: bool = False
) -> Episode:
    """The door of an episode (its page, API view and files): published episodes are
    public, as their feed is, and a members-only room's only for the club's members
    (`member`: the viewer is one, or holds a member's private feed key); a ticketed room's
    replay only for its ticket holders (`ticket`: a valid ticket, or a buyer's feed key) and
    the people who spoke in it; unpublished ones only for their host. Unknown and hidden
    look alike to everyone else."""
    if episode is None:
        raise NotFound("No such episode.", code="episode_not_found")
    if viewer is not None and viewer == episode.user_id:
        return episode
    if not episode.is_public:
        raise NotFound("No such episode.", code="episode_not_found")
    if episode.members_only and not member:
        if viewer is None:
            raise NotAuthenticated(
                "This episode is for the club's members: sign in.", code="sign_in_required"
            )
        raise Forbidden("This episode is for the club's members.", code="members_only")
    if episode.sale_id is not None and not ticket and viewer not in episode.speakers:
        if viewer is None:
            raise NotAuthenticated(
                "This replay is for ticket holders: sign in.", code="sign_in_required"
            )
        raise Forbidden("This replay is for ticket holders.", code="ticket_required")
    return episode


def check_owner(episode: Episode, user: User) -> None:
    if episode.user_id != user.id:
        raise Forbidden("Only the episode's host can change it.", code="not_allowed")


def publish(episode: Episode, published: bool, now: datetime) -> Episode:
    """Publish or unpublish a finished episode. Unpublishing keeps the first pubDate, so
    podcast apps do not see a republished episode as new."""
    if not episode.is_ready:
        raise Conflict("The episode is not ready yet.", code="episode_not_ready")
    status = EpisodeStatus.PUBLISHED if published else EpisodeStatus.UNPUBLISHED
    return replace(episode, status=status, published_at=episode.published_at or now, updated_at=now)


# ---- timeline -> chapters and captions ----

Span = tuple[float, float]


def merge_spans(spans: Iterable[Span], gap: float = MERGE_GAP_SECONDS) -> list[Span]:
    merged: list[Span] = []
    for a, b in sorted(spans):
        if merged and a - merged[-1][1] <= gap:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def turns(speakers: Mapping[str, Sequence[Span]]) -> list[tuple[float, float, str]]:
    """Who holds the floor when: each speaker's merged spans, in time order."""
    out = [(a, b, key) for key, spans in speakers.items() for a, b in merge_spans(spans)]
    return sorted(out)


def speaker_at(t0: float, t1: float, floor: Sequence[tuple[float, float, str]]) -> str | None:
    """The speaker who talks most between t0 and t1."""
    overlap: dict[str, float] = {}
    for a, b, key in floor:
        shared = min(b, t1) - max(a, t0)
        if shared > 0:
            overlap[key] = overlap.get(key, 0.0) + shared
    return max(overlap, key=lambda k: overlap[k]) if overlap else None


@dataclass(frozen=True, slots=True)
class Chapter:
    start: float
    title: str


def chapters(
    topics: Sequence[tuple[float, str]],
    speakers: Mapping[str, Sequence[Span]],
    names: Mapping[str, str],
    title: str,
) -> list[Chapter]:
    """Chapters from the host's topic markers; without any, from speaker turns of at
    least MIN_CHAPTER_SECONDS. The first chapter always starts at 0."""
    if topics:
        marked = [Chapter(round(t, 2), name) for t, name in sorted(topics)]
        if marked[0].start < LEAD_IN_SECONDS:  # marked as the room began: it opens the show
            marked[0] = Chapter(0.0, marked[0].title)
        else:
            marked.insert(0, Chapter(0.0, title))
        return _dedupe(marked)
    found: list[Chapter] = []
    for a, b, key in turns(speakers):
        if b - a < MIN_CHAPTER_SECONDS:
            continue
        name = names.get(key, "A speaker")
        if found and found[-1].title == name:
            continue
        found.append(Chapter(round(a, 2), name))
    if not found:
        return [Chapter(0.0, title)]
    found[0] = Chapter(0.0, found[0].title)
    return _dedupe(found)


def _dedupe(chapters: list[Chapter]) -> list[Chapter]:
    """One chapter per start time (the last marker wins)."""
    by_start: dict[float, Chapter] = {}
    for c in chapters:
        by_start[c.start] = c
    return sorted(by_start.values(), key=lambda c: c.start)


def chapters_json(chapters: Sequence[Chapter], title: str) -> dict[str, object]:
    """Podcasting 2.0 JSON chapters (application/json+chapters), version 1.2.0."""
    return {
        "version": "1.2.0",
        "title": title,
        "chapters": [{"startTime": c.start, "title": c.title} for c in chapters],
    }


def duration_text(seconds: float) -> str:
    """itunes:duration as HH:MM:SS."""
    s = max(0, round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def duration_label(seconds: float) -> str:
    """For people: "42 min", "1 h 05 min", "35 s"."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{round(s / 60)} min"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"
