"""Search: keeping the index in step with what it finds (called inside the unit of work
that changes the thing, so the index never disagrees with a commit), and answering a query
for a viewer, with only what they may see."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from roomcast.actions.context import Context
from roomcast.actions.paths import episode_folder
from roomcast.domain import captions
from roomcast.domain import search as rules
from roomcast.domain.captions import Cue
from roomcast.domain.clubs import Club
from roomcast.domain.events import Event
from roomcast.domain.model import PublicUser, Room, RoomId, User, UserId, Visibility
from roomcast.domain.podcasts import Episode
from roomcast.domain.search import Doc, Field, Kind, Snippet
from roomcast.store import UnitOfWork

logger = logging.getLogger(__name__)


# ---- keeping the index ------------------------------------------------------------------


async def person(uow: UnitOfWork, user: User) -> None:
    if user.suspended:
        await uow.search.drop(Kind.PERSON, str(user.id))
        return
    ref, who = str(user.id), user.id
    title = f"{user.display_name} @{user.username}"
    docs = [Doc(Kind.PERSON, ref, Field.TITLE, title, owner_id=who)]
    if user.bio.strip():
        docs.append(Doc(Kind.PERSON, ref, Field.TEXT, user.bio, owner_id=who))
    await uow.search.put(docs, (Field.TITLE, Field.TEXT))


async def club(uow: UnitOfWork, c: Club) -> None:
    ref = str(c.id)
    if c.deleted:
        await uow.search.drop(Kind.CLUB, ref)
        return
    docs = [Doc(Kind.CLUB, ref, Field.TITLE, f"{c.name} @{c.handle}", c.language, club_id=c.id)]
    if c.description.strip():
        docs.append(Doc(Kind.CLUB, ref, Field.TEXT, c.description, c.language, club_id=c.id))
    await uow.search.put(docs, (Field.TITLE, Field.TEXT))


def _titled(
    kind: Kind,
    ref: str,
    title: str,
    text: str,
    language: str,
    owner: int,
    club_id: int | None,
    members_only: bool,
    hidden: bool = False,
) -> list[Doc]:
    return [
        Doc(kind, ref, f, body, language, None, (), owner, club_id, members_only, hidden)
        for f, body in ((Field.TITLE, title), (Field.TEXT, text))
        if body.strip()
    ]


async def room(uow: UnitOfWork, r: Room) -> None:
    """A live room is found until it ends; a link-only one never is."""
    if not r.is_live or r.visibility is Visibility.LINK:
        await uow.search.drop(Kind.ROOM, r.id)
        return
    members = r.visibility is Visibility.MEMBERS
    docs = _titled(
        Kind.ROOM, r.id, r.title, r.description, r.language, r.host_id, r.club_id, members
    )
    await uow.search.put(docs, (Field.TITLE, Field.TEXT))


async def event(uow: UnitOfWork, e: Event) -> None:
    """A scheduled event is found until it starts, is cancelled or expires."""
    if not e.is_upcoming or e.visibility is Visibility.LINK:
        await uow.search.drop(Kind.EVENT, e.id)
        return
    members = e.visibility is Visibility.MEMBERS
    docs = _titled(
        Kind.EVENT, e.id, e.title, e.description, e.language, e.host_id, e.club_id, members
    )
    await uow.search.put(docs, (Field.TITLE, Field.TEXT))


async def episode(uow: UnitOfWork, ep: Episode) -> None:
    """An episode's title and notes (found once published; what was said stays indexed
    while it is unpublished, hidden)."""
    hidden = _hidden(ep)
    docs = _titled(
        Kind.EPISODE,
        ep.id,
        ep.title,
        ep.notes,
        ep.language,
        ep.user_id,
        ep.club_id,
        ep.members_only,
        hidden,
    )
    await uow.search.put(docs, (Field.TITLE, Field.TEXT))
    await uow.search.set_hidden(Kind.EPISODE, ep.id, hidden)


def _hidden(ep: Episode) -> bool:
    """Found by nobody: unpublished, or a ticketed room's replay (for its buyers alone)."""
    return not ep.is_public or ep.sale_id is not None


async def said(uow: UnitOfWork, ep: Episode, cues: Sequence[Cue]) -> None:
    """What was said in an episode, caption by caption, each with its words' times."""
    docs = [
        Doc(
            Kind.EPISODE,
            ep.id,
            Field.SAID,
            c.text,
            ep.language,
            start=c.start,
            times=c.times,
            owner_id=ep.user_id,
            club_id=ep.club_id,
            members_only=ep.members_only,
            hidden=_hidden(ep),
        )
        for c in cues
        if c.text.strip()
    ]
    await uow.search.drop(Kind.EPISODE, ep.id, (Field.SAID,))
    if docs:
        await uow.search.put(docs, (Field.SAID,))


async def forget(uow: UnitOfWork, kind: Kind, ref: str) -> None:
    await uow.search.drop(kind, ref)


# ---- answering ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Result:
    kind: Kind
    title: str
    url: str  # a path on this server
    snippet: Snippet
    matched: Field  # where it matched
    subtitle: str = ""  # whose, when
    at: float | None = None  # where in the episode it was said (seconds)
    starts_at: datetime | None = None  # an event's start


PAGE = 20


