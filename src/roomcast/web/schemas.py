"""Request and response bodies. Validation of shapes and sizes lives here, nowhere else."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    Strict,
    StringConstraints,
    UrlConstraints,
)

from roomcast.actions.clubs import ClubView
from roomcast.actions.events import EventView
from roomcast.actions.search import Result as SearchResult
from roomcast.domain.clubs import Club, ClubAction, ClubRole, HostPolicy, JoinPolicy
from roomcast.domain.events import CohostState, EventState, valid_zone
from roomcast.domain.model import Contact, PublicUser, Topic, User, Visibility
from roomcast.domain.notices import Channel, Kind, Notice
from roomcast.domain.podcasts import CATEGORIES, Episode, EpisodeStatus, Show, TranscriptStatus
from roomcast.domain.search import Kind as SearchKind
from roomcast.domain.text import clean_name, text_problem
from roomcast.domain.tickets import Terms, Window
from roomcast.domain.updates import RoomView
from roomcast.web import urls

MAX_NAME = 64


def _line(value: str) -> str:
    """One line of text that XML, our pages and everyone's reading order can carry."""
    problem = text_problem(value, multiline=False)
    if problem:
        raise ValueError(problem)
    return value


def _text(value: str) -> str:
    """Long text: as _line, and newlines and tabs are welcome."""
    problem = text_problem(value.replace("\r\n", "\n"), multiline=True)
    if problem:
        raise ValueError(problem)
    return value.replace("\r\n", "\n")


def _name(value: str) -> str:
    """A display name: normalised (NFKC), visible, no reordering (domain/text.py)."""
    name = clean_name(value)
    if len(name) > MAX_NAME:
        raise ValueError(f"must be at most {MAX_NAME} characters")
    return name


Username = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=3, max_length=20, pattern=r"^[A-Za-z0-9_]+$"
    ),
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]
AnyPassword = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Line = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_line)]
Text = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_text)]
DisplayName = Annotated[str, StringConstraints(max_length=4 * MAX_NAME), AfterValidator(_name)]
OptionalName = Annotated[
    str,
    StringConstraints(max_length=4 * MAX_NAME),
    AfterValidator(lambda v: _name(v) if v.strip() else ""),
]
Language = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignupIn(Body):
    username: Username = Field(description="3-20 letters, digits or underscores")
    password: Password
    display_name: OptionalName = Field("", description="Default: the username")
    time_zone: str | None = Field(
        None, max_length=64, description="IANA zone, e.g. from the browser; unknown: UTC"
    )


class LoginIn(Body):
    username: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$"
        ),
    ]
    password: AnyPassword


class PasswordIn(Body):
    current_password: AnyPassword
    new_password: Password


class ProfileIn(Body):
    display_name: DisplayName
    bio: Annotated[Text, Field(max_length=300)] = ""


# a club's handle as people type it; look-alikes and case are the domain's to judge
Handle = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
    AfterValidator(lambda v: v.lstrip("@")),
]


CurrencyCode = Annotated[
    str, StringConstraints(min_length=3, max_length=3, pattern=r"^[A-Za-z]{3}$")
]
Amount = Annotated[  # strict: "500" and 5.0 are not amounts
    int, Strict(), Field(ge=1, le=100_000_000, description="Minor units: cents, or yen for JPY")
]


class TicketTermsIn(Body):
    """Sell tickets: set when the room is started or the event scheduled."""

    price: Amount
    currency: CurrencyCode = Field(description="ISO 4217, e.g. usd, eur, jpy")
    capacity: Annotated[int, Strict()] | None = Field(
        None, ge=1, le=100_000, description="Seats; none: no limit"
    )
    window: Window | None = Field(
        None,
        description='Sales close when the room starts ("before"), when it ends ("live"), '
        'or never ("replay": after it ended, the ticket is for the recording). Default: '
        '"before" for an event, "live" for a room started now',
    )

    def terms(self, live: bool = False) -> Terms:
        window = self.window or (Window.LIVE if live else Window.BEFORE)
        return Terms(self.price, self.currency.lower(), self.capacity, window)


