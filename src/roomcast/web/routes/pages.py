"""Server-rendered pages. Live data arrives over WebSockets and is rendered by ES modules."""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import available_timezones

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from roomcast.actions import (
    accounts,
    clubs,
    episodes,
    events,
    follows,
    payments,
    rooms,
    safety,
    search,
    tickets,
)
from roomcast.domain import money
from roomcast.domain.clubs import ClubAction
from roomcast.domain.model import Topic, User
from roomcast.domain.notices import KINDS
from roomcast.domain.podcasts import CATEGORIES, Episode, TranscriptStatus
from roomcast.domain.search import MAX_QUERY
from roomcast.domain.updates import HallwaySnapshot, RoomView
from roomcast.errors import NotFound, RoomcastError
from roomcast.web import csrf, urls
from roomcast.web.deps import (
    GUEST_COOKIE,
    Ctx,
    GuestToken,
    Viewer,
    session_token,
    set_csrf,
    viewer,
)
from roomcast.web.schemas import ClubOut, EpisodeOut, MeOut, ShowOut, club_show_out

router = APIRouter(include_in_schema=False)

# Ids and names are URL-safe by construction; anything else is simply not found (a NUL would
# not even reach PostgreSQL). Patterns, not a 422: these are pages people type.
RoomIdPath = Annotated[str, Path(max_length=64)]
_SAFE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
LANGUAGES = (
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("de", "Deutsch"),
    ("pt", "Português"),
    ("it", "Italiano"),
    ("ja", "日本語"),
    ("hi", "हिन्दी"),
    ("ar", "العربية"),
    ("zh", "中文"),
)
ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/")) + ["UTC"]


def _render(
    request: Request, template: str, user: User | None, status: int = 200, **data: Any
) -> Response:
    ctx = request.app.state.ctx
    templates: Jinja2Templates = request.app.state.templates
    me = MeOut.of(user).model_dump(mode="json") if user else None
    response = templates.TemplateResponse(
        request,
        template,
        {
            "me": me,
            "topics": [t.value for t in Topic],
            "languages": LANGUAGES,
            "base_url": ctx.settings.base_url,
            "payments_on": ctx.payments is not None,
            "ice_servers": ctx.settings.ice_servers,
            **data,
        },
        status_code=status,
    )
    token = request.cookies.get(csrf.COOKIE)
    if not csrf.valid(ctx.settings.secret, token, session_token(request)):
        set_csrf(response, ctx, session_token(request))
    if GUEST_COOKIE not in request.cookies:
        response.set_cookie(
            GUEST_COOKIE,
            secrets.token_urlsafe(12),
            max_age=365 * 86400,
            httponly=True,
            samesite="lax",
            secure=ctx.settings.secure_cookies,
        )
    return response


async def render_message(
    request: Request, status: int, title: str, message: str, **data: Any
) -> Response:
    """A page that says one thing (links from emails land on these)."""
    user = await viewer(request)
    return _render(request, "message.html", user, status, title=title, message=message, **data)


def _not_found(request: Request, user: User | None, what: str) -> Response:
    return _render(request, "message.html", user, 404, title="Not found", message=what)


async def unknown_page(request: Request) -> Response:
    """A page URL nobody serves: the styled 404 (the API's own 404s stay JSON)."""
    return _not_found(request, await viewer(request), "There is no page at this address.")


@router.get("/", response_class=HTMLResponse)
async def hallway_page(request: Request, user: Viewer, ctx: Ctx) -> Response:
    """The front door: live rooms (live, from the page's socket; the viewer's followed
    people first), upcoming events of the week (theirs first) and the latest episodes."""
    latest = await episodes.latest(ctx, 8)
    upcoming, _ = await events.upcoming_for(ctx, user, limit=12)
    ranked, mine = await rooms.ranked_hallway(ctx, user)
    return _render(
        request,
        "hallway.html",
        user,
        title="Hallway",
        latest=latest,
        upcoming=upcoming,
        interests={
            "followed": sorted(mine.followed),
            "clubs": sorted(mine.clubs),
            "topics": sorted(t.value for t in mine.topics),
        },
        trending=await rooms.trending(ctx, user, 5, HallwaySnapshot(ranked)),
        when=_when(user),
        selling=await _selling(ctx, user) if user else None,
    )


def _when(viewer: User | None) -> Any:
    """How a page writes a time before the browser rewrites it in the reader's zone: in
    the viewer's zone when signed in, else in the event's own."""

    def when(at: Any, tz: str) -> str:
        return events.when(at, viewer.time_zone if viewer else tz)

    return when


