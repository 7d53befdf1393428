"""Blocks, reports and suspensions over the real API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from websockets.exceptions import ConnectionClosed

from tests.integration.test_moderation_api import room_with
from tests.live_server import Client, LiveServer


async def test_block_keeps_people_out_and_chat_apart(server: LiveServer) -> None:
    room_id, (host, troll, ann) = await room_with(server, "hosts", "troll", "anns")
    base = f"/api/rooms/{room_id}"
    assert (await host.post("/api/users/troll/block")).status_code == 200
    assert (await host.post("/api/users/hosts/block")).status_code == 400  # not oneself
    assert (await host.post("/api/users/nobody/block")).status_code == 404
    assert [u["username"] for u in (await host.get("/api/me/blocks")).json()] == ["troll"]
    async with troll.live(f"{base}/live") as t:  # blocked by the host: refused
        msg = await t.recv()
        assert msg["type"] == "error" and msg["code"] == "not_allowed"
    # the troll blocks Ann in another room of theirs; neither sees the other's chat there
    other = (await troll.start_room("Troll's room"))["room"]["id"]
    ob = f"/api/rooms/{other}"
    assert (await ann.post("/api/users/troll/block")).status_code == 200
    async with troll.live(f"{ob}/live") as t, ann.live(f"{ob}/live") as a:
        await t.recv()
        await a.recv()
        assert (await troll.post(f"{ob}/chat", {"text": "from troll"})).status_code == 201
        assert (await ann.post(f"{ob}/chat", {"text": "from ann"})).status_code == 201
        got = await a.next_update(
            lambda u: u["type"] == "chat_posted" and u["message"]["text"] == "from ann"
        )
        assert got["message"]["author"]["username"] == "anns"
        snap = (await ann.get(f"/api/rooms/{other}")).json()
        assert [m["text"] for m in snap["chat"]] == ["from ann"]  # not the troll's
        snap = (await troll.get(f"/api/rooms/{other}")).json()
        assert [m["text"] for m in snap["chat"]] == ["from troll"]
    assert (
        await host.http.delete(
            "/api/users/troll/block", headers={"x-csrf-token": host.http.cookies["rc_csrf"]}
        )
    ).status_code == 200
    async with troll.live(f"{base}/live") as t:
        assert (await t.recv())["type"] == "snapshot"


async def test_reports_and_suspension(server: LiveServer) -> None:
    room_id, (admin, bad, ann) = await room_with(server, "admin1", "baduser", "ann1")
    async with server.ctx.transaction() as uow:
        found = await uow.users.by_username("admin1")
        assert found is not None
        await uow.users.set_admin(found.id, True)
    for body in (
        {"reason": "spam"},
        {"username": "baduser", "room_id": room_id, "reason": "x!!"},
        {"username": "baduser", "reason": "no"},
        {"username": "nobody", "reason": "spam"},
    ):
        r = await ann.post("/api/reports", body)
        assert r.status_code in (400, 404, 422), body
    r = await ann.post("/api/reports", {"username": "baduser", "reason": "Spamming the chat"})
    assert r.status_code == 201
    report_id = r.json()["id"]
    assert (
        await ann.post("/api/reports", {"room_id": room_id, "reason": "Off topic"})
    ).status_code == 201
    assert (await ann.get("/api/admin/reports")).status_code == 403  # not an admin
    queue = (await admin.get("/api/admin/reports")).json()
    assert [q["reason"] for q in queue] == ["Spamming the chat", "Off topic"]
    assert queue[0]["user"]["username"] == "baduser"

    base = f"/api/rooms/{room_id}"
    async with bad.live(f"{base}/live") as b:
        await b.recv()
        r = await admin.post(f"/api/admin/reports/{report_id}/resolve", {"action": "suspend"})
        assert r.status_code == 200
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(20):
                msg = await b.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
        assert msg["code"] == "suspended"
    assert (await bad.get("/api/me")).status_code == 401  # signed out everywhere
    async with Client(server) as again:
        r = await again.post(
            "/api/auth/login", {"username": "baduser", "password": "correct horse"}
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "suspended"
    r = await admin.post(f"/api/admin/reports/{report_id}/resolve", {"action": "dismiss"})
    assert r.status_code == 409  # already resolved
    assert [q["reason"] for q in (await admin.get("/api/admin/reports")).json()] == ["Off topic"]
    assert (
        await admin.post("/api/admin/users/baduser/suspend", {"suspended": False})
    ).status_code == 200
    async with Client(server) as again:
        r = await again.post(
            "/api/auth/login", {"username": "baduser", "password": "correct horse"}
        )
        assert r.status_code == 200
