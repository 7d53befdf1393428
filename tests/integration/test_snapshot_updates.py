"""Snapshot + updates == fresh snapshot, after every action (room and hallway), for real.

An observer keeps a room socket and a hallway socket open and applies every update it gets
with the domain's apply(); after each action the result must equal a fresh snapshot from the
API. If an action forgot an update, or sent a wrong one, the two never agree and this fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from roomcast.domain.updates import (
    HallwaySnapshot,
    RoomSnapshot,
    apply,
    apply_hallway,
    order_hallway,
)
from roomcast.web import wire
from tests.live_server import Client, LiveServer, LiveSocket


class Follower:
    """Applies every update arriving on a socket to the snapshot it started from."""

    def __init__(
        self, socket: LiveSocket, start: Any, decode: Any, step: Callable[[Any, Any], Any]
    ):
        self.socket, self.state, self.decode, self.step = socket, start, decode, step
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            msg = await self.socket.recv(timeout=60)
            if msg["type"] == "update":
                self.state = self.step(self.state, self.decode(msg["update"]))


async def agree(what: str, follower: Follower, fresh: Callable[[], Awaitable[Any]]) -> None:
    latest = None
    for _ in range(100):
        latest = await fresh()
        if follower.state == latest:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(
        f"after {what}: updates gave\n{follower.state}\nbut a fresh snapshot is\n{latest}"
    )


async def test_updates_reproduce_fresh_snapshots(server: LiveServer) -> None:
    async with (
        Client(server) as host,
        Client(server) as bob,
        Client(server) as carol,
        Client(server) as dave,
        Client(server) as observer,
    ):
        await host.signup("host", display_name="Host Person")
        await bob.signup("bob")
        await carol.signup("carol")
        await dave.signup("dave")
        room_id = (await host.start_room("Consistency"))["room"]["id"]
        other_id = (await host.start_room("Another open room"))["room"]["id"]
        path = f"/api/rooms/{room_id}/live"

        async def fresh_room() -> RoomSnapshot:
            return wire.room_snapshot.validate_python(
                (await observer.get(f"/api/rooms/{room_id}")).json()
            )

        async def fresh_hallway() -> HallwaySnapshot:
            # the same rooms as the socket's snapshot; ranked for the viewer, not newest first
            got = wire.hallway_snapshot.validate_python((await observer.get("/api/rooms")).json())
            return HallwaySnapshot(order_hallway(got.rooms))

        async with observer.live(path) as rws, observer.live("/api/hallway/live") as hws:
            room = Follower(
                rws,
                wire.room_snapshot.validate_python((await rws.recv())["snapshot"]),
                wire.room_update.validate_python,
                apply,
            )
            hall = Follower(
                hws,
                wire.hallway_snapshot.validate_python((await hws.recv())["snapshot"]),
                wire.hallway_update.validate_python,
                apply_hallway,
            )

            async def check(what: str) -> None:
                await agree(what, room, fresh_room)
                await agree(what, hall, fresh_hallway)

            try:
                await check("observer joined")
                async with host.live(path) as h1:
                    await h1.recv()
                    await check("host joined")
                    async with bob.live(path) as b1:
                        bob_key = (await b1.recv())["you"]
                        await check("bob joined")
                        base = f"/api/rooms/{room_id}"
                        steps = [
                            (bob, "/hand", {"raised": True}, "bob raised his hand"),
                            (host, "/invite", {"key": bob_key}, "the host invited bob"),
                            (bob, "/invite/answer", {"accept": False}, "bob declined"),
                            (host, "/invite", {"key": bob_key}, "invited again"),
                            (bob, "/invite/answer", {"accept": True}, "bob accepted"),
                            (bob, "/mute", {"muted": True}, "bob muted himself"),
                            (
                                host,
                                f"/participants/{bob_key}/mute",
                                {"muted": True},
                                "the host muted bob",
                            ),
                            (
                                host,
                                f"/participants/{bob_key}/mute",
                                {"muted": False},
                                "the host let bob unmute",
                            ),
                            (
                                host,
                                f"/participants/{bob_key}/role",
                                {"role": "moderator"},
                                "bob made moderator",
                            ),
                            (bob, "/chat", {"text": "hello <b>all</b>"}, "bob chatted"),
                            (bob, "/questions", {"text": "Why?"}, "bob asked"),
                            (
                                host,
                                "/polls",
                                {"question": "A or B?", "options": ["A", "B"]},
                                "a poll opened",
                            ),
                            (host, "/settings", None, "settings changed"),
                            (host, "/audience", {"key": bob_key}, "bob moved back"),
                            (host, "/invite", {"key": bob_key}, "invited a third time"),
                            (bob, "/invite/answer", {"accept": True}, "bob on stage again"),
                        ]
                        for who, path_, body, what in steps:
                            if path_ == "/settings":
                                r = await who.http.put(
                                    base + path_,
                                    json={"hand_raising": False, "speakers_join_muted": True},
                                    headers={"x-csrf-token": who.http.cookies["rc_csrf"]},
                                )
                            else:
                                r = await who.post(base + path_, body)
                            assert r.status_code in (200, 201), (what, r.text)
                            await check(what)
                        first = (await host.get(f"/api/rooms/{room_id}")).json()["chat"][0]
                        r = await host.http.delete(
                            f"{base}/chat/{first['id']}",
                            headers={"x-csrf-token": host.http.cookies["rc_csrf"]},
                        )
                        assert r.status_code == 200
                        await check("the host deleted bob's message")
                        r = await host.http.put(
                            f"{base}/pin",
                            json={"url": "https://example.org/"},
                            headers={"x-csrf-token": host.http.cookies["rc_csrf"]},
                        )
                        assert r.status_code == 200
                        await check("a link pinned")
                        r = await host.put(f"{base}/chapter", {"title": "Next: the questions"})
                        assert r.status_code == 200
                        await check("a new topic")
                        snap = (await host.get(f"/api/rooms/{room_id}")).json()
                        qid, pid = snap["questions"][0]["id"], snap["polls"][0]["id"]
                        for who, path_, body, what in [
                            (host, f"/questions/{qid}/upvote", None, "the host upvoted"),
                            (host, f"/questions/{qid}/answered", {"answered": True}, "answered"),
                            (bob, f"/polls/{pid}/vote", {"option": 1}, "bob voted"),
                            (host, f"/polls/{pid}/vote", {"option": 0}, "the host voted"),
                            (host, f"/polls/{pid}/close", None, "the poll closed"),
                            (host, "/timer", {"key": bob_key, "seconds": 60}, "bob's turn"),
                            (host, "/timer", {"key": None}, "the timer stopped"),
                        ]:
                            if path_ == "/timer":
                                r = await who.http.put(
                                    base + path_,
                                    json=body,
                                    headers={"x-csrf-token": who.http.cookies["rc_csrf"]},
                                )
                            else:
                                r = await who.post(base + path_, body)
                            assert r.status_code == 200, (what, r.text)
                            await check(what)
                        async with bob.live(path) as b2:  # replaces b1
                            await b2.recv()
                            await check("bob reconnected")
                        await check("bob left")
                    async with carol.live(path) as c1:
                        carol_key = (await c1.recv())["you"]
                        await check("carol joined")
                        r = await host.post(
                            f"/api/rooms/{room_id}/participants/{carol_key}/remove", {"ban": False}
                        )
                        assert r.status_code == 200
                        await check("carol removed")
                    async with bob.live(path) as b3:
                        snap = (await b3.recv())["snapshot"]
                        me = next(p for p in snap["participants"] if p["key"] == bob_key)
                        assert me["role"] == "speaker"  # a role outlives a dropped connection
                        await check("bob came back, still a speaker")
                    await check("carol left")
                await check("host left (grace period running)")
                async with host.live(path) as h2:
                    await h2.recv()
                    await check("host came back")
                    async with carol.live(path) as c3:  # removed: out until the room ends
                        assert (await c3.recv())["code"] == "removed"
                    await check("carol stayed out")
                    async with dave.live(path) as d1:
                        dave_key = (await d1.recv())["you"]
                        await check("dave joined")
                        roles = f"/api/rooms/{room_id}/participants/{dave_key}/role"
                        r = await host.post(roles, {"role": "host"})
                        assert r.status_code == 403  # only someone on stage takes over
                        assert (await host.post(roles, {"role": "moderator"})).status_code == 200
                        await check("dave made moderator from the audience (muted)")
                        assert (await host.post(roles, {"role": "host"})).status_code == 200
                        await check("dave is the host now")
                        r = await dave.post(
                            f"/api/rooms/{room_id}/participants/u{host.user_id}/role",
                            {"role": "host"},
                        )
                        assert r.status_code == 200, r.text
                        await check("the host role handed back")
                    async with carol.live(f"/api/rooms/{other_id}/live") as c2:
                        await c2.recv()
                        await check("carol joined the other room")
                    assert (await host.post(f"/api/rooms/{other_id}/end")).status_code == 200
                    await check("the other room ended")
                    assert (await host.post(f"/api/rooms/{room_id}/end")).status_code == 200
                    await check("room ended")
                assert room.state.room.state.value == "ended" and room.state.participants == ()
                assert hall.state.rooms == ()
            finally:
                room.task.cancel()
                hall.task.cancel()
                await asyncio.gather(room.task, hall.task, return_exceptions=True)
