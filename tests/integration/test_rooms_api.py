"""Rooms over the real HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.live_server import Client, LiveServer


async def test_start_room_goes_live_and_is_listed(server: LiveServer) -> None:
    async with Client(server) as host, Client(server) as guest:
        await host.signup("hostess", display_name="The Hostess")
        created = await host.start_room("Tech talk", description="AMA", topic="tech", language="en")
        room = created["room"]
        assert room["state"] == "live" and room["started_at"]
        assert room["host"]["username"] == "hostess"
        assert created["url"] == f"{server.url}/r/{room['id']}"
        assert len(room["id"]) >= 12  # a link-only room's link must not be guessable

        hall = (await guest.get("/api/rooms")).json()["rooms"]
        assert [r["id"] for r in hall] == [room["id"]]
        assert hall[0]["listener_count"] == 0 and hall[0]["host"]["display_name"] == "The Hostess"

        snap = (await guest.get(f"/api/rooms/{room['id']}")).json()
        assert snap["room"]["title"] == "Tech talk" and snap["participants"] == []
        page = await guest.get(f"/r/{room['id']}")
        assert page.status_code == 200 and "Tech talk" in page.text


async def test_link_only_rooms_are_unlisted_and_need_an_account(server: LiveServer) -> None:
    async with Client(server) as host, Client(server) as guest, Client(server) as member:
        await host.signup("linky")
        room = (await host.start_room("Secret-ish", visibility="link"))["room"]
        assert (await guest.get("/api/rooms")).json()["rooms"] == []
        r = await guest.get(f"/api/rooms/{room['id']}")
        assert r.status_code == 401 and r.json()["error"]["code"] == "sign_in_required"
        page = await guest.get(f"/r/{room['id']}")
        assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
        await member.signup("member")
        assert (await member.get(f"/api/rooms/{room['id']}")).status_code == 200


async def test_room_bad_input(server: LiveServer) -> None:
    async with Client(server) as c:
        r = await c.post("/api/rooms", {"title": "Not signed in"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "not_signed_in"
        await c.signup("picky")
        for body in (
            {"title": ""},
            {"title": "   "},
            {"title": "t" * 121},
            {"title": "ok", "topic": "gardening"},
            {"title": "ok", "language": "english!"},
            {"title": "ok", "visibility": "secret"},
            {"title": "ok", "description": "d" * 1001},
            {"title": "line\nbreak"},
            {"title": "ok", "state": "ended"},
            {},
        ):
            r = await c.post("/api/rooms", body)
            assert r.status_code == 422, (body, r.text)
        assert (await c.get("/api/rooms")).json()["rooms"] == []
        for path in ("/api/rooms/doesnotexist", "/api/rooms/" + "x" * 24):
            r = await c.get(path)
            assert r.status_code == 404 and r.json()["error"]["code"] == "room_not_found"
        assert (await c.get("/api/rooms/" + "x" * 25)).status_code == 422
        assert (await c.get("/api/rooms/bad$id")).status_code == 422
        assert (await c.post("/api/rooms/doesnotexist/end")).status_code == 404
        assert (await c.get("/r/doesnotexist")).status_code == 404


async def test_only_the_host_ends_a_room(server: LiveServer) -> None:
    async with Client(server) as host, Client(server) as other:
        await host.signup("owner")
        await other.signup("intruder")
        room = (await host.start_room())["room"]
        r = await other.post(f"/api/rooms/{room['id']}/end")
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_allowed"
        assert (await other.get(f"/api/rooms/{room['id']}")).json()["room"]["state"] == "live"

        r = await host.post(f"/api/rooms/{room['id']}/end")
        assert r.status_code == 200 and r.json()["state"] == "ended"
        assert r.json()["end_reason"] == "host_ended"
        r = await host.post(f"/api/rooms/{room['id']}/end")
        assert r.status_code == 410 and r.json()["error"]["code"] == "room_ended"
        assert (await other.get("/api/rooms")).json()["rooms"] == []
        page = await other.get(f"/r/{room['id']}")
        assert page.status_code == 200  # the page says it has ended