class RoomIn(Body):
    title: Annotated[Line, Field(min_length=1, max_length=120)]
    description: Annotated[Text, Field(max_length=1000)] = ""
    topic: Topic = Topic.OTHER
    language: Language = "en"
    visibility: Visibility = Field(
        Visibility.OPEN, description='"members": a club\'s members only (needs club)'
    )
    record: bool = Field(False, description="Record the room and publish it as an episode")
    music: bool = Field(False, description="Start in music mode (see the room's settings)")
    club: Handle | None = Field(
        None,
        description="Start it as this club's room (its admins and moderators may; members "
        "too where the club allows). Its episode goes to the club's show. Kept on an edit.",
    )
    tickets: TicketTermsIn | None = Field(
        None,
        description="Sell tickets (no ticket, no audio): set when it is started or scheduled, "
        "kept on an edit",
    )


ParticipantKey = Annotated[
    str, StringConstraints(min_length=2, max_length=40, pattern=r"^[ug][A-Za-z0-9_-]+$")
]


class KeyIn(Body):
    key: ParticipantKey = Field(description="The participant's key, from the room snapshot")


class HandIn(Body):
    raised: bool


class AnswerIn(Body):
    accept: bool


class MicIn(Body):
    blocked: bool = Field(description="True: no microphone (permission denied, or no device)")


class MuteIn(Body):
    muted: bool


class RoleIn(Body):
    role: Literal["moderator", "speaker", "host"] = Field(
        description="moderator: make one; speaker: unmake a moderator; host: hand the room on"
    )


class RemoveIn(Body):
    ban: bool = Field(False, description="Also ban them from coming back to this room")


class SettingsIn(Body):
    hand_raising: bool = True
    speakers_join_muted: bool = False
    chat: bool = True
    record: bool = False
    guests: bool = Field(True, description="People without an account may listen")
    music: bool = Field(
        False,
        description="Music mode: stereo Opus at a higher bitrate, and speakers' browsers "
        "capture without echo cancellation, noise suppression or gain control (headphones)",
    )


class OfferIn(Body):
    sdp: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    type: Literal["offer"]


class AnswerOut(BaseModel):
    sdp: str
    type: str
    ice_servers: list[str] = Field(description="STUN/TURN URLs the browser may also use")


class ChatIn(Body):
    text: Annotated[Text, Field(min_length=1, max_length=500)]


class ReactionIn(Body):
    emoji: Annotated[str, StringConstraints(min_length=1, max_length=8)]


class PinIn(Body):
    url: (
        Annotated[HttpUrl, UrlConstraints(max_length=500, allowed_schemes=["http", "https"])] | None
    )


class ChapterIn(Body):
    title: Annotated[Line, Field(min_length=1, max_length=120)]


class QuestionIn(Body):
    text: Annotated[Text, Field(min_length=1, max_length=300)]


class AnsweredIn(Body):
    answered: bool = True


class PollIn(Body):
    question: Annotated[Line, Field(min_length=1, max_length=200)]
    options: Annotated[
        list[Annotated[Line, Field(min_length=1, max_length=80)]], Field(min_length=2, max_length=6)
    ]


class VoteIn(Body):
    option: Annotated[int, Field(ge=0, le=5)]


class TimerIn(Body):
    key: ParticipantKey | None = Field(description="Whose turn; null stops the timer")
    seconds: Annotated[int, Field(ge=10, le=1800)] = 60


class ReportIn(Body):
    username: (
        Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$")]
        | None
    ) = None
    room_id: (
        Annotated[str, StringConstraints(min_length=1, max_length=24, pattern=r"^[A-Za-z0-9_-]+$")]
        | None
    ) = None
    reason: Annotated[Text, Field(min_length=3, max_length=1000)]


class ReportCreated(BaseModel):
    id: int


class ResolveIn(Body):
    action: Literal["dismiss", "suspend"]


class SuspendIn(Body):
    suspended: bool = True


class UserOut(BaseModel):
    username: str
    display_name: str
    bio: str
    created_at: datetime

    @staticmethod
    def of(user: User) -> UserOut:
        return UserOut(
            username=user.username,
            display_name=user.display_name,
            bio=user.bio,
            created_at=user.created_at,
        )


class MeOut(UserOut):
    id: int
    is_admin: bool
    time_zone: str = Field(description="IANA zone: emails say times in it")

    @staticmethod
    def of(user: User) -> MeOut:
        return MeOut(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            bio=user.bio,
            created_at=user.created_at,
            is_admin=user.is_admin,
            time_zone=user.time_zone,
        )


class SessionOut(BaseModel):
    user: MeOut
    csrf_token: str = Field(description="Send it back in the X-CSRF-Token header")


class CsrfOut(BaseModel):
    csrf_token: str


class RoomCreated(BaseModel):
    room: RoomView
    url: str = Field(description="Absolute link to the room page, for sharing")


