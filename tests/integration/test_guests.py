"""Guests (no account) through the real server: their identity is private and per room,
nobody else can take it over, and hosts can close a room to them."""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed

from tests.integration.test_stage_audio import HEARD, HOST_TONE, hears, until_connected
from tests.live_server import Client, LiveServer, LiveSocket, via
from tests.media_helpers import ClientPeer, ToneTrack, loopback_only


async def as_guest(client: Client, room_id: str) -> str:
    """Open the room page like a browser: it hands out the guest cookie."""
    assert (await client.get(f"/r/{room_id}")).status_code == 200
    token = client.http.cookies.get("rc_guest")
    assert token
    return token


async def pong(ws: LiveSocket) -> bool:
    """The socket is still open and served: a ping is answered."""
    await ws.send({"type": "ping"})
    async with asyncio.timeout(5):
        while (await ws.recv())["type"] != "pong":
            pass
    return True


async def test_a_guest_key_is_opaque_per_room_and_cannot_be_taken_over(
    server: LiveServer,
) -> None:
    async with Client(server) as host, Client(server) as guest, Client(server) as stranger:
        await host.signup("hostg")
        one = (await host.start_room("One"))["room"]["id"]
        two = (await host.start_room("Two"))["room"]["id"]
        token = await as_guest(guest, one)
        async with guest.live(f"/api/rooms/{one}/live") as g1:
            key_one = (await g1.recv())["you"]
            assert key_one.startswith("g") and token not in key_one
            # the room view needs no sign-in and lists the key...
            listed = (await stranger.get(f"/api/rooms/{one}")).json()["participants"]
            assert key_one in {p["key"] for p in listed}
            # ...but replaying it as a cookie does not make a stranger that guest
            stranger.http.cookies.set("rc_guest", key_one[1:])
            async with stranger.live(f"/api/rooms/{one}/live") as s:
                assert (await s.recv())["you"] != key_one
                assert await pong(g1)  # the guest was not evicted (no 4409)
        async with guest.live(f"/api/rooms/{two}/live") as g2:
            key_two = (await g2.recv())["you"]
        assert key_two != key_one  # nobody can follow a guest from room to room


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_bad_offer_never_cuts_working_audio(server: LiveServer) -> None:
    """A reconnect offer is checked before the old connection is closed."""
    loopback_only()
    async with Client(server) as host, Client(server) as guest:
        await host.signup("hostm")
        room_id = (await host.start_room())["room"]["id"]
        base = f"/api/rooms/{room_id}"
        await as_guest(guest, room_id)
        async with host.live(f"{base}/live") as h, guest.live(f"{base}/live") as g:
            await h.recv()
            await g.recv()
            speaker, listener = ClientPeer(ToneTrack(HOST_TONE)), ClientPeer()
            try:
                await speaker.join(via(host, room_id))
                await listener.join(via(guest, room_id))
                await until_connected(speaker, listener)
                assert await hears(listener, HOST_TONE) > HEARD
                bad = {"sdp": "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nnonsense\r\n"}
                r = await guest.post(f"{base}/media", {**bad, "type": "offer"})
                assert r.status_code == 400 and r.json()["error"]["code"] == "bad_sdp"
                assert listener.pc.connectionState == "connected"
                assert await hears(listener, HOST_TONE) > HEARD
            finally:
                await asyncio.gather(speaker.close(), listener.close())


async def test_hosts_close_a_room_to_guests(server: LiveServer) -> None:
    async with Client(server) as host, Client(server) as guest, Client(server) as ann:
        await host.signup("hostc")
        await ann.signup("annc")
        room_id = (await host.start_room())["room"]["id"]
        base = f"/api/rooms/{room_id}"
        await as_guest(guest, room_id)
        async with host.live(f"{base}/live") as h, guest.live(f"{base}/live") as g:
            await h.recv()
            guest_key = (await g.recv())["you"]
            r = await ann.put(f"{base}/settings", {"guests": False})
            assert r.status_code in (403, 404)  # not the host
            r = await host.put(f"{base}/settings", {"guests": False})
            assert r.status_code == 200 and r.json()["guests"] is False
            with pytest.raises(ConnectionClosed) as closed:
                for _ in range(20):
                    await g.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
            gone = await h.next_update(lambda u: u.get("key") == guest_key)
            assert gone["type"] in ("participant_left", "participant_removed")
        async with guest.live(f"{base}/live") as g:
            msg = await g.recv()
            assert msg["type"] == "error" and msg["code"] == "sign_in_required"
        r = await guest.get(f"/r/{room_id}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        async with ann.live(f"{base}/live") as a:  # signed-in listeners still come in
            assert (await a.recv())["type"] == "snapshot"