@router.get("/notifications", response_class=HTMLResponse)
async def notifications_page(request: Request, user: Viewer, ctx: Ctx) -> Response:
    if user is None:
        return RedirectResponse("/login?next=/notifications", status_code=303)
    unread, found = await accounts.notices_of(ctx, user)
    return _render(
        request,
        "notifications.html",
        user,
        title="Notifications",
        notices=found,
        unread=unread,
        when=_when(user),
    )


@router.get("/events/new", response_class=HTMLResponse)
async def new_event_page(request: Request, user: Viewer, ctx: Ctx, club: str = "") -> Response:
    if user is None:
        return RedirectResponse("/login?next=/events/new", status_code=303)
    as_club = None
    if club and _SAFE_ID.fullmatch(club):
        try:
            as_club = (await clubs.view(ctx, club, user)).club
        except RoomcastError:
            as_club = None
    return _render(
        request,
        "event_form.html",
        user,
        title="Schedule a room",
        event=None,
        cohosts="",
        zones=ZONES,
        as_club=as_club,
        selling=await _selling(ctx, user),
    )


async def _selling(ctx: Ctx, user: User) -> dict[str, Any]:
    """What a form needs to offer tickets: may this person sell, in which currency."""
    account = await payments.account_of(ctx, user) if ctx.payments else None
    return {
        "provider": ctx.settings.payment_provider,
        "ready": bool(account and account.ready),
        "currency": account.currency if account else "usd",
        "currencies": [(c.code, c.exponent) for c in money.CURRENCIES.values()],
    }


def _event_id(event_id: str) -> str:
    if not _SAFE_ID.fullmatch(event_id):
        raise NotFound("No such event.")
    return event_id


@router.get("/e/{event_id}", response_class=HTMLResponse)
async def event_page(request: Request, event_id: RoomIdPath, user: Viewer, ctx: Ctx) -> Response:
    try:
        view = await events.view(ctx, _event_id(event_id), user)
        host = await accounts.profile(ctx, view.host.username)
    except RoomcastError:
        return _not_found(request, user, "This event does not exist, or its link is wrong.")
    standing = await follows.standing(ctx, host, user)
    return _render(
        request,
        "event.html",
        user,
        sale=await tickets.sale_of(ctx, user, event_id=view.event.id),
        title=view.event.title,
        v=view,
        e=view.event,
        share_url=f"{ctx.settings.base_url}/e/{view.event.id}",
        host_when=events.when(view.event.starts_at, view.event.time_zone),
        when=_when(user),
        you_follow=standing.you_follow,
        google_url=_google_calendar(ctx.settings.base_url, view),
    )


def _google_calendar(base: str, view: events.EventView) -> str:
    e = view.event
    stamp = "%Y%m%dT%H%M%SZ"
    query = {
        "action": "TEMPLATE",
        "text": e.title,
        "dates": f"{e.starts_at.strftime(stamp)}/{e.ends_at.strftime(stamp)}",
        "details": f"Live audio with {view.host.display_name}: {base}/e/{e.id}",
        "location": f"{base}/e/{e.id}",
        "ctz": e.time_zone,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)


@router.get("/e/{event_id}/edit", response_class=HTMLResponse)
async def edit_event_page(
    request: Request, event_id: RoomIdPath, user: Viewer, ctx: Ctx
) -> Response:
    if user is None:
        return RedirectResponse(f"/login?next=/e/{quote(event_id)}/edit", status_code=303)
    try:
        view = await events.view(ctx, _event_id(event_id), user)
    except RoomcastError:
        return _not_found(request, user, "This event does not exist.")
    if not view.mine:
        return _not_found(request, user, "Only the event's host can edit it.")
    local = view.event.local().replace(tzinfo=None).isoformat(timespec="minutes")
    return _render(
        request,
        "event_form.html",
        user,
        title=f"Edit {view.event.title}",
        event=view.event,
        local=local,
        cohosts=", ".join(p.username for p, _ in view.cohosts),
        zones=ZONES,
        as_club=view.club,
    )