class Ok(BaseModel):
    ok: bool = True


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


# ---- shows and episodes ----

Category = Literal[CATEGORIES]  # type: ignore[valid-type]


class ShowIn(Body):
    title: Annotated[Line, Field(min_length=1, max_length=120)]
    description: Annotated[Text, Field(min_length=1, max_length=4000)]
    category: Category = Field(description="An Apple Podcasts category")
    language: Language = "en"
    explicit: bool = False


class ShowOut(BaseModel):
    username: str = Field(description="The creator's; \"\" for a club's show")
    club: str | None = Field(None, description="The club's handle, for a club's show")
    title: str
    description: str
    category: str
    language: str
    explicit: bool
    artwork_url: str = Field(description="Square JPEG, uploaded or generated")
    feed_url: str = Field(description="The RSS feed to subscribe to in a podcast app")
    page_url: str

    @staticmethod
    def of(show: Show, username: str, base: str) -> ShowOut:
        return ShowOut(
            username=username,
            title=show.title,
            description=show.description,
            category=show.category,
            language=show.language,
            explicit=show.explicit,
            artwork_url=urls.artwork(base, username, show),
            feed_url=urls.feed(base, username),
            page_url=urls.show(base, username),
        )


def club_show_out(club: Club, show: Show, base: str) -> ShowOut:
    artwork = urls.club_image(base, club, "avatar")
    assert artwork is not None  # an avatar always has a URL (drawn until uploaded)
    return ShowOut(
        username="",
        club=club.handle,
        title=show.title,
        description=show.description,
        category=show.category,
        language=show.language,
        explicit=show.explicit,
        artwork_url=artwork,
        feed_url=urls.club_feed(base, club.handle),
        page_url=urls.club(base, club.handle),
    )


class EpisodeOut(BaseModel):
    id: str
    room_id: str
    members_only: bool = Field(False, description="For the club's members only")
    title: str
    notes: str
    language: str
    status: EpisodeStatus
    created_at: datetime
    published_at: datetime | None
    duration: float | None = Field(description="Seconds")
    audio_bytes: int | None
    loudness: float | None = Field(description="LUFS integrated, measured on the MP3")
    true_peak: float | None = Field(description="dBTP, measured on the MP3")
    transcript: TranscriptStatus
    error: str | None
    page_url: str
    audio_url: str | None
    chapters_url: str | None
    transcript_vtt_url: str | None
    transcript_srt_url: str | None

    @staticmethod
    def of(e: Episode, base: str) -> EpisodeOut:
        return EpisodeOut(
            id=e.id,
            room_id=e.room_id,
            title=e.title,
            notes=e.notes,
            language=e.language,
            status=e.status,
            created_at=e.created_at,
            published_at=e.published_at,
            duration=e.duration,
            audio_bytes=e.audio_bytes,
            loudness=e.loudness,
            true_peak=e.true_peak,
            transcript=e.transcript,
            error=e.error,
            members_only=e.members_only,
            page_url=urls.episode(base, e.id),
            audio_url=urls.episode_file(base, e, "audio.mp3"),
            chapters_url=urls.episode_file(base, e, "chapters.json"),
            transcript_vtt_url=urls.episode_file(base, e, "transcript.vtt"),
            transcript_srt_url=urls.episode_file(base, e, "transcript.srt"),
        )


class ShowPageOut(BaseModel):
    show: ShowOut
    episodes: list[EpisodeOut]


class EpisodeEditIn(Body):
    title: Annotated[Line, Field(min_length=1, max_length=120)] | None = None
    notes: Annotated[Text, Field(max_length=4000)] | None = None


class PublishIn(Body):
    published: bool


# ---- people and events ---------------------------------------------------------------------


def _zone(value: str) -> str:
    if not valid_zone(value):
        raise ValueError("is not a time zone we know (use an IANA name such as Europe/Paris)")
    return value


TimeZone = Annotated[str, StringConstraints(min_length=1, max_length=64), AfterValidator(_zone)]
CohostName = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=32, pattern=r"^@?[A-Za-z0-9_]+$"
    ),
    AfterValidator(lambda v: v.lstrip("@")),
]


class PersonOut(BaseModel):
    username: str
    display_name: str

    @staticmethod
    def of(p: PublicUser) -> PersonOut:
        return PersonOut(username=p.username, display_name=p.display_name)


class FollowOut(BaseModel):
    followers: int
    following: int
    you_follow: bool = Field(description="The viewer follows this person")
    follows_you: bool = Field(description="This person follows the viewer")


