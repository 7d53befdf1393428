"""Moderation over the real API, on SQLite and PostgreSQL: modified clients are refused."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from tests.live_server import Client, LiveServer


async def room_with(server: LiveServer, *names: str) -> tuple[str, list[Client]]:
    clients = [Client(server) for _ in names]
    for c, n in zip(clients, names, strict=True):
        await c.__aenter__()
        await c.signup(n)
    room_id = (await clients[0].start_room())["room"]["id"]
    return room_id, clients


def key(c: Client) -> str:
    return f"u{c.user_id}"


async def test_hands_invitations_and_attacks(server: LiveServer) -> None:
    room_id, (host, mod, ann, bob) = await room_with(server, "host", "mod", "ann", "bob")
    base = f"/api/rooms/{room_id}"
    path = f"{base}/live"
    async with host.live(path) as h, mod.live(path) as m, ann.live(path) as a, bob.live(path) as b:
        for ws in (h, m, a, b):
            await ws.recv()
        # roles: the host makes a moderator; nobody else can
        r = await ann.post(f"{base}/participants/{key(ann)}/role", {"role": "moderator"})
        assert r.status_code == 403
        r = await host.post(f"{base}/participants/{key(mod)}/role", {"role": "moderator"})
        assert r.status_code == 200 and r.json()["role"] == "moderator"
        r = await mod.post(f"{base}/participants/{key(ann)}/role", {"role": "moderator"})
        assert r.status_code == 403  # moderators do not make moderators

        # hands: raised in order, a second raise keeps one's place
        r1 = (await bob.post(f"{base}/hand", {"raised": True})).json()
        await asyncio.sleep(0.01)
        r2 = (await ann.post(f"{base}/hand", {"raised": True})).json()
        again = (await bob.post(f"{base}/hand", {"raised": True})).json()
        assert r1["hand_raised_at"] < r2["hand_raised_at"] and again == r1
        assert (await host.post(f"{base}/hand", {"raised": True})).status_code == 403

        # "not now": staff lower a listener's hand (ten at once: one change); nobody else may
        raised = (await ann.post(f"{base}/hand", {"raised": True})).json()["hand_raised_at"]
        dismiss = f"{base}/participants/{key(ann)}/hand/dismiss"
        assert (await bob.post(dismiss)).status_code == 403
        got = await asyncio.gather(*(host.post(dismiss) for _ in range(10)))
        assert {r.status_code for r in got} == {200}
        assert all(r.json()["hand_raised_at"] is None for r in got)
        lowered = await a.updates_until(
            lambda u: u["type"] == "hand_changed" and u["key"] == key(ann) and not u["raised_at"]
        )
        assert lowered[-1]["raised_at"] is None
        again_up = (await ann.post(f"{base}/hand", {"raised": True})).json()  # at the back now
        assert again_up["hand_raised_at"] > raised
        # the next hand news is that raise: the other nine dismissals said nothing
        news = await a.next_update(lambda u: u["type"] == "hand_changed")
        assert news["raised_at"] == again_up["hand_raised_at"]

        # invitations: staff only, to listeners, and only the invited person answers
        assert (await ann.post(f"{base}/invite", {"key": key(bob)})).status_code == 403
        assert (await mod.post(f"{base}/invite", {"key": key(bob)})).status_code == 200
        assert (await ann.post(f"{base}/invite/answer", {"accept": True})).status_code == 409
        r = await bob.post(f"{base}/invite/answer", {"accept": True})
        assert r.json()["role"] == "speaker" and r.json()["hand_raised_at"] is None

        # a speaker cannot moderate; a moderator cannot touch the host
        for who, url, body in (
            (bob, f"/participants/{key(ann)}/remove", {"ban": True}),
            (bob, f"/participants/{key(host)}/mute", {"muted": True}),
            (bob, "/audience", {"key": key(mod)}),
            (mod, f"/participants/{key(host)}/mute", {"muted": True}),
            (mod, f"/participants/{key(host)}/remove", {"ban": False}),
            (mod, "/audience", {"key": key(host)}),
            (mod, f"/participants/{key(bob)}/role", {"role": "host"}),
            (ann, "/settings", None),
        ):
            r = await (
                who.http.put(
                    base + url,
                    json={"hand_raising": False},
                    headers={"x-csrf-token": who.http.cookies["rc_csrf"]},
                )
                if url == "/settings"
                else who.post(base + url, body)
            )
            assert r.status_code == 403, (url, r.text)
            assert r.json()["error"]["code"] == "not_allowed"
        snap = (await host.get(f"/api/rooms/{room_id}")).json()
        roles = {p["key"]: p["role"] for p in snap["participants"]}
        assert roles == {
            key(host): "host",
            key(mod): "moderator",
            key(bob): "speaker",
            key(ann): "listener",
        }

        # a moderator may move a speaker back, and a speaker may step down
        assert (await mod.post(f"{base}/audience", {"key": key(bob)})).status_code == 200
        assert (await mod.post(f"{base}/audience", {"key": key(mod)})).status_code == 200


async def test_remove_and_ban(server: LiveServer) -> None:
    room_id, (host, bob, eve) = await room_with(server, "host2", "bob2", "eve2")
    base = f"/api/rooms/{room_id}"
    async with host.live(f"{base}/live") as h:
        await h.recv()
        async with bob.live(f"{base}/live") as b:
            await b.recv()
            assert (
                await host.post(f"{base}/participants/{key(bob)}/remove", {})
            ).status_code == 200
            msgs = []
            with pytest.raises(ConnectionClosed) as closed:
                for _ in range(10):
                    msgs.append(await b.recv())
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
            assert any(m.get("update", {}).get("type") == "participant_removed" for m in msgs)
        async with bob.live(f"{base}/live") as b:  # removed: out until the room ends
            msg = await b.recv()
            assert msg["type"] == "error" and msg["code"] == "removed"
        async with eve.live(f"{base}/live") as e:
            await e.recv()
            r = await host.post(f"{base}/participants/{key(eve)}/remove", {"ban": True})
            assert r.status_code == 200
        async with eve.live(f"{base}/live") as e:  # banned: refused, clearly
            msg: dict[str, Any] = await e.recv()
            assert msg["type"] == "error" and "banned" in msg["message"]
        r = await eve.post(f"{base}/hand", {"raised": True})
        assert r.status_code == 404  # not in the room
        snap = (await host.get(f"/api/rooms/{room_id}")).json()
        assert key(eve) not in {p["key"] for p in snap["participants"]}


async def test_settings_hands_off_and_speakers_join_muted(server: LiveServer) -> None:
    room_id, (host, bob) = await room_with(server, "host3", "bob3")
    base = f"/api/rooms/{room_id}"
    csrf = {"x-csrf-token": host.http.cookies["rc_csrf"]}
    async with host.live(f"{base}/live") as h, bob.live(f"{base}/live") as b:
        await h.recv()
        await b.recv()
        assert (await bob.post(f"{base}/hand", {"raised": True})).status_code == 200
        r = await host.http.put(
            f"{base}/settings",
            json={"hand_raising": False, "speakers_join_muted": True},
            headers=csrf,
        )
        assert r.status_code == 200 and r.json()["speakers_join_muted"] is True
        r = await host.http.put(f"{base}/settings", json={"hand_raising": "maybe"}, headers=csrf)
        assert r.status_code == 422
        snap = (await host.get(f"/api/rooms/{room_id}")).json()
        assert snap["room"]["settings"]["hand_raising"] is False
        assert all(p["hand_raised_at"] is None for p in snap["participants"])  # hands lowered
        r = await bob.post(f"{base}/hand", {"raised": True})
        assert r.status_code == 409 and r.json()["error"]["code"] == "hands_off"
        await host.post(f"{base}/invite", {"key": key(bob)})
        r = await bob.post(f"{base}/invite/answer", {"accept": True})
        assert r.json()["role"] == "speaker" and r.json()["muted"] is True


@pytest.mark.grace(1.0)
async def test_a_moderator_takes_over_when_the_host_stays_away(server: LiveServer) -> None:
    room_id, (host, mod) = await room_with(server, "host4", "mod4")
    base = f"/api/rooms/{room_id}"
    async with mod.live(f"{base}/live") as m:
        await m.recv()
        async with host.live(f"{base}/live") as h:
            await h.recv()
            r = await host.post(f"{base}/participants/{key(mod)}/role", {"role": "moderator"})
            assert r.status_code == 200
        update = await m.next_update(lambda u: u["type"] == "host_changed", timeout=10)
        assert update["host"]["username"] == "mod4"
        snap = (await mod.get(f"/api/rooms/{room_id}")).json()
        assert snap["room"]["state"] == "live" and snap["room"]["host"]["username"] == "mod4"
        assert {p["key"]: p["role"] for p in snap["participants"]} == {key(mod): "host"}
        async with host.live(f"{base}/live") as h:  # the old host comes back as a moderator
            snap = (await h.recv())["snapshot"]
            assert {p["key"]: p["role"] for p in snap["participants"]}[key(host)] == "moderator"


async def test_speaking_timer(server: LiveServer) -> None:
    room_id, (host, bob) = await room_with(server, "host5", "bob5")
    base = f"/api/rooms/{room_id}"
    csrf = {"x-csrf-token": host.http.cookies["rc_csrf"]}
    async with host.live(f"{base}/live") as h, bob.live(f"{base}/live") as b:
        await h.recv()
        await b.recv()
        r = await host.http.put(
            f"{base}/timer", json={"key": key(bob), "seconds": 60}, headers=csrf
        )
        assert r.status_code == 403  # a listener has no turn to time
        await host.post(f"{base}/invite", {"key": key(bob)})
        await bob.post(f"{base}/invite/answer", {"accept": True})
        r = await bob.http.put(
            f"{base}/timer",
            json={"key": key(bob), "seconds": 600},
            headers={"x-csrf-token": bob.http.cookies["rc_csrf"]},
        )
        assert r.status_code == 403  # speakers do not time themselves
        for bad in (
            {"key": key(bob), "seconds": 5},
            {"key": key(bob), "seconds": 99999},
            {"key": "<x>", "seconds": 60},
        ):
            r = await host.http.put(f"{base}/timer", json=bad, headers=csrf)
            assert r.status_code == 422
        r = await host.http.put(
            f"{base}/timer", json={"key": key(bob), "seconds": 90}, headers=csrf
        )
        assert r.status_code == 200 and r.json()["key"] == key(bob)
        update = await b.next_update(lambda u: u["type"] == "timer_changed")
        assert update["timer"]["key"] == key(bob)
        r = await host.http.put(f"{base}/timer", json={"key": None}, headers=csrf)
        assert r.status_code == 200 and r.json() is None
        snap = (await host.get(f"/api/rooms/{room_id}")).json()
        assert snap["room"]["timer"] is None


async def test_a_blocked_microphone_is_shown_to_the_hosts(server: LiveServer) -> None:
    room_id, (host, sam, lee) = await room_with(server, "host", "sam", "lee")
    base = f"/api/rooms/{room_id}"
    path = f"{base}/live"
    async with host.live(path) as h, sam.live(path) as s, lee.live(path) as ws_lee:
        for ws in (h, s, ws_lee):
            await ws.recv()
        await host.post(f"{base}/invite", {"key": key(sam)})
        await sam.post(f"{base}/invite/answer", {"accept": True})
        # garbage and the wrong people are refused; nothing changes
        for body in ({}, {"blocked": "maybe"}, {"blocked": True, "extra": 1}, [True]):
            r = await sam.post(f"{base}/mic", body)
            assert r.status_code == 422, (body, r.text)
        assert (await lee.post(f"{base}/mic", {"blocked": True})).status_code == 403  # a listener
        async with Client(server) as guest:
            assert (await guest.post(f"{base}/mic", {"blocked": True})).status_code == 401
        # ten copies at once: one change, told once
        got = await asyncio.gather(*(sam.post(f"{base}/mic", {"blocked": True}) for _ in range(10)))
        assert {r.status_code for r in got} == {200} and all(r.json()["mic_blocked"] for r in got)
        news = await h.next_update(lambda u: u["type"] == "mic_blocked")
        assert news == {"type": "mic_blocked", "key": key(sam), "blocked": True}
        snap = (await host.get(f"/api/rooms/{room_id}")).json()
        assert {p["key"]: p["mic_blocked"] for p in snap["participants"]}[key(sam)] is True
        assert (await sam.post(f"{base}/mic", {"blocked": False})).json()["mic_blocked"] is False
        again = await h.next_update(lambda u: u["type"] == "mic_blocked")
        assert again["blocked"] is False  # the nine repeats said nothing in between