@router.get("/u/{username}/{which}", response_class=HTMLResponse)
async def people_page(
    request: Request,
    username: Annotated[str, Path(max_length=32)],
    which: Annotated[str, Path(max_length=12)],
    user: Viewer,
    ctx: Ctx,
) -> Response:
    if which not in ("followers", "following"):
        return _not_found(request, user, "There is no page at this address.")
    try:
        person = await accounts.profile(ctx, username)
        listed = await (follows.followers if which == "followers" else follows.following)(
            ctx, username
        )
    except RoomcastError:
        return _not_found(request, user, "There is nobody by that name here.")
    title = f"{'Followers of' if which == 'followers' else 'Followed by'} {person.display_name}"
    return _render(
        request, "people.html", user, title=title, person=person, people=listed, which=which
    )


@router.get("/docs", response_class=HTMLResponse)
async def api_docs(request: Request) -> Response:
    """The API reference (Swagger UI, vendored: same origin, under the CSP)."""
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, "docs.html", {})


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, user: Viewer) -> Response:
    if user is not None:
        return RedirectResponse("/", status_code=303)
    return _render(request, "auth.html", user, title="Sign in", mode="login")


@router.get("/signup", response_class=HTMLResponse)
async def signup_page(request: Request, user: Viewer) -> Response:
    if user is not None:
        return RedirectResponse("/", status_code=303)
    return _render(request, "auth.html", user, title="Create your account", mode="signup")


@router.get("/settings", response_class=HTMLResponse)
async def settings_page(request: Request, user: Viewer, ctx: Ctx) -> Response:
    if user is None:
        return RedirectResponse("/login?next=/settings", status_code=303)
    return _render(
        request,
        "settings.html",
        user,
        title="Settings",
        zones=ZONES,
        contact=await accounts.contact(ctx, user),
        prefs=(await accounts.prefs(ctx, user)).table(),
        kinds=[(k.value, label) for k, (label, _) in KINDS.items()],
        sends_email=bool(ctx.settings.smtp_host),
        liked=sorted(t.value for t in await accounts.topics(ctx, user)),
    )


@router.get("/admin", response_class=HTMLResponse)
async def admin_page(request: Request, user: Viewer) -> Response:
    if user is None:
        return RedirectResponse("/login?next=/admin", status_code=303)
    if not user.is_admin:
        return _not_found(request, user, "There is nothing here.")
    return _render(request, "admin.html", user, title="Reports")


@router.get("/u/{username}", response_class=HTMLResponse)
async def profile_page(
    request: Request, username: Annotated[str, Path(max_length=32)], user: Viewer, ctx: Ctx
) -> Response:
    try:
        person = await accounts.profile(ctx, username)
    except RoomcastError:
        return _not_found(request, user, "There is nobody by that name here.")
    hosted = [r for r in await rooms.rooms_hosted_by(ctx, person) if r.visibility.value == "open"]
    standing = await follows.standing(ctx, person, user)
    coming = await events.hosted_by(ctx, person, user)
    blocked = user is not None and await safety.has_blocked(ctx, user, person)
    # past rooms lead to their replays (those this viewer may play)
    replays = {e.room_id: e for e in await episodes.episodes_of(ctx, person, user) if e.is_ready}
    return _render(
        request,
        "profile.html",
        user,
        title=person.display_name,
        person=person,
        hosted=hosted[:20],
        replays=replays,
        blocked=blocked,
        standing=standing,
        coming=coming,
        when=_when(user),
    )


STATUS_LABEL = {
    "processing": "Being made",
    "published": "Published",
    "unpublished": "Unpublished",
    "failed": "Failed",
}


def _transcript_note(episode: Episode) -> str:
    match episode.transcript:
        case TranscriptStatus.READY:
            return "Captions come from an automatic transcript; expect some mistakes."
        case TranscriptStatus.PENDING:
            return "The transcript is being made; captions appear here when it is ready."
        case TranscriptStatus.UNSUPPORTED:
            return (
                "No transcript: the speech-to-text engine on this server does not support "
                f"this room's language ({episode.language})."
            )
        case TranscriptStatus.FAILED:
            return "The transcript could not be made."


@router.get("/shows/{username}", response_class=HTMLResponse)
async def show_page(
    request: Request, username: Annotated[str, Path(max_length=32)], user: Viewer, ctx: Ctx
) -> Response:
    try:
        host, show = await episodes.show_of(ctx, username)
    except RoomcastError:
        return _not_found(request, user, "There is no show by that name here.")
    base = ctx.settings.base_url
    return _render(
        request,
        "show.html",
        user,
        title=show.title,
        host=host,
        show=ShowOut.of(show, host.username, base),
        has_artwork=show.artwork is not None,
        episodes=await episodes.episodes_of(ctx, host, user),
        mine=user is not None and user.id == host.id,
        categories=CATEGORIES,
        status_label=STATUS_LABEL,
    )


