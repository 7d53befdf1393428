"""Remove, ban and block hold, for accounts and guests, whichever door people try next."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from tests.integration.test_guests import as_guest
from tests.integration.test_moderation_api import key, room_with
from tests.live_server import Client, LiveServer, LiveSocket


async def closed_with(ws: LiveSocket) -> tuple[int, list[dict[str, Any]]]:
    """Read until the server closes the socket: (close code, messages received)."""
    msgs: list[dict[str, Any]] = []
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(50):
            msgs.append(await ws.recv())
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, msgs


async def refused(client: Client, room_id: str) -> dict[str, Any]:
    """The room's socket refuses this person with an error message, then 4403."""
    async with client.live(f"/api/rooms/{room_id}/live") as ws:
        msg = await ws.recv()
        assert msg["type"] == "error", msg
        code, _ = await closed_with(ws)
        assert code == 4403
        return msg


async def test_removed_people_stay_out_and_lose_their_role(server: LiveServer) -> None:
    room_id, (host, mod, guest) = await room_with(server, "hostr", "modr", "guestr")
    base = f"/api/rooms/{room_id}"
    await guest.post("/api/auth/logout")
    await as_guest(guest, room_id)
    async with host.live(f"{base}/live") as h, mod.live(f"{base}/live") as m:
        await h.recv()
        await m.recv()
        r = await host.post(f"{base}/participants/{key(mod)}/role", {"role": "moderator"})
        assert r.status_code == 200
        r = await host.post(f"{base}/participants/{key(mod)}/remove", {"ban": False})
        assert r.status_code == 200
        code, _ = await closed_with(m)
        assert code == 4403
        async with guest.live(f"{base}/live") as g:
            guest_key = (await g.recv())["you"]
            r = await host.post(f"{base}/participants/{guest_key}/remove", {"ban": False})
            assert r.status_code == 200
            await closed_with(g)
    # neither walks back in, and the former moderator has no rights left
    assert (await refused(mod, room_id))["code"] == "removed"
    assert (await refused(guest, room_id))["code"] == "removed"
    r = await mod.put(f"{base}/chapter", {"title": "I am still a moderator"})
    assert r.status_code in (403, 404)
    snap = (await host.get(f"/api/rooms/{room_id}")).json()
    assert snap["room"]["chapter"] is None
    assert key(mod) not in {p["key"] for p in snap["participants"]}
    # another room of the same host is open to them: removal is for this room only
    other = (await host.start_room("Next one"))["room"]["id"]
    async with mod.live(f"/api/rooms/{other}/live") as ws:
        snap = (await ws.recv())["snapshot"]
        assert {p["key"]: p["role"] for p in snap["participants"]}[key(mod)] == "listener"


async def test_a_ban_keeps_the_person_out_of_the_hosts_rooms_until_lifted(
    server: LiveServer,
) -> None:
    room_id, (host, mod, eve) = await room_with(server, "hostb", "modb", "eveb")
    base = f"/api/rooms/{room_id}"
    await as_guest(eve, room_id)  # her browser opens the room's page: it has a guest cookie
    async with host.live(f"{base}/live") as h, mod.live(f"{base}/live") as m:
        await h.recv()
        await m.recv()
        await host.post(f"{base}/participants/{key(mod)}/role", {"role": "moderator"})
        async with eve.live(f"{base}/live") as e:
            await e.recv()
            r = await mod.post(f"{base}/participants/{key(eve)}/remove", {"ban": True})
            assert r.status_code == 200  # a moderator's ban goes on the host's list
            await closed_with(e)
    assert "banned" in (await refused(eve, room_id))["message"]
    # signed out in the same browser, as a guest: still out
    assert (await eve.post("/api/auth/logout")).status_code == 200
    assert (await refused(eve, room_id))["code"] in ("banned", "removed")
    r = await eve.post("/api/auth/login", {"username": "eveb", "password": "correct horse"})
    assert r.status_code == 200
    # the next room of the same host: out too; another host's room: in
    later = (await host.start_room("Later"))["room"]["id"]
    assert (await refused(eve, later))["code"] == "banned"
    elsewhere = (await mod.start_room("Mod's own"))["room"]["id"]
    async with eve.live(f"/api/rooms/{elsewhere}/live") as ws:
        assert (await ws.recv())["type"] == "snapshot"
    # the host lists the ban and lifts it; others cannot see or lift it
    bans = (await host.get("/api/me/bans")).json()
    assert [b["user"]["username"] for b in bans] == ["eveb"]
    assert bans[0]["room_id"] == room_id
    assert (await mod.get("/api/me/bans")).json() == []
    assert (await mod.delete(f"/api/me/bans/{bans[0]['id']}")).status_code == 404
    assert (await host.delete(f"/api/me/bans/{bans[0]['id']}")).status_code == 200
    assert (await host.get("/api/me/bans")).json() == []
    async with eve.live(f"/api/rooms/{later}/live") as ws:
        assert (await ws.recv())["type"] == "snapshot"


