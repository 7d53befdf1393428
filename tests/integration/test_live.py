"""The room and hallway WebSockets against the real server: presence, replace, errors."""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.live_server import Client, LiveServer


def keys(snapshot: dict) -> list[tuple[str, str]]:
    return [
        (p["user"]["username"] if p["user"] else "guest", p["role"])
        for p in snapshot["participants"]
    ]


async def test_host_on_stage_listeners_in_audience(server: LiveServer) -> None:
    async with Client(server) as host, Client(server) as bob, Client(server) as guest:
        await host.signup("anna")
        await bob.signup("bob")
        room = (await host.start_room())["room"]
        path = f"/api/rooms/{room['id']}/live"
        async with host.live(path) as hws:
            first = await hws.recv()
            assert first["type"] == "snapshot" and keys(first["snapshot"]) == [("anna", "host")]
            # subscribed before joining: one's own arrival too (after "the host is back")
            back = (await hws.recv())["update"]
            assert back == {"type": "host_away", "since": None}
            own = (await hws.recv())["update"]
            assert own["participant"]["key"] == first["you"]
            async with bob.live(path) as bws:
                snap = (await bws.recv())["snapshot"]
                assert keys(snap) == [("anna", "host"), ("bob", "listener")]
                joined = (await hws.recv())["update"]
                assert joined["type"] == "participant_joined"
                assert joined["participant"]["user"]["username"] == "bob"
                async with guest.live(path) as gws:
                    assert keys((await gws.recv())["snapshot"])[-1] == ("guest", "listener")
                    await hws.recv()
                left = (await hws.recv())["update"]
                assert left["type"] == "participant_left" and left["key"].startswith("g")
                hall = (await bob.get("/api/rooms")).json()["rooms"][0]
                assert hall["listener_count"] == 1 and hall["speakers"][0]["username"] == "anna"
                await bws.send({"type": "leave"})
                left = (await hws.recv())["update"]
                assert left == {"type": "participant_left", "key": snap["participants"][1]["key"]}


async def test_new_connection_replaces_old_and_keeps_role(server: LiveServer) -> None:
    async with Client(server) as host, Client(server) as bob:
        await host.signup("host2")
        await bob.signup("bob2")
        room = (await host.start_room())["room"]
        path = f"/api/rooms/{room['id']}/live"
        async with host.live(path) as hws:
            await hws.recv()
            async with bob.live(path) as old:
                await old.recv()
                await hws.next_update(
                    lambda u: (
                        u["type"] == "participant_joined"
                        and u["participant"]["user"]["username"] == "bob2"
                    )
                )
                async with bob.live(path) as new:
                    snap = (await new.recv())["snapshot"]
                    assert keys(snap) == [("host2", "host"), ("bob2", "listener")]  # no duplicate
                    final = await old.recv()
                    while final["type"] == "update":  # its own arrival, queued earlier
                        final = await old.recv()
                    assert final["type"] == "replaced"
                    with pytest.raises(ConnectionClosed) as closed:
                        await old.recv()
                    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4409
                    await asyncio.sleep(0.3)
                    # the replaced socket closing did not make bob "leave"
                    current = (await host.get(f"/api/rooms/{room['id']}")).json()
                    assert keys(current) == [("host2", "host"), ("bob2", "listener")]
            # the host reconnects (a reload): still the host, on stage
            async with host.live(path) as again:
                assert keys((await again.recv())["snapshot"])[0] == ("host2", "host")


async def test_garbage_messages_get_errors_and_the_room_goes_on(server: LiveServer) -> None:
    async with Client(server) as host:
        await host.signup("host3")
        room = (await host.start_room())["room"]
        async with host.live(f"/api/rooms/{room['id']}/live") as ws:
            await ws.recv()
            await ws.next_update(lambda u: u["type"] == "participant_joined")  # one's own arrival
            for junk in (
                "not json",
                "{}",
                '{"type": "explode"}',
                "[1,2]",
                '{"type": 5}',
                b"\x00\x01",
            ):
                await ws.ws.send(junk)
                reply = await ws.recv()
                assert reply["type"] == "error" and reply["code"] == "bad_message"
            await ws.send({"type": "ping"})
            assert (await ws.recv()) == {"type": "pong"}
            for _ in range(14):
                await ws.send("junk")
            with pytest.raises(ConnectionClosed) as closed:
                for _ in range(20):
                    await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400
        r = await host.get(f"/api/rooms/{room['id']}")
        assert r.json()["room"]["state"] == "live"