@router.get("/episodes/{episode_id}", response_class=HTMLResponse)
async def episode_page(
    request: Request, episode_id: Annotated[str, Path(max_length=24)], user: Viewer, ctx: Ctx
) -> Response:
    try:
        if not _SAFE_ID.fullmatch(episode_id):
            raise NotFound("No such episode.")
        found, host, show, club = await episodes.episode_with_show(ctx, episode_id, user)
    except RoomcastError as e:
        if e.code == "sign_in_required":
            return RedirectResponse(f"/login?next=/episodes/{quote(episode_id)}", status_code=303)
        if e.code == "ticket_required":  # a paid replay: the ticket box, where it still sells
            sale = await tickets.sale_of_episode(ctx, user, episode_id)
            if sale is not None:
                return _render(
                    request,
                    "sale_page.html",
                    user,
                    402,
                    title=sale.title,
                    sale=sale,
                    message="This replay is for ticket holders.",
                )
        if e.http_status == 403:
            return _render(
                request, "message.html", user, 403, title="Members only", message=e.message
            )
        return _not_found(request, user, "This episode does not exist, or is not published.")
    base = ctx.settings.base_url
    out = EpisodeOut.of(found, base)
    standing = await follows.standing(ctx, host, user)
    return _render(
        request,
        "episode.html",
        user,
        title=found.title,
        e=found,
        host=host,
        show=club_show_out(club, show, base) if club else ShowOut.of(show, host.username, base),
        club=club,
        mine=user is not None and user.id == found.user_id,
        audio_url=out.audio_url,
        chapters_url=out.chapters_url,
        vtt_url=out.transcript_vtt_url,
        transcript_ready=found.transcript is TranscriptStatus.READY,
        transcript_note=_transcript_note(found),
        you_follow=standing.you_follow,
    )


@router.get("/r/{room_id}", response_class=HTMLResponse)
async def room_page(
    request: Request, room_id: RoomIdPath, user: Viewer, guest: GuestToken, ctx: Ctx
) -> Response:
    try:
        if not _SAFE_ID.fullmatch(room_id):
            raise NotFound("No such room.")
        snap = await rooms.snapshot(ctx, room_id, user, guest)
    except RoomcastError as e:
        if e.code == "sign_in_required":
            return RedirectResponse(f"/login?next=/r/{quote(room_id)}", status_code=303)
        if e.code == "ticket_required":  # no ticket, no audio: the ticket box instead
            sale = await tickets.sale_of(ctx, user, room_id=room_id)
            if sale is not None:
                return _render(
                    request,
                    "sale_page.html",
                    user,
                    402,
                    title=sale.title,
                    sale=sale,
                    message="This room needs a ticket.",
                )
        if e.http_status == 403:
            return _render(
                request, "message.html", user, 403, title="You cannot join", message=e.message
            )
        return _not_found(request, user, "This room does not exist, or its link is wrong.")
    return _render(
        request,
        "room.html",
        user,
        title=snap.room.title,
        room=snap.room,
        share_url=urls.room(ctx.settings.base_url, snap.room.id),
        sale_id=await _sale_id(ctx, user, snap.room),
    )


async def _sale_id(ctx: Ctx, user: User | None, room: RoomView) -> int | None:
    """A ticketed room's sale, for its host's link to the sales page."""
    if not room.ticketed or user is None or user.id != room.host.id:
        return None
    found = await tickets.sale_of(ctx, user, room_id=room.id)
    return found.sale.id if found else None


# ---- clubs ----

HandlePath = Annotated[str, Path(max_length=32)]


@router.get("/clubs", response_class=HTMLResponse)
async def clubs_page(request: Request, user: Viewer, ctx: Ctx, topic: str = "") -> Response:
    chosen = Topic(topic) if topic in {t.value for t in Topic} else None
    return _render(
        request,
        "clubs.html",
        user,
        title="Clubs",
        mine=await clubs.mine(ctx, user) if user else [],
        listed=await clubs.listed(ctx, chosen),
        topic=chosen.value if chosen else "",
    )


@router.get("/clubs/new", response_class=HTMLResponse)
async def new_club_page(request: Request, user: Viewer) -> Response:
    if user is None:
        return RedirectResponse("/login?next=/clubs/new", status_code=303)
    return _render(request, "club_form.html", user, title="Create a club")


