"""Caps from outside: floods of sockets, rooms and offers meet documented limits."""

from __future__ import annotations

import asyncio
import os
from contextlib import AsyncExitStack
from pathlib import Path

from tests.integration.test_removal import closed_with
from tests.live_server import Client, run_server
from tests.media_helpers import ClientPeer, loopback_only


async def test_sockets_per_address_are_capped(tmp_path: Path, database_url: str) -> None:
    async with (
        run_server(tmp_path / "d", database_url, max_sockets_per_address=5) as srv,
        Client(srv) as host,
        AsyncExitStack() as stack,
    ):
        await host.signup("hostcap")
        room_id = (await host.start_room())["room"]["id"]
        path = f"/api/rooms/{room_id}/live"
        guests = [await stack.enter_async_context(Client(srv)) for _ in range(7)]
        open_ = [await stack.enter_async_context(g.live(path)) for g in guests[:5]]
        for ws in open_:
            assert (await ws.recv())["type"] == "snapshot"
        async with guests[5].live(path) as extra:
            msg = await extra.recv()
            assert msg["type"] == "error" and msg["code"] == "too_many_connections"
            code, _ = await closed_with(extra)
            assert code == 4429
        async with guests[5].live("/api/hallway/live") as extra:  # every socket counts
            assert (await extra.recv())["code"] == "too_many_connections"
        # another address is not affected
        async with guests[6].live(path, headers={"x-forwarded-for": "203.0.113.9"}) as ws:
            assert (await ws.recv())["type"] == "snapshot"
        await open_[0].ws.close()
        await asyncio.sleep(0.3)
        async with guests[5].live(path) as ws:  # a freed place is free again
            assert (await ws.recv())["type"] == "snapshot"


async def test_room_creation_is_rate_limited(tmp_path: Path, database_url: str) -> None:
    async with (
        run_server(tmp_path / "d", database_url) as srv,  # the default limits
        Client(srv) as flooder,
        Client(srv) as other,
    ):
        await flooder.signup("flooder")
        codes = []
        for i in range(40):
            r = await flooder.post("/api/rooms", {"title": f"Spam {i}"})
            codes.append(r.status_code)
        assert 201 in codes and 429 in codes and set(codes) == {201, 429}
        assert codes.count(201) <= 10
        assert int(r.headers["retry-after"]) >= 1
        await other.post(
            "/api/auth/signup",
            {"username": "someone", "password": "long enough"},
            headers={"x-forwarded-for": "203.0.113.20"},
        )
        r = await other.post(
            "/api/rooms", {"title": "Mine"}, headers={"x-forwarded-for": "203.0.113.20"}
        )
        assert r.status_code == 201


def udp_sockets() -> int:
    """UDP sockets this process holds (the server's peers and the test's own)."""
    udp = set()
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        with open(table) as f:
            udp |= {line.split()[9] for line in list(f)[1:]}
    held = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        held += target.startswith("socket:[") and target[8:-1] in udp
    return held


async def test_offers_are_bounded_and_half_open_peers_reaped(
    tmp_path: Path, database_url: str
) -> None:
    loopback_only()
    async with (
        run_server(tmp_path / "d", database_url, media_connect_timeout=2) as srv,
        Client(srv) as host,
    ):
        await host.signup("hostoffer")
        room_id = (await host.start_room())["room"]["id"]
        base = f"/api/rooms/{room_id}"
        peers = [ClientPeer() for _ in range(10)]
        try:
            for p in peers:
                await p.pc.setLocalDescription(await p.pc.createOffer())
            before = udp_sockets()
            async with host.live(f"{base}/live") as ws:
                await ws.recv()
                rs = await asyncio.gather(
                    *(
                        host.post(
                            f"{base}/media", {"sdp": p.pc.localDescription.sdp, "type": "offer"}
                        )
                        for p in peers
                    )
                )
                codes = sorted(r.status_code for r in rs)
                assert 500 not in codes and codes.count(200) >= 1
                assert set(codes) <= {200, 409, 429}
                stats = srv.ctx.engine.stats(room_id)
                assert stats is not None and stats.peers == 1  # one connection per person
                assert udp_sockets() - before <= 2  # no orphaned peers holding sockets
                # nobody completes ICE on those answers: the half-open peer is reaped
                async with asyncio.timeout(10):
                    while (srv.ctx.engine.stats(room_id) or stats).peers:
                        await asyncio.sleep(0.2)
                await asyncio.sleep(0.5)
                assert udp_sockets() == before
                # a flood of offers one after another meets a rate limit
                codes = []
                for p in peers:
                    r = await host.post(
                        f"{base}/media", {"sdp": p.pc.localDescription.sdp, "type": "offer"}
                    )
                    codes.append(r.status_code)
                assert 429 in codes and 500 not in codes
        finally:
            await asyncio.gather(*(p.close() for p in peers))
