"""Pages for people, API answers for programs: the styled 404, form errors in words, the
front door, the episode a room became, and the operators' counters."""

from __future__ import annotations

from tests.live_server import Client, LiveServer
from tests.media_helpers import loopback_only
from tests.podcast_helpers import record_tone, wait_episode

HTML = {"accept": "text/html,application/xhtml+xml"}


async def test_unknown_pages_get_the_styled_404_and_the_api_stays_json(server: LiveServer) -> None:
    async with Client(server) as c:
        r = await c.get("/no/such/page", headers=HTML)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
        assert "There is no page at this address." in r.text and "Go to the hallway" in r.text
        for path in ("/api/nothing", "/static/nothing.js"):
            r = await c.get(path, headers=HTML)
            assert r.status_code == 404, path
            assert r.headers["content-type"].startswith("application/json"), path
            assert r.json()["error"]["code"] == "not_found"
        r = await c.get("/no/such/page")  # a program asking: JSON
        assert r.json()["error"]["code"] == "not_found"


async def test_form_errors_are_written_for_people_all_at_once(server: LiveServer) -> None:
    async with Client(server) as c:
        r = await c.post(
            "/api/auth/signup", {"username": "no spaces!", "password": "short", "display_name": ""}
        )
        assert r.status_code == 422
        err = r.json()["error"]
        by_field = {f["field"]: f["message"] for f in err["fields"]}
        assert by_field == {
            "username": "Usernames use letters, digits and _ only.",
            "password": "Use at least 8 characters.",
        }
        assert "Username: Usernames use letters" in err["message"]
        assert "Password: Use at least 8 characters." in err["message"]
        assert all(f["type"] for f in err["fields"])  # pydantic's type stays, for programs
        r = await c.post("/api/auth/signup", {"password": "long enough"})
        assert r.json()["error"]["fields"] == [
            {"field": "username", "message": "This is required.", "type": "missing"}
        ]
        await c.signup("taken")
    async with Client(server) as other:
        r = await other.post("/api/auth/signup", {"username": "taken", "password": "long enough"})
        assert r.status_code == 409
        assert r.json()["error"]["field"] == "username"


async def test_front_door_and_counters(server: LiveServer) -> None:
    async with Client(server) as c:
        r = await c.get("/", headers=HTML)
        assert "live audio rooms that become podcasts" in r.text
        assert 'href="/login"' in r.text  # no ?next= back to the front door itself
        r = await c.get("/u/nobody", headers=HTML)
        assert 'href="/login?next=/u/nobody"' in r.text  # signing in comes back here
        await c.signup("host")
        room = (await c.start_room("Unrecorded"))["room"]
        r = await c.get(f"/api/rooms/{room['id']}/episode")
        assert r.status_code == 404  # not recorded: no episode, ever
        for bad in ("x" * 65, "a%20b"):
            assert (await c.get(f"/api/rooms/{bad}/episode")).status_code in (404, 422)
        async with c.live(f"/api/rooms/{room['id']}/live") as ws:
            await ws.recv()
        r = await c.get("/metrics")
        assert r.status_code == 200
        assert 'roomcast_events_total{event="room_sockets"} 1' in r.text


async def test_past_rooms_on_a_profile_lead_to_their_replays(server: LiveServer) -> None:
    loopback_only()
    async with Client(server) as host, Client(server) as visitor:
        await host.signup("caster")
        room = await record_tone(host, "Worth a replay", seconds=2.0)
        ep = await wait_episode(host, "caster")
        assert ep["status"] == "published"
        r = await visitor.get("/u/caster", headers=HTML)
        assert (
            f'href="/episodes/{ep["id"]}" aria-label="Play the replay of Worth a replay"' in r.text
        )
        # an unpublished replay is the host's alone
        assert (
            await host.put(f"/api/episodes/{ep['id']}/published", {"published": False})
        ).is_success
        assert "Play the replay" not in (await visitor.get("/u/caster", headers=HTML)).text
        assert "Play the replay" in (await host.get("/u/caster", headers=HTML)).text
        r = await visitor.get(f"/api/rooms/{room['id']}/episode")
        assert r.status_code == 404  # hidden looks like none
        assert (await host.get(f"/api/rooms/{room['id']}/episode")).json()["id"] == ep["id"]
