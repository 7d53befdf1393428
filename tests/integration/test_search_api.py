"""Search over the real API on SQLite (FTS5) and PostgreSQL (tsvector): the same relevance
cases on both, and nothing found that the viewer may not see."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from typing import Any

import pytest

from roomcast.actions import search as index
from roomcast.domain.captions import Cue
from roomcast.domain.model import RoomId, UserId
from roomcast.domain.podcasts import Episode, EpisodeStatus, TranscriptStatus
from roomcast.store.tables import EpisodeRow, RoomRow
from tests.integration.test_clubs_api import make_club
from tests.integration.test_events_api import _open, local_in, people
from tests.live_server import Client, LiveServer

T = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
async def _close() -> Any:
    yield
    while _open:
        await _open.pop().__aexit__()


async def episode(
    server: LiveServer,
    host: Client,
    title: str,
    notes: str = "",
    said: list[str] = (),  # type: ignore[assignment]
    *,
    language: str = "en",
    published: bool = True,
    club_id: int | None = None,
    members_only: bool = False,
) -> str:
    """An episode as post-production leaves it (row and files aside): stored, then
    indexed by the same calls the production lane makes."""
    eid, rid = secrets.token_urlsafe(6), secrets.token_urlsafe(6)
    status = EpisodeStatus.PUBLISHED if published else EpisodeStatus.UNPUBLISHED
    ep = Episode(
        id=eid,
        room_id=RoomId(rid),
        user_id=UserId(host.user_id),
        title=title,
        notes=notes,
        language=language,
        status=status,
        created_at=T,
        updated_at=T,
        published_at=T if published else None,
        duration=60.0,
        transcript=TranscriptStatus.READY,
        club_id=club_id,
        members_only=members_only,
    )
    async with server.ctx.store.unit_of_work() as uow:
        uow.session.add(
            RoomRow(
                id=rid,
                host_id=host.user_id,
                title=title,
                description="",
                topic="other",
                language=language,
                visibility="members" if members_only else "open",
                state="ended",
                created_at=T,
                ended_at=T,
                club_id=club_id,
            )
        )
        await uow.session.flush()
        await uow.episodes.add(ep)
        await index.episode(uow, ep)
        cues = []
        for i, line in enumerate(said):
            words = line.split()
            times = tuple(round(10.0 * i + 0.5 * k, 2) for k in range(len(words)))
            cues.append(Cue(10.0 * i, 10.0 * i + 5, None, line, times))
        await index.said(uow, ep, cues)
    assert await uow_count(server, EpisodeRow) >= 1
    return eid


async def uow_count(server: LiveServer, row: type[Any]) -> int:
    from sqlalchemy import func, select

    async with server.ctx.store.unit_of_work() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(row)) or 0)


async def find(c: Client, q: str, **params: Any) -> list[dict[str, Any]]:
    r = await c.get("/api/search", params={"q": q, **params})
    assert r.status_code == 200, (q, r.text)
    found: list[dict[str, Any]] = r.json()["results"]
    return found


def titles(results: list[dict[str, Any]]) -> list[str]:
    return [r["title"] for r in results]


async def test_relevance(server: LiveServer) -> None:
    (maya,) = await people(server, "maya")
    await episode(server, maya, "Pressing and tactics", "Tonight's match.")
    await episode(server, maya, "Saturday's derby", "We break down the tactics of both sides.")
    await episode(
        server,
        maya,
        "A long chat",
        "About everything.",
        ["we spoke about the weather", "then tactics came up at last", "and the weather again"],
    )
    # title beats description beats what was said; each result says where it matched
    found = await find(maya, "tactics")
    assert titles(found) == ["Pressing and tactics", "Saturday's derby", "A long chat"]
    assert [r["matched"] for r in found] == ["title", "text", "said"]
    # highlighted, as pieces of text; what was said links to the moment it was said
    said = found[2]
    assert [p["text"] for p in said["snippet"] if p["mark"]] == ["tactics"]
    assert "".join(p["text"] for p in said["snippet"]) == "then tactics came up at last"
    assert said["at"] == 10.5 and said["url"].endswith("?t=10.5")  # the second word of cue 2
    # a star asks for a prefix (in titles and texts); a phrase in quotes is a phrase
    assert titles(await find(maya, "tact*")) == titles(found)[:2]
    assert await find(maya, "tact") == []
    assert titles(await find(maya, '"weather again"')) == ["A long chat"]
    assert await find(maya, '"again weather"') == []


async def test_stemming_is_english_and_accents_fold(server: LiveServer) -> None:
    (maya,) = await people(server, "maya")
    await episode(server, maya, "She runs the show", language="en")
    await episode(server, maya, "Il runs encore", language="fr")  # an anglicism, in French
    await episode(server, maya, "Café crème", language="fr")
    await episode(server, maya, "Résumé tips", language="en")
    # English is stemmed: "running" finds "runs" in English, not in French
    assert titles(await find(maya, "running")) == ["She runs the show"]
    assert sorted(titles(await find(maya, "runs"))) == ["Il runs encore", "She runs the show"]
    # accents fold either way, in any language
    assert titles(await find(maya, "cafe creme")) == ["Café crème"]
    assert titles(await find(maya, "CAFÉ")) == ["Café crème"]
    assert titles(await find(maya, "resume")) == ["Résumé tips"]
    assert titles(await find(maya, "résumé")) == ["Résumé tips"]


async def test_everything_is_found_and_nothing_leaks(server: LiveServer) -> None:
    maya, sam, eve, out = await people(server, "maya", "sam", "eve", "out")
    r = await maya.patch("/api/me", {"display_name": "Maya Quintero", "bio": "Ornithology nerd"})
    assert r.status_code == 200, r.text
    club = await make_club(maya, "birders", description="Ornithology walks at dawn")
    await sam.post("/api/clubs/birders/join", {})
    room = (await maya.start_room("Ornithology live", description="birds"))["room"]
    await maya.start_room("Ornithology secret", visibility="link")
    await maya.start_room("Ornithology members", club="birders", visibility="members")
    r = await maya.post(
        "/api/events",
        {
            "title": "Ornithology at dawn",
            "starts_at": local_in("UTC", __import__("datetime").timedelta(days=1)),
        },
    )
    assert r.status_code == 201, r.text
    await episode(server, maya, "Ornithology episode")
    await episode(server, maya, "Ornithology draft", published=False)
    await episode(server, maya, "Ornithology for members", club_id=club["id"], members_only=True)
    kinds = lambda rs: sorted((r["kind"], r["title"]) for r in rs)  # noqa: E731
    assert kinds(await find(sam, "ornithology")) == [
        ("club", "Birders"),
        ("episode", "Ornithology episode"),
        ("episode", "Ornithology for members"),
        ("event", "Ornithology at dawn"),
        ("person", "Maya Quintero"),
        ("room", "Ornithology live"),
        ("room", "Ornithology members"),
    ]
    # not a member: no members-only room or episode; a guest the same; never a link-only
    # room or an unpublished episode
    public = [
        ("club", "Birders"),
        ("episode", "Ornithology episode"),
        ("event", "Ornithology at dawn"),
        ("person", "Maya Quintero"),
        ("room", "Ornithology live"),
    ]
    assert kinds(await find(out, "ornithology")) == public
    async with Client(server) as guest:
        assert kinds(await find(guest, "ornithology")) == public
    # by kind
    assert kinds(await find(out, "ornithology", kind="episode")) == [
        ("episode", "Ornithology episode")
    ]
    # blocked either way: none of maya's things, nor maya
    assert (await maya.post("/api/users/eve/block")).status_code == 200
    assert kinds(await find(eve, "ornithology")) == [("club", "Birders")]
    # gone from the index as it goes: a room ends, an event is cancelled, a club deleted
    await maya.post(f"/api/rooms/{room['id']}/end")
    await maya.delete("/api/clubs/birders")
    assert ("room", "Ornithology live") not in kinds(await find(out, "ornithology"))
    assert ("club", "Birders") not in kinds(await find(out, "ornithology"))
    # a member who left no longer finds the members-only episode
    assert ("episode", "Ornithology for members") not in kinds(await find(sam, "ornithology"))


async def test_queries_that_are_syntax_or_too_long(server: LiveServer) -> None:
    (maya,) = await people(server, "maya")
    await episode(server, maya, "Night owls (and larks)")
    for q in (
        '"',
        '""',
        "AND",
        "OR NOT",
        "owls AND",
        "NEAR(owls larks)",
        "title:owls",
        "owls*",
        "*",
        "(owls",
        "owls)",
        "'; DROP TABLE search_docs; --",
        "owls & larks | !x",
        "owls:* <-> larks",
        "\\",
        "%_",
        "🦉",
        "x" * 200,
        "-owls",
        "^owls",
        '"owls',
    ):
        r = await maya.get("/api/search", params={"q": q})
        assert r.status_code == 200, (q, r.text)
    assert titles(await find(maya, "owls AND larks")) == ["Night owls (and larks)"]
    assert titles(await find(maya, '"owls')) == ["Night owls (and larks)"]
    assert (await maya.get("/api/search", params={"q": "x" * 201})).status_code == 422
    assert (await maya.get("/api/search", params={"q": "owl " * 2500})).status_code == 422
    assert (await maya.get("/api/search", params={"q": ""})).status_code == 422
    assert (await maya.get("/api/search", params={"q": "a", "kind": "rooms"})).status_code == 422
    page = await maya.get("/search", params={"q": "<script>owls</script>"})
    assert page.status_code == 200 and "<script>owls" not in page.text
    page = await maya.get("/search", params={"q": "owls"})
    assert "<mark>owls</mark>" in page.text.replace("<mark>Owls</mark>", "<mark>owls</mark>")
    long = await maya.get("/search", params={"q": "x" * 10_000})
    assert long.status_code == 200 and "at most 200" in long.text
    # ten at once: all answered
    rs = await asyncio.gather(*(maya.get("/api/search", params={"q": "owls"}) for _ in range(10)))
    assert {r.status_code for r in rs} == {200}