class PeopleOut(BaseModel):
    people: list[PersonOut]
    next_after: int | None = Field(description="Pass as ?after= for the next page; None: done")


class TopicsIn(Body):
    topics: Annotated[list[Topic], Field(max_length=len(Topic))]


class TimeZoneIn(Body):
    time_zone: TimeZone


class EventIn(RoomIn):
    """A room to start later: the room's fields, and when."""

    starts_at: datetime = Field(
        description="The start: a wall-clock time in time_zone (2027-03-28T18:30), or an "
        "instant with its offset (2027-03-28T16:30:00Z)"
    )
    time_zone: TimeZone | None = Field(None, description="IANA zone; default: the host's")
    minutes: int = Field(60, ge=15, le=720, description="Expected length")
    cohosts: Annotated[list[CohostName], Field(max_length=10)] | None = Field(
        None,
        description="Usernames invited to co-host (they accept); on an edit, left out: "
        "kept as they are, [] removes them all",
    )


class ClubTagOut(BaseModel):
    handle: str
    name: str


class CohostOut(BaseModel):
    username: str
    display_name: str
    state: CohostState


class EventOut(BaseModel):
    id: str
    url: str
    ics_url: str
    title: str
    description: str
    topic: Topic
    language: str
    visibility: Visibility
    record: bool
    state: EventState
    starts_at: datetime = Field(description="UTC")
    ends_at: datetime
    minutes: int
    time_zone: str = Field(description="The host's zone, which the event keeps")
    host: PersonOut
    cohosts: list[CohostOut]
    going: int = Field(description='People who said "notify me"')
    rsvped: bool = Field(description='The viewer said "notify me"')
    mine: bool = Field(description="The viewer is the host")
    invitation: CohostState | None = Field(description="The viewer's co-host invitation")
    room_url: str | None = Field(description="The live room it became, once started")
    club: ClubTagOut | None = Field(None, description="The club whose event it is")

    @staticmethod
    def of(v: EventView, base: str) -> EventOut:
        e = v.event
        return EventOut(
            id=e.id,
            url=f"{base}/e/{e.id}",
            ics_url=f"{base}/e/{e.id}/event.ics",
            title=e.title,
            description=e.description,
            topic=e.topic,
            language=e.language,
            visibility=e.visibility,
            record=e.record,
            state=e.state,
            starts_at=e.starts_at,
            ends_at=e.ends_at,
            minutes=e.minutes,
            time_zone=e.time_zone,
            host=PersonOut.of(v.host),
            cohosts=[
                CohostOut(username=p.username, display_name=p.display_name, state=s)
                for p, s in v.cohosts
            ],
            going=v.going,
            rsvped=v.rsvped,
            mine=v.mine,
            invitation=v.cohost_state,
            room_url=urls.room(base, e.room_id) if e.room_id else None,
            club=ClubTagOut(handle=v.club.handle, name=v.club.name) if v.club else None,
        )


class EventsOut(BaseModel):
    events: list[EventOut]


class RsvpIn(Body):
    going: bool


class NoticeOut(BaseModel):
    id: int
    kind: Kind
    text: str
    url: str
    created_at: datetime
    actor: PersonOut | None
    event_id: str | None
    starts_at: datetime | None
    read: bool

    @staticmethod
    def of(n: Notice) -> NoticeOut:
        return NoticeOut(
            id=n.id,
            kind=n.kind,
            text=n.text,
            url=n.url,
            created_at=n.created_at,
            actor=PersonOut.of(n.actor) if n.actor else None,
            event_id=n.event_id,
            starts_at=n.starts_at,
            read=n.read,
        )


class NoticesOut(BaseModel):
    unread: int
    notices: list[NoticeOut]


class ReadIn(Body):
    ids: Annotated[list[int], Field(max_length=500)] | None = Field(
        None, description="These notices; leave out to mark all read"
    )


class UnreadOut(BaseModel):
    unread: int


class PrefsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prefs: dict[Kind, dict[Channel, bool]] = Field(
        description='Per kind, per channel: {"reminder": {"email": true}}'
    )


class EmailIn(Body):
    email: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True,
                max_length=254,
                # a practical shape (one @, a dot in the domain, no spaces or angle brackets);
                # the confirmation link is what proves it
                pattern=r"^[^@\s<>\"(),;:\\\[\]]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,63}$",
            ),
        ]
        | None
    ) = Field(description="None removes the address")


