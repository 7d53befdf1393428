"""Discovery over the real API, on SQLite and PostgreSQL: the hallway ranked for a viewer,
members-only rooms listed to members only (also on the hallway's socket), trending, topic
pages and the topics people like."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_clubs_api import make_club
from tests.integration.test_events_api import _open, people
from tests.live_server import Client, LiveServer


@pytest.fixture(autouse=True)
async def _close() -> Any:
    yield
    while _open:
        await _open.pop().__aexit__()


async def test_the_hallway_is_ranked_for_each_viewer(server: LiveServer) -> None:
    viewer, ana, ben, cleo, dan, *crowd = await people(
        server, "viewer", "ana", "ben", "cleo", "dan", "", "", ""
    )
    await make_club(ben, "chess")
    await viewer.post("/api/clubs/chess/join", {})
    await viewer.put("/api/users/ana/follow")
    assert (await viewer.put("/api/me/topics", {"topics": ["sports"]})).json() == {
        "topics": ["sports"]
    }
    assert (await viewer.get("/api/me/topics")).json() == {"topics": ["sports"]}
    assert (await viewer.put("/api/me/topics", {"topics": ["knitting"]})).status_code == 422
    big = (await dan.start_room("Big room", topic="news"))["room"]
    sport = (await cleo.start_room("Sport talk", topic="sports"))["room"]
    club = (await ben.start_room("Chess night", club="chess", visibility="members"))["room"]
    mine = (await ana.start_room("Ana's room", topic="tech"))["room"]
    sockets = []
    for c in crowd:  # three people in the big room: the biggest, but nothing of the viewer's
        cm = c.live(f"/api/rooms/{big['id']}/live")
        ws = await cm.__aenter__()
        await ws.recv()
        sockets.append(cm)
    try:
        r = await viewer.get("/api/rooms")
        assert [x["title"] for x in r.json()["rooms"]] == [
            "Ana's room",  # someone followed, on stage
            "Chess night",  # the viewer's club
            "Sport talk",  # the viewer's topic
            "Big room",
        ]
        # a stranger: by heat alone, and the members-only room is not theirs to see
        async with Client(server) as guest:
            r = await guest.get("/api/rooms")
            titles = [x["title"] for x in r.json()["rooms"]]
            assert titles[0] == "Big room" and "Chess night" not in titles
            # the hallway's socket: the snapshot and updates follow the same rule
            async with guest.live("/api/hallway/live") as ws:
                snap = (await ws.recv())["snapshot"]
                assert club["id"] not in [x["id"] for x in snap["rooms"]]
                later = await ben.start_room("Chess again", club="chess", visibility="members")
                opened = (await dan.start_room("Open news", topic="news"))["room"]
                seen = await ws.updates_until(
                    lambda u: u.get("room", {}).get("id") == opened["id"], timeout=10
                )
                assert later["room"]["id"] not in [u.get("room", {}).get("id") for u in seen]
        async with viewer.live("/api/hallway/live") as ws:
            snap = (await ws.recv())["snapshot"]
            assert club["id"] in [x["id"] for x in snap["rooms"]]
        # trending: who came in the last hour
        r = await viewer.get("/api/rooms/trending")
        assert r.json()["rooms"][0]["title"] == "Big room"
        # topic pages, with a language filter
        page = await viewer.get("/topics/sports")
        assert page.status_code == 200 and "Sport talk" in page.text
        assert "Big room" not in page.text
        assert "Sport talk" not in (await viewer.get("/topics/sports?lang=fr")).text
        assert (await viewer.get("/topics/knitting")).status_code == 404
        assert "Sport talk" in (await viewer.get("/topics/sports?lang=nonsense")).text
        # the front page says what is trending
        assert "Trending" in (await viewer.get("/")).text
        assert {sport["id"], mine["id"]} <= {x["id"] for x in snap["rooms"]}
    finally:
        for cm in sockets:
            await cm.__aexit__(None, None, None)
