"""Audio through the API with real aiortc peers: the stage decides who is heard, nothing else."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from tests.live_server import Client, LiveServer, via
from tests.media_helpers import ClientPeer, ToneTrack, loopback_only, record_all, tone_power

# Audio paths do not depend on the database; the stage's storage is tested on both elsewhere.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

HOST_TONE, BOB_TONE = 440.0, 700.0
HEARD, SILENT = 0.05, 0.005


async def until_connected(*peers: ClientPeer) -> None:
    async with asyncio.timeout(15):
        while any(p.pc.connectionState != "connected" for p in peers):
            await asyncio.sleep(0.05)
    await asyncio.sleep(0.8)


async def hears(peer: ClientPeer, freq: float, seconds: float = 1.2) -> float:
    """Share of what the peer hears in the tone's band, after the pipeline has flushed
    (jitter buffers hold ~0.2 s of the state before the last change)."""
    await asyncio.sleep(0.5)
    return tone_power((await record_all([peer], seconds))[0], freq)


async def test_stage_controls_who_is_heard(server: LiveServer) -> None:
    loopback_only()
    async with Client(server) as host, Client(server) as bob:
        await host.signup("host")
        await bob.signup("bob")
        room_id = (await host.start_room())["room"]["id"]
        base = f"/api/rooms/{room_id}"
        async with host.live(f"{base}/live") as hws, bob.live(f"{base}/live") as bws:
            await hws.recv()
            bob_key = (await bws.recv())["you"]
            hpeer, bpeer = ClientPeer(ToneTrack(HOST_TONE)), ClientPeer(ToneTrack(BOB_TONE))
            try:
                await hpeer.join(via(host, room_id))
                await bpeer.join(via(bob, room_id))  # a listener whose client sends anyway
                await until_connected(hpeer, bpeer)
                assert await hears(bpeer, HOST_TONE) > HEARD
                assert await hears(hpeer, BOB_TONE) < SILENT  # listeners never reach the mix

                # a modified client cannot put itself on stage or unmute itself
                r = await bob.post(f"{base}/invite", {"key": bob_key})
                assert r.status_code == 403 and r.json()["error"]["code"] == "not_allowed"
                r = await bob.post(f"{base}/invite/answer", {"accept": True})
                assert r.status_code == 409 and r.json()["error"]["code"] == "no_invitation"
                r = await bob.post(f"{base}/mute", {"muted": False})
                assert r.status_code == 403
                assert await hears(hpeer, BOB_TONE) < SILENT

                # invited: still not heard until he accepts
                r = await host.post(f"{base}/invite", {"key": bob_key})
                assert r.status_code == 200 and r.json()["invited"] is True
                assert await hears(hpeer, BOB_TONE) < SILENT
                r = await bob.post(f"{base}/invite/answer", {"accept": True})
                assert r.status_code == 200 and r.json()["role"] == "speaker"
                update = await bws.next_update(lambda u: u["type"] == "role_changed")
                assert update == {
                    "type": "role_changed",
                    "key": bob_key,
                    "role": "speaker",
                    "muted": False,  # he said yes: his microphone is open
                    "muted_by_moderator": False,
                }
                assert await hears(hpeer, BOB_TONE) > HEARD
                assert await hears(bpeer, BOB_TONE) < SILENT  # a speaker does not hear themself
                assert await hears(bpeer, HOST_TONE) > HEARD

                r = await bob.post(f"{base}/mute", {"muted": True})
                assert r.status_code == 200 and r.json()["muted"] is True
                assert await hears(hpeer, BOB_TONE) < SILENT  # the client still sends
                assert (await bob.post(f"{base}/mute", {"muted": False})).json()["muted"] is False
                assert await hears(hpeer, BOB_TONE) > HEARD

                # speaking levels arrive on the room socket, for the speakers only
                levels = await next_levels(hws, lambda lv: bob_key in lv)
                assert levels[bob_key] > 0.3

                # muted by the host: not heard, and he cannot unmute himself
                r = await host.post(f"{base}/participants/{bob_key}/mute", {"muted": True})
                assert r.status_code == 200 and r.json()["muted_by_moderator"] is True
                assert await hears(hpeer, BOB_TONE) < SILENT
                r = await bob.post(f"{base}/mute", {"muted": False})
                assert r.status_code == 403 and r.json()["error"]["code"] == "muted_by_moderator"
                assert await hears(hpeer, BOB_TONE) < SILENT
                r = await bob.post(f"{base}/participants/{bob_key}/mute", {"muted": False})
                assert r.status_code == 403  # a speaker cannot lift it either
                r = await host.post(f"{base}/participants/{bob_key}/mute", {"muted": False})
                assert r.json() | {"muted": True, "muted_by_moderator": False} == r.json()
                assert await hears(hpeer, BOB_TONE) < SILENT  # allowed, but still muted
                assert (await bob.post(f"{base}/mute", {"muted": False})).status_code == 200
                assert await hears(hpeer, BOB_TONE) > HEARD

                r = await host.post(f"{base}/audience", {"key": bob_key})
                assert r.status_code == 200 and r.json()["role"] == "listener"
                assert await hears(hpeer, BOB_TONE) < SILENT
                r = await host.post(f"{base}/audience", {"key": bob_key})
                assert r.status_code == 403  # already a listener
            finally:
                await asyncio.gather(hpeer.close(), bpeer.close())


async def next_levels(ws: Any, predicate: Any, timeout: float = 10) -> dict[str, float]:
    async with asyncio.timeout(timeout):
        while True:
            msg = await ws.recv()
            if msg["type"] == "levels" and predicate(msg["levels"]):
                return dict(msg["levels"])


async def test_reconnect_keeps_the_stage_role(server: LiveServer) -> None:
    loopback_only()
    async with Client(server) as host, Client(server) as bob:
        await host.signup("host2")
        await bob.signup("bob2")
        room_id = (await host.start_room())["room"]["id"]
        base = f"/api/rooms/{room_id}"
        async with host.live(f"{base}/live") as hws:
            await hws.recv()
            hpeer = ClientPeer()
            await hpeer.join(via(host, room_id))
            async with bob.live(f"{base}/live") as bws:
                bob_key = (await bws.recv())["you"]
                assert (await host.post(f"{base}/invite", {"key": bob_key})).status_code == 200
                r = await bob.post(f"{base}/invite/answer", {"accept": True})
                assert r.status_code == 200
                first = ClientPeer(ToneTrack(BOB_TONE))
                await first.join(via(bob, room_id))
                await until_connected(hpeer, first)
                assert await hears(hpeer, BOB_TONE) > HEARD
                await first.close()  # the network drops...
            await asyncio.sleep(0.3)
            assert await hears(hpeer, BOB_TONE) < SILENT
            async with bob.live(f"{base}/live") as bws:  # ...and the page reconnects
                snap = (await bws.recv())["snapshot"]
                me = next(p for p in snap["participants"] if p["key"] == bob_key)
                assert me["role"] == "speaker"
                again = ClientPeer(ToneTrack(BOB_TONE))
                await again.join(via(bob, room_id))
                await until_connected(again)
                assert await hears(hpeer, BOB_TONE) > HEARD
                await again.close()
            await hpeer.close()


async def test_media_bad_input(server: LiveServer) -> None:
    loopback_only()
    async with Client(server) as host, Client(server) as outsider:
        await host.signup("host3")
        room_id = (await host.start_room())["room"]["id"]
        base = f"/api/rooms/{room_id}"
        peer = ClientPeer()
        await peer.pc.setLocalDescription(await peer.pc.createOffer())
        good = peer.pc.localDescription.sdp
        r = await outsider.post(f"{base}/media", {"sdp": good, "type": "offer"})
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_in_room"
        async with host.live(f"{base}/live") as ws:
            await ws.recv()
            for body, status, code in (
                ({"sdp": "garbage", "type": "offer"}, 400, "no_audio"),
                (
                    {
                        "sdp": "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nnonsense\r\n",
                        "type": "offer",
                    },
                    400,
                    "bad_sdp",
                ),
                ({"sdp": good.replace("m=audio", "m=video"), "type": "offer"}, 400, "no_audio"),
                ({"sdp": "x" * 20_001, "type": "offer"}, 422, "invalid_request"),
                ({"sdp": good, "type": "answer"}, 422, "invalid_request"),
                ({"sdp": good}, 422, "invalid_request"),
            ):
                r = await host.post(f"{base}/media", body)
                assert r.status_code == status, (body, r.text)
                assert r.json()["error"]["code"] == code
            r = await host.post(f"{base}/invite", {"key": "<script>"})
            assert r.status_code == 422
            r = await host.post(f"{base}/invite", {"key": "u99999"})
            assert r.status_code == 404 and r.json()["error"]["code"] == "not_in_room"
            r = await host.post(f"{base}/audience", {"key": ws_key(host)})
            assert r.status_code == 403  # only speakers step down; the host ends the room
            r = await host.post(f"{base}/media", {"sdp": good, "type": "offer"})
            assert r.status_code == 200  # the room goes on after all that
        assert (await host.post(f"{base}/end")).status_code == 200
        r = await host.post(f"{base}/media", {"sdp": good, "type": "offer"})
        assert r.status_code == 410
        await peer.close()


def ws_key(client: Client) -> str:
    return "u" + str(client.user_id)


async def test_full_room(tmp_path, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from tests.live_server import run_server

    loopback_only()
    async with (
        run_server(tmp_path / "d", database_url, media_max_peers=1) as srv,
        Client(srv) as host,
        Client(srv) as bob,
    ):
        await host.signup("host4")
        await bob.signup("bob4")
        room_id = (await host.start_room())["room"]["id"]
        base = f"/api/rooms/{room_id}"
        async with host.live(f"{base}/live") as hws, bob.live(f"{base}/live") as bws:
            await hws.recv()
            await bws.recv()
            hp, bp = ClientPeer(), ClientPeer()
            await hp.join(via(host, room_id))
            await bp.pc.setLocalDescription(await bp.pc.createOffer())
            r = await bob.post(
                f"{base}/media", {"sdp": bp.pc.localDescription.sdp, "type": "offer"}
            )
            assert r.status_code == 409 and r.json()["error"]["code"] == "room_full"
            assert "full" in r.json()["error"]["message"]
            await asyncio.gather(hp.close(), bp.close())


async def test_a_recorded_room_writes_its_mix(server: LiveServer) -> None:
    """Record on at creation: segments appear under the data folder; turned off: they stop."""
    import wave

    import numpy as np

    from roomcast.media.recorder import segments

    loopback_only()
    async with Client(server) as host:
        await host.signup("recorder")
        room = (await host.start_room("On the record", record=True))["room"]
        assert room["settings"]["record"] is True
        base = f"/api/rooms/{room['id']}"
        folder = server.ctx.settings.data_dir / "recordings" / room["id"]
        async with host.live(f"{base}/live") as ws:
            await ws.recv()
            peer = ClientPeer(ToneTrack(HOST_TONE))
            await peer.join(via(host, room["id"]))
            await until_connected(peer)
            await asyncio.sleep(5.5)  # at least one 5 s segment finished
            done = segments(folder)
            assert done, list(folder.iterdir()) if folder.exists() else "no folder"
            with wave.open(str(done[-1])) as w:
                pcm = np.frombuffer(w.readframes(w.getnframes()), np.int16) / 32768
            assert tone_power(pcm, HOST_TONE) > HEARD  # the host's voice is in it
            metrics = (await host.get("/metrics")).text  # the host's uplink, as operators see it
            decoded = re.search(r'roomcast_media_uplink_packets\{kind="decoded"\} (\d+)', metrics)
            assert decoded and int(decoded.group(1)) > 100, metrics
            r = await host.http.put(
                f"{base}/settings",
                json={"record": False},
                headers={"x-csrf-token": host.http.cookies["rc_csrf"]},
            )
            assert r.status_code == 200
            await asyncio.sleep(0.3)
            count = len(segments(folder))
            await asyncio.sleep(5.5)
            assert len(segments(folder)) == count  # stopped
            await peer.close()


@asynccontextmanager
async def host_and_bob(server: LiveServer, n: int) -> AsyncIterator[tuple[Any, ...]]:
    """A host and bob, signed up, in a new room with their sockets open:
    (host, bob, room_id, base, host socket, bob's key)."""
    async with Client(server) as host, Client(server) as bob:
        await host.signup(f"host{n}")
        await bob.signup(f"bob{n}")
        room_id = (await host.start_room())["room"]["id"]
        base = f"/api/rooms/{room_id}"
        async with host.live(f"{base}/live") as hws, bob.live(f"{base}/live") as bws:
            await hws.recv()
            yield host, bob, room_id, base, hws, (await bws.recv())["you"]


async def test_no_role_change_opens_a_microphone(server: LiveServer) -> None:
    """Made moderator from the audience, or handed the host role while muted: not heard
    until they unmute themselves."""
    loopback_only()
    async with host_and_bob(server, 6) as (host, bob, room_id, base, hws, bob_key):
        hpeer, bpeer = ClientPeer(ToneTrack(HOST_TONE)), ClientPeer(ToneTrack(BOB_TONE))
        try:
            await hpeer.join(via(host, room_id))
            await bpeer.join(via(bob, room_id))  # his client sends all along
            await until_connected(hpeer, bpeer)
            r = await host.post(f"{base}/participants/{bob_key}/role", {"role": "moderator"})
            assert r.status_code == 200
            assert r.json()["role"] == "moderator" and r.json()["muted"] is True
            assert await hears(hpeer, BOB_TONE) < SILENT
            snap = (await host.get(f"/api/rooms/{room_id}")).json()
            me = next(p for p in snap["participants"] if p["key"] == bob_key)
            assert me["muted"] is True
            assert (await bob.post(f"{base}/mute", {"muted": False})).status_code == 200
            assert await hears(hpeer, BOB_TONE) > HEARD  # his own choice

            # muted again, then handed the host role: still muted
            assert (await bob.post(f"{base}/mute", {"muted": True})).status_code == 200
            r = await host.post(f"{base}/participants/{bob_key}/role", {"role": "host"})
            assert r.status_code == 200 and r.json()["muted"] is True
            assert await hears(hpeer, BOB_TONE) < SILENT
            # the old host, now a moderator, keeps their own microphone state too
            snap = (await host.get(f"/api/rooms/{room_id}")).json()
            old = next(p for p in snap["participants"] if p["key"] == f"u{host.user_id}")
            assert old["role"] == "moderator" and old["muted"] is False
            assert await hears(bpeer, HOST_TONE) > HEARD
        finally:
            await asyncio.gather(hpeer.close(), bpeer.close())


class Gate:
    """Holds the engine between answering one peer's offer and registering its connection
    (the engine's test hook), so that a stage change can land exactly there."""

    def __init__(self, engine: Any, peer_id: str) -> None:
        self.engine, self.peer_id = engine, peer_id
        self.held, self.release = asyncio.Event(), asyncio.Event()

    async def _hold(self, room: str, peer_id: str) -> None:
        if peer_id == self.peer_id:
            self.held.set()
            await self.release.wait()

    def __enter__(self) -> Gate:
        self.engine.before_register = self._hold
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.before_register = None

    async def reached(self) -> None:
        await asyncio.wait_for(self.held.wait(), 10)


async def test_a_stage_change_during_a_reconnect_is_not_lost(server: LiveServer) -> None:
    """The engine is held between answering a reconnect's offer and registering the new
    connection while the stage changes: the new connection takes the stage's latest word,
    both ways (level-triggered media state, not a toggle lost in between)."""
    loopback_only()
    async with host_and_bob(server, 7) as (host, bob, room_id, base, hws, bob_key):
        hpeer, first = ClientPeer(), ClientPeer(ToneTrack(BOB_TONE))
        peers = [hpeer, first]

        async def reconnect_while(change: Any) -> None:
            """Bob's page reconnects its audio; `change` lands while the engine holds."""
            with Gate(server.ctx.engine, bob_key) as gate:
                again = ClientPeer(ToneTrack(BOB_TONE))
                peers.append(again)
                joining = asyncio.create_task(again.join(via(bob, room_id)))
                await gate.reached()
                await change()
                gate.release.set()
                await joining
            await until_connected(again)

        async def bring_up() -> None:
            assert (await host.post(f"{base}/invite", {"key": bob_key})).status_code == 200
            r = await bob.post(f"{base}/invite/answer", {"accept": True})
            assert r.status_code == 200 and r.json()["role"] == "speaker"

        async def send_down() -> None:
            assert (await host.post(f"{base}/audience", {"key": bob_key})).status_code == 200

        try:
            await hpeer.join(via(host, room_id))
            await first.join(via(bob, room_id))  # a listener, sending all along
            await until_connected(hpeer, first)
            assert await hears(hpeer, BOB_TONE) < SILENT
            await reconnect_while(bring_up)
            assert await hears(hpeer, BOB_TONE) > HEARD  # he said yes: he is heard
            await reconnect_while(send_down)
            assert await hears(hpeer, BOB_TONE) < SILENT  # moved down: he is not
        finally:
            await asyncio.gather(*(p.close() for p in peers))


async def test_a_removal_during_a_reconnect_keeps_them_out(server: LiveServer) -> None:
    """Removed while their new connection is being answered: it never joins the mix."""
    loopback_only()
    engine = server.ctx.engine
    async with host_and_bob(server, 8) as (host, bob, room_id, base, hws, bob_key):
        assert (await host.post(f"{base}/invite", {"key": bob_key})).status_code == 200
        assert (await bob.post(f"{base}/invite/answer", {"accept": True})).status_code == 200
        hpeer, first, again = ClientPeer(), ClientPeer(ToneTrack(BOB_TONE)), ClientPeer()
        try:
            await hpeer.join(via(host, room_id))
            await first.join(via(bob, room_id))
            await until_connected(hpeer, first)
            assert await hears(hpeer, BOB_TONE) > HEARD
            await again.pc.setLocalDescription(await again.pc.createOffer())
            offer = {"sdp": again.pc.localDescription.sdp, "type": "offer"}
            with Gate(engine, bob_key) as gate:
                answering = asyncio.create_task(bob.post(f"{base}/media", offer))
                await gate.reached()
                r = await host.post(f"{base}/participants/{bob_key}/remove", {"ban": False})
                assert r.status_code == 200
                gate.release.set()
                r = await answering
            assert r.status_code == 404 and r.json()["error"]["code"] == "not_in_room"
            stats = engine.stats(room_id)
            assert stats is not None and bob_key not in stats.speakers
            assert await hears(hpeer, BOB_TONE) < SILENT
        finally:
            await asyncio.gather(hpeer.close(), first.close(), again.close())


async def test_music_mode_is_the_hosts_and_reaches_the_media_answer(server: LiveServer) -> None:
    """The room setting, as the host sets it, is what the engine answers offers with."""

    def opus_fmtp(sdp: str) -> str:
        return next(line for line in sdp.splitlines() if line.startswith("a=fmtp:"))

    async def answer_of(client: Client, room_id: str) -> str:
        peer = ClientPeer()
        answers: list[str] = []
        connect = via(client, room_id)

        async def keep(offer: Any) -> Any:
            answer = await connect(offer)
            answers.append(answer.sdp)
            return answer

        await peer.join(keep)
        await peer.close()
        return opus_fmtp(answers[0])

    loopback_only()
    async with host_and_bob(server, 9) as (host, bob, room_id, base, hws, _):
        speech = await answer_of(host, room_id)
        assert "useinbandfec=1" in speech and "stereo=1" not in speech
        refused = await bob.put(f"{base}/settings", {"music": True})
        assert refused.status_code == 403
        r = await host.put(f"{base}/settings", {"music": True, "record": False})
        assert r.status_code == 200 and r.json()["music"] is True
        changed = await hws.next_update(lambda u: u["type"] == "settings_changed")
        assert changed["settings"]["music"] is True  # every page learns of it
        music = await answer_of(host, room_id)
        assert "stereo=1" in music and "maxaveragebitrate=128000" in music
        assert "useinbandfec=1" in music
        bad = await host.put(f"{base}/settings", {"music": "loud"})
        assert bad.status_code == 422  # a clear error, naming the field; nothing changed
        assert bad.json()["error"]["fields"][0]["field"] == "music"
        flips = await asyncio.gather(  # ten copies at once, both ways: never a 500
            *(host.put(f"{base}/settings", {"music": i % 2 == 0}) for i in range(10))
        )
        assert {f.status_code for f in flips} == {200}
        r = await host.put(f"{base}/settings", {"music": False})
        assert r.status_code == 200
        assert "stereo=1" not in await answer_of(host, room_id)
    async with Client(server) as dj:
        await dj.signup("djmusic")
        room = (await dj.start_room("Album launch", music=True))["room"]
        assert room["settings"]["music"] is True
