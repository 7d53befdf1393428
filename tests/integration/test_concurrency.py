"""Ten parallel copies of one request, and quick reconnects, on SQLite and PostgreSQL:
never a 500, and exactly one of each write lands."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from sqlalchemy import text

from tests.integration.test_moderation_api import room_with
from tests.live_server import Client, LiveServer

N = 10


async def test_parallel_copies_of_one_write(server: LiveServer) -> None:
    room_id, (host, bob) = await room_with(server, "hostp", "bobp")
    base = f"/api/rooms/{room_id}"
    async with host.live(f"{base}/live") as h, bob.live(f"{base}/live") as b:
        await h.recv()
        await b.recv()
        poll = (await host.post(f"{base}/polls", {"question": "A?", "options": ["A", "B"]})).json()
        question = (await bob.post(f"{base}/questions", {"text": "Why?"})).json()

        async def ten(make: object) -> list[int]:
            rs = await asyncio.gather(*(make() for _ in range(N)))  # type: ignore[operator]
            return sorted(r.status_code for r in rs)

        assert await ten(lambda: bob.post(f"{base}/polls/{poll['id']}/vote", {"option": 0})) == [
            200
        ] + [409] * (N - 1)
        assert await ten(lambda: host.post(f"{base}/questions/{question['id']}/upvote")) == [
            200
        ] + [409] * (N - 1)
        assert await ten(lambda: bob.post("/api/users/hostp/block")) == [200] * N  # idempotent
        assert await ten(lambda: bob.delete("/api/users/hostp/block")) == [200] * N
        snap = (await host.get(f"/api/rooms/{room_id}")).json()
        assert snap["polls"][0]["counts"] == [1, 0]
        assert len(snap["questions"][0]["voters"]) == 1
    clients = [Client(server) for _ in range(N)]
    for c in clients:
        await c.__aenter__()
    try:
        rs = await asyncio.gather(
            *(
                c.post(
                    "/api/auth/signup",
                    {"username": "samename", "password": "long enough"},
                    headers={"x-forwarded-for": f"198.51.100.{i + 1}"},
                )
                for i, c in enumerate(clients)
            )
        )
    finally:
        for c in clients:
            await c.__aexit__()
    assert sorted(r.status_code for r in rs) == [201] + [409] * (N - 1)
    assert {r.json()["error"]["code"] for r in rs if r.status_code == 409} == {"username_taken"}


async def test_quick_reconnects_all_succeed(server: LiveServer) -> None:
    room_id, (host, bob) = await room_with(server, "hostq", "bobq")
    path = f"/api/rooms/{room_id}/live"
    async with host.live(path) as h:
        await h.recv()
        for _ in range(N):
            async with bob.live(path) as b:  # closed at once, opened again at once
                assert (await b.recv())["type"] == "snapshot"
        async with bob.live(path) as b:
            snap = (await b.recv())["snapshot"]
            assert f"u{bob.user_id}" in {p["key"] for p in snap["participants"]}
        await asyncio.sleep(0.3)
        snap = (await host.get(f"/api/rooms/{room_id}")).json()
        assert {p["key"] for p in snap["participants"]} == {f"u{host.user_id}"}


async def test_an_unexpected_error_is_a_logged_json_500_on_a_kept_connection(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    async with Client(server) as c:
        await c.signup("brokenshow")
        assert (await c.get("/api/shows/brokenshow")).status_code == 200
        async with server.ctx.store.engine.begin() as conn:  # the database loses a table
            await conn.execute(text("ALTER TABLE shows RENAME TO shows_lost"))
        with caplog.at_level(logging.ERROR):
            first = await c.get("/api/shows/brokenshow")
            second = await c.get("/api/shows/brokenshow")
        for r in (first, second):
            assert r.status_code == 500
            assert r.json()["error"]["code"] == "internal_error"
            assert "Traceback" not in r.text and "shows" not in r.json()["error"]["message"]
            assert r.headers.get("connection", "").lower() != "close"
        assert port(first) == port(second)  # the same keep-alive connection
        logged = [r for r in caplog.records if r.exc_info and "brokenshow" in r.getMessage()]
        assert logged, [r.getMessage() for r in caplog.records]


def port(r: httpx.Response) -> int:
    stream = r.extensions["network_stream"]
    return int(stream.get_extra_info("client_addr")[1])