async def test_oversize_message_closes_only_that_socket(server: LiveServer) -> None:
    async with Client(server) as host:
        await host.signup("host4")
        room = (await host.start_room())["room"]
        async with host.live(f"/api/rooms/{room['id']}/live") as ws:
            await ws.recv()
            await ws.ws.send("x" * 100_000)
            with pytest.raises(ConnectionClosed) as closed:
                for _ in range(5):
                    await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009  # too big
        assert (await host.get("/healthz")).status_code == 200


async def test_refusals(server: LiveServer) -> None:
    async with Client(server) as host, Client(server) as guest:
        await host.signup("host5")
        room = (await host.start_room())["room"]
        link = (await host.start_room("Hidden", visibility="link"))["room"]
        async with guest.live("/api/rooms/nosuchroom/live") as ws:
            msg = await ws.recv()
            assert msg["type"] == "error" and msg["code"] == "room_not_found"
        async with guest.live(f"/api/rooms/{link['id']}/live") as ws:
            assert (await ws.recv())["code"] == "sign_in_required"
        # another site's page cannot use the visitor's cookies on our socket
        with pytest.raises((InvalidStatus, ConnectionClosed)):
            async with host.live(
                f"/api/rooms/{room['id']}/live", origin="http://evil.example"
            ) as ws:
                await ws.recv()
        assert (await host.post(f"/api/rooms/{room['id']}/end")).status_code == 200
        async with guest.live(f"/api/rooms/{room['id']}/live") as ws:
            msg = await ws.recv()
            assert msg["code"] == "room_ended"
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4410


@pytest.mark.grace(1.0)
async def test_room_ends_when_host_stays_away(server: LiveServer) -> None:
    """Grace is 1 s in these tests: back in time keeps the room; away too long ends it."""
    async with Client(server) as host, Client(server) as bob:
        await host.signup("host6")
        await bob.signup("bob6")
        room = (await host.start_room())["room"]
        path = f"/api/rooms/{room['id']}/live"
        async with bob.live(path) as bws:
            await bws.recv()
            async with host.live(path) as hws:
                await hws.recv()
            await asyncio.sleep(0.3)
            async with host.live(path) as hws:  # back within the grace period
                await hws.recv()
                await asyncio.sleep(1.5)
                assert (await bob.get(f"/api/rooms/{room['id']}")).json()["room"]["state"] == "live"
            updates = await bws.updates_until(lambda u: u["type"] == "room_ended", timeout=10)
            assert updates[-1]["reason"] == "host_left"
            with pytest.raises(ConnectionClosed) as closed:
                await bws.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4410
        assert (await bob.get("/api/rooms")).json()["rooms"] == []


@pytest.mark.grace(1.0)
async def test_room_ends_when_host_never_arrives(server: LiveServer) -> None:
    async with Client(server) as host, Client(server) as bob:
        await host.signup("host8")
        room = (await host.start_room())["room"]
        async with bob.live(f"/api/rooms/{room['id']}/live") as bws:
            await bws.recv()
            ended = await bws.next_update(lambda u: u["type"] == "room_ended", timeout=10)
            assert ended["reason"] == "host_left"


async def test_hallway_socket_follows_rooms(server: LiveServer) -> None:
    async with Client(server) as host, Client(server) as viewer:
        await host.signup("host7")
        async with viewer.live("/api/hallway/live") as hall:
            assert (await hall.recv())["snapshot"] == {"rooms": []}
            room = (await host.start_room("Fresh"))["room"]
            u = (await hall.recv())["update"]
            assert u["type"] == "room_changed" and u["room"]["id"] == room["id"]
            async with viewer.live(f"/api/rooms/{room['id']}/live") as ws:
                await ws.recv()
                u = (await hall.recv())["update"]
                assert u["room"]["listener_count"] == 1
            u = (await hall.recv())["update"]
            assert u["room"]["listener_count"] == 0
            await host.start_room("Unlisted", visibility="link")
            await host.post(f"/api/rooms/{room['id']}/end")
            u = (await hall.recv())["update"]
            # the link-only room never shows up: the next update is the first room's removal
            assert u == {"type": "room_removed", "room_id": room["id"]}