async def search(
    ctx: Context, viewer: User | None, text: str, kinds: Sequence[Kind] | None = None
) -> list[Result]:
    query = rules.parse(text)
    if query.empty:
        return []
    async with ctx.transaction() as uow:
        clubs = list(await uow.clubs.clubs_of(viewer.id)) if viewer else []
        hidden = sorted(await uow.users.blocked_either_way(viewer.id)) if viewer else []
        matches = await uow.search.match(
            query, kinds=list(kinds or Kind), clubs=clubs, hidden_owners=hidden
        )
        best = rules.best_per_thing(matches, PAGE * 2)  # some may be gone since indexed
        whole = [m.doc_id for m in best if m.field is Field.SAID]
        marked = await uow.search.snippets(query, whole, said=True)
        marked |= await uow.search.snippets(
            query, [m.doc_id for m in best if m.field is not Field.SAID]
        )
        things = await _things(uow, best)
    results = []
    for m in best:
        found = _result(m, marked.get(m.doc_id, ""), things, set(clubs))
        if found is not None:
            results.append(found)
        if len(results) >= PAGE:
            break
    return results


@dataclass(frozen=True, slots=True)
class _Things:
    """What the matches are of, loaded in one query per kind."""

    rooms: dict[RoomId, Room]
    events: dict[str, Event]
    people: dict[UserId, User]
    clubs: dict[int, Club]
    episodes: dict[str, Episode]
    hosts: dict[UserId, PublicUser]


async def _things(uow: UnitOfWork, matches: Sequence[rules.Match]) -> _Things:
    refs: dict[Kind, list[str]] = {k: [] for k in Kind}
    for m in matches:
        refs[m.kind].append(m.ref)
    rooms = await uow.rooms.many(refs[Kind.ROOM])
    events = await uow.events.many(refs[Kind.EVENT])
    people = await uow.users.many(UserId(int(r)) for r in refs[Kind.PERSON] if r.isdigit())
    clubs = await uow.clubs.many(int(r) for r in refs[Kind.CLUB] if r.isdigit())
    episodes = await uow.episodes.many(refs[Kind.EPISODE])
    owners = [r.host_id for r in rooms.values()] + [e.host_id for e in events.values()]
    owners += [e.user_id for e in episodes.values()]
    return _Things(rooms, events, people, clubs, episodes, await uow.users.public(owners))


def _result(m: rules.Match, marked: str, things: _Things, clubs: set[int]) -> Result | None:
    """The thing a match is of, as its result, if it is still there to be found (the index
    is kept in step, but a result is checked against the thing itself anyway)."""
    pieces = rules.snippet(marked)
    match m.kind:
        case Kind.ROOM:
            r = things.rooms.get(RoomId(m.ref))
            if r is None or not r.is_live or r.visibility is Visibility.LINK:
                return None
            if r.visibility is Visibility.MEMBERS and r.club_id not in clubs:
                return None
            host = things.hosts.get(r.host_id)
            return Result(Kind.ROOM, r.title, f"/r/{r.id}", pieces, m.field, _name(host, "live"))
        case Kind.EVENT:
            e = things.events.get(m.ref)
            if e is None or not e.is_upcoming or e.visibility is Visibility.LINK:
                return None
            if e.visibility is Visibility.MEMBERS and e.club_id not in clubs:
                return None
            host = things.hosts.get(e.host_id)
            return Result(
                Kind.EVENT,
                e.title,
                f"/e/{e.id}",
                pieces,
                m.field,
                _name(host, "upcoming"),
                starts_at=e.starts_at,
            )
        case Kind.PERSON:
            u = things.people.get(UserId(int(m.ref))) if m.ref.isdigit() else None
            if u is None or u.suspended:
                return None
            return Result(
                Kind.PERSON, u.display_name, f"/u/{u.username}", pieces, m.field, f"@{u.username}"
            )
        case Kind.CLUB:
            c = things.clubs.get(int(m.ref)) if m.ref.isdigit() else None
            if c is None or c.deleted:
                return None
            return Result(
                Kind.CLUB, c.name, f"/c/{c.handle}", pieces, m.field, f"@{c.handle} · club"
            )
        case Kind.EPISODE:
            ep = things.episodes.get(m.ref)
            if ep is None or _hidden(ep):
                return None
            if ep.members_only and ep.club_id not in clubs:
                return None
            host = things.hosts.get(ep.user_id)
            at = None
            url = f"/episodes/{ep.id}"
            if m.field is Field.SAID and m.start is not None:
                at = rules.said_at(marked, m.start, m.times)
                url += f"?t={at:.1f}"
            return Result(Kind.EPISODE, ep.title, url, pieces, m.field, _name(host, "episode"), at)
    return None  # pragma: no cover - every kind is matched above


def _name(host: object, what: str) -> str:
    name = getattr(host, "display_name", "")
    return f"{name} · {what}" if name else what


async def reindex(ctx: Context) -> int:
    """Build the whole index again from what is stored (an operator's repair, and for
    data from before search): people, clubs, live rooms, upcoming events, episodes and
    the transcripts on disk. Returns the number of documents."""
    async with ctx.transaction() as uow:
        for kind in Kind:
            await uow.search.drop_kind(kind)
        for user in await uow.users.all_people():
            await person(uow, user)
        for c in await uow.clubs.listed(limit=1_000_000):
            await club(uow, c)
        for r in await uow.rooms.live():
            await room(uow, r)
        for e in await uow.events.all_upcoming():
            await event(uow, e)
        ready = await uow.episodes.all_ready()
    for ep in ready:
        vtt = episode_folder(ctx, ep.id) / "transcript.vtt"
        try:
            cues = captions.read_webvtt(await asyncio.to_thread(vtt.read_text))
        except OSError:  # no transcript (yet, or for this language)
            cues = []
        async with ctx.transaction() as uow:
            await episode(uow, ep)
            await said(uow, ep, cues)
    async with ctx.transaction() as uow:
        count = await uow.search.count()
    logger.info("search index rebuilt: %d documents", count)
    return count