async def test_guests_can_be_banned(server: LiveServer) -> None:
    async with Client(server) as host, Client(server) as guest:
        await host.signup("hostgb")
        room_id = (await host.start_room())["room"]["id"]
        base = f"/api/rooms/{room_id}"
        await as_guest(guest, room_id)
        async with host.live(f"{base}/live") as h, guest.live(f"{base}/live") as g:
            await h.recv()
            guest_key = (await g.recv())["you"]
            r = await host.post(f"{base}/participants/{guest_key}/remove", {"ban": True})
            assert r.status_code == 200
            await closed_with(g)
        later = (await host.start_room("Later"))["room"]["id"]
        assert (await refused(guest, later))["code"] == "banned"
        bans = (await host.get("/api/me/bans")).json()
        assert len(bans) == 1 and bans[0]["user"] is None  # a guest: no name to show


async def test_a_block_takes_effect_at_once(server: LiveServer) -> None:
    room_id, (host, troll, ann) = await room_with(server, "hostk", "trollk", "annk")
    base = f"/api/rooms/{room_id}"
    await as_guest(troll, room_id)  # a browser: the page gave it a guest cookie
    async with (
        host.live(f"{base}/live") as h,
        troll.live(f"{base}/live") as t,
        ann.live(f"{base}/live") as a,
    ):
        for ws in (h, t, a):
            await ws.recv()
        assert (await troll.post(f"{base}/chat", {"text": "troll says hi"})).status_code == 201
        assert (await troll.post(f"{base}/questions", {"text": "troll asks?"})).status_code == 201
        await a.next_update(lambda u: u["type"] == "question_asked")
        # Ann blocks the troll: her open socket gets the new filter, no reconnect needed
        assert (await ann.post("/api/users/trollk/block")).status_code == 200
        async with asyncio.timeout(10):
            while (msg := await a.recv())["type"] != "snapshot":
                pass
        assert all(m["author"]["username"] != "trollk" for m in msg["snapshot"]["chat"])
        assert all(q["author"]["username"] != "trollk" for q in msg["snapshot"]["questions"])
        await troll.post(f"{base}/chat", {"text": "hidden from ann"})
        await troll.post(f"{base}/questions", {"text": "hidden question?"})
        await ann.post(f"{base}/chat", {"text": "ann speaks"})
        got = await a.updates_until(
            lambda u: u["type"] == "chat_posted" and u["message"]["text"] == "ann speaks"
        )
        texts = [u.get("message", u.get("question", {})).get("text") for u in got]
        assert "hidden from ann" not in texts and "hidden question?" not in texts
        snap = (await ann.get(f"/api/rooms/{room_id}")).json()
        assert all(q["author"]["username"] != "trollk" for q in snap["questions"])
        # the host blocks the troll: out of the host's live room at once
        assert (await host.post("/api/users/trollk/block")).status_code == 200
        code, msgs = await closed_with(t)
        assert code == 4403
        removed = await h.next_update(lambda u: u.get("key") == key(troll))
        assert removed["type"] == "participant_removed"
    # and the troll cannot come back signed out, as a guest in the same browser
    await troll.post("/api/auth/logout")
    assert (await refused(troll, room_id))["code"] in ("not_allowed", "blocked")