class EmailOut(BaseModel):
    email: str | None
    verified: bool
    refused: bool = Field(description="The mail server refused it: set it again to retry")
    server_sends_email: bool

    @staticmethod
    def of(c: Contact, enabled: bool) -> EmailOut:
        return EmailOut(
            email=c.email, verified=c.verified, refused=c.refused, server_sends_email=enabled
        )


class CalendarOut(BaseModel):
    url: str = Field(description="Private: whoever has it sees your events. Renew to revoke.")
    webcal_url: str


# ---- clubs ---------------------------------------------------------------------------------


class ClubEditIn(Body):
    name: DisplayName
    description: Annotated[Text, Field(max_length=2000)] = ""
    topic: Topic = Topic.OTHER
    language: Language = "en"
    join: JoinPolicy = Field(JoinPolicy.OPEN, description="open: anyone joins; approval: ask")
    hosting: HostPolicy = Field(
        HostPolicy.MODERATORS, description="Who starts rooms as the club: moderators or members"
    )


class ClubIn(ClubEditIn):
    handle: Handle = Field(description="3-24 letters, digits or underscores; unique")


class ClubOut(BaseModel):
    id: int
    handle: str
    name: str
    description: str
    topic: Topic
    language: str
    join: JoinPolicy
    hosting: HostPolicy
    members: int
    followers: int
    url: str
    avatar_url: str
    cover_url: str | None
    feed_url: str = Field(description="The club's public podcast feed")
    role: ClubRole | None = Field(description="The viewer's role; null: not a member")
    requested: bool = Field(description="The viewer asked to join")
    banned: bool = Field(description="The viewer is banned from the club")
    following: bool
    requests: int = Field(description="Waiting join requests (for those who answer them)")
    may: list[ClubAction] = Field(
        description="What the viewer may do here (to the club, or to a member)"
    )

    @staticmethod
    def of(v: ClubView, base: str) -> ClubOut:
        c = v.club
        avatar = urls.club_image(base, c, "avatar")
        assert avatar is not None
        return ClubOut(
            id=c.id,
            handle=c.handle,
            name=c.name,
            description=c.description,
            topic=c.topic,
            language=c.language,
            join=c.join,
            hosting=c.hosting,
            members=c.members,
            followers=v.followers,
            url=urls.club(base, c.handle),
            avatar_url=avatar,
            cover_url=urls.club_image(base, c, "cover"),
            feed_url=urls.club_feed(base, c.handle),
            role=v.role,
            requested=v.requested,
            banned=v.banned,
            following=v.following,
            requests=v.requests,
            may=[a for a in ClubAction if v.may(a) or v.may_on(a, ClubRole.MEMBER)],
        )


class ClubsOut(BaseModel):
    clubs: list[ClubOut]


class MemberOut(BaseModel):
    username: str
    display_name: str
    role: ClubRole


class MembersOut(BaseModel):
    members: list[MemberOut]
    next: str | None = Field(description="Pass as ?after= for the next page")


class WaitingOut(BaseModel):
    username: str
    display_name: str
    at: datetime


class WaitingListOut(BaseModel):
    people: list[WaitingOut]


class JoinIn(Body):
    invite: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        None, description="The token of an invite link: joins without approval"
    )


class AnswerRequestIn(Body):
    approve: bool


class ClubRoleIn(Body):
    role: ClubRole


class FollowClubIn(Body):
    following: bool


class LinkOut(BaseModel):
    url: str


# ---- search --------------------------------------------------------------------------------


class PieceOut(BaseModel):
    text: str
    mark: bool = Field(description="A word that matched")


class SearchResultOut(BaseModel):
    kind: SearchKind
    title: str
    url: str = Field(description="Where it is; an episode's carries ?t= where it was said")
    subtitle: str
    snippet: list[PieceOut] = Field(description="The matching text, hits marked")
    matched: Literal["title", "text", "said"] = Field(description="Which field matched")
    at: float | None = Field(description="Seconds into the episode where it was said")
    starts_at: datetime | None = Field(description="An event's start (UTC)")

    @staticmethod
    def of(r: SearchResult) -> SearchResultOut:
        return SearchResultOut(
            kind=r.kind,
            title=r.title,
            url=r.url,
            subtitle=r.subtitle,
            snippet=[PieceOut(text=t, mark=m) for t, m in r.snippet],
            matched=("title", "text", "said")[int(r.matched)],
            at=r.at,
            starts_at=r.starts_at,
        )


class SearchOut(BaseModel):
    query: str
    results: list[SearchResultOut]