@router.get("/c/{handle}", response_class=HTMLResponse)
async def club_page(
    request: Request, handle: HandlePath, user: Viewer, ctx: Ctx, invite: str = ""
) -> Response:
    try:
        if not _SAFE_ID.fullmatch(handle):
            raise NotFound("No such club.")
        v = await clubs.view(ctx, handle, user)
    except RoomcastError:
        return _not_found(request, user, "There is no club by that name here.")
    club = v.club
    base = ctx.settings.base_url
    return _render(
        request,
        "club.html",
        user,
        title=club.name,
        v=v,
        club=club,
        out=ClubOut.of(v, base),
        invite=invite[:64] if invite and v.role is None else "",
        may_host=user is not None and v.may(ClubAction.HOST) and not v.banned,
        live=await rooms.live_of_club(ctx, club, user),
        coming=await events.of_club(ctx, club, user),
        episodes=await episodes.episodes_of_club(ctx, club, user),
        members=await clubs.members(ctx, handle, limit=12),
        when=_when(user),
        selling=await _selling(ctx, user) if user else None,
    )


@router.get("/c/{handle}/members", response_class=HTMLResponse)
async def club_members_page(
    request: Request, handle: HandlePath, user: Viewer, ctx: Ctx, after: str = ""
) -> Response:
    try:
        if not _SAFE_ID.fullmatch(handle):
            raise NotFound("No such club.")
        v = await clubs.view(ctx, handle, user)
        rank, _, last = after.partition("-")
        start = (int(rank), int(last)) if rank.isdigit() and last.isdigit() else None
        members = await clubs.members(ctx, handle, start, 100)
    except RoomcastError:
        return _not_found(request, user, "There is no club by that name here.")
    runs = user is not None and v.may(ClubAction.APPROVE)  # admins and moderators
    order = {"admin": 0, "moderator": 1, "member": 2}
    last_one = members[-1] if len(members) >= 100 else None
    return _render(
        request,
        "club_members.html",
        user,
        title=f"Members of {v.club.name}",
        v=v,
        club=v.club,
        members=members,
        next=f"{order[last_one[1].value]}-{last_one[0].id}" if last_one else "",
        waiting=await clubs.requests(ctx, user, handle) if runs and user else None,
        bans=await clubs.bans(ctx, user, handle) if runs and user else None,
        invite_url=await clubs.invite(ctx, user, handle) if runs and user else "",
    )


@router.get("/topics/{topic}", response_class=HTMLResponse)
async def topic_page(
    request: Request,
    topic: Annotated[str, Path(max_length=16)],
    user: Viewer,
    ctx: Ctx,
    lang: str = "",
) -> Response:
    """A topic: its live rooms (ranked as the hallway ranks them), upcoming events and
    recent episodes, in one language if asked."""
    if topic not in {t.value for t in Topic}:
        return _not_found(request, user, "There is no such topic.")
    chosen = Topic(topic)
    language = lang if lang in {code for code, _ in LANGUAGES} else None
    ranked, _ = await rooms.ranked_hallway(ctx, user)
    live = [r for r in ranked if r.topic is chosen and (language is None or r.language == language)]
    return _render(
        request,
        "topic.html",
        user,
        title=chosen.value.capitalize(),
        topic=chosen.value,
        lang=language or "",
        live=live,
        upcoming=await events.of_topic(ctx, user, chosen, language),
        latest=await episodes.latest(ctx, 12, chosen, language),
        clubs=await clubs.listed(ctx, chosen, limit=8),
        when=_when(user),
    )


KIND_LABEL = {
    "room": "Live room",
    "event": "Upcoming",
    "person": "Person",
    "club": "Club",
    "episode": "Episode",
}


def _clock(seconds: float) -> str:
    s = max(0, int(seconds))
    return (
        f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


@router.get("/search", response_class=HTMLResponse)
async def search_page(request: Request, user: Viewer, ctx: Ctx, q: str = "") -> Response:
    error = ""
    results: list[search.Result] = []
    if len(q) > MAX_QUERY:
        error = f"Search for at most {MAX_QUERY} characters."
    elif q.strip():
        results = await search.search(ctx, user, q)
    return _render(
        request,
        "search.html",
        user,
        title=f"{q} · Search" if q else "Search",
        q=q[:MAX_QUERY],
        results=results,
        error=error,
        kind_label=KIND_LABEL,
        clock=_clock,
        when=_when(user),
    )
