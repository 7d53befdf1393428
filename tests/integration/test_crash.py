"""Kill -9 the real server process while a room is live; the next start ends the room."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from roomcast.media.recorder import SEGMENT_SECONDS, segments
from tests.live_server import Client, server_process
from tests.media_helpers import ToneTrack, loopback_only
from tests.podcast_helpers import speak_in, wait_episode


async def test_rooms_left_live_by_a_crash_are_ended(tmp_path: Path, database_url: str) -> None:
    data = tmp_path / "data"
    async with (
        server_process(data, database_url) as (endpoint, proc),
        Client(endpoint) as host,
        Client(endpoint) as listener,
    ):
        await host.signup("crashy")
        room = (await host.start_room("Before the crash"))["room"]
        async with host.live(f"/api/rooms/{room['id']}/live") as ws:
            await ws.recv()
            async with listener.live(f"/api/rooms/{room['id']}/live") as lws:
                await lws.recv()
                hall = (await listener.get("/api/rooms")).json()["rooms"]
                assert [r["id"] for r in hall] == [room["id"]]
                proc.send_signal(signal.SIGKILL)
                assert await asyncio.wait_for(proc.wait(), 10) == -signal.SIGKILL
    async with server_process(data, database_url) as (endpoint, _), Client(endpoint) as c:
        assert (await c.get("/api/rooms")).json()["rooms"] == []
        snap = (await c.get(f"/api/rooms/{room['id']}")).json()
        assert snap["room"]["state"] == "ended" and snap["room"]["end_reason"] == "server_restart"
        assert snap["participants"] == []
        # accounts survived the crash
        r = await c.post("/api/auth/login", {"username": "crashy", "password": "correct horse"})
        assert r.status_code == 200


async def test_a_recording_killed_mid_room_still_becomes_an_episode(
    tmp_path: Path, database_url: str
) -> None:
    """SIGKILL while a recorded room is live: at restart the room is ended, its recording
    recovered, and the episode made from every finished segment."""
    loopback_only()
    data = tmp_path / "data"
    media = {"media_host_addresses": '["127.0.0.1"]'}
    async with (
        server_process(data, database_url, **media) as (endpoint, proc),
        Client(endpoint) as host,
    ):
        await host.signup("survivor")
        room = (await host.start_room("Recorded, then killed", record=True))["room"]
        folder = data / "recordings" / room["id"]
        async with host.live(f"/api/rooms/{room['id']}/live") as ws:
            await ws.recv()
            peer = await speak_in(host, room["id"], ToneTrack(440))
            async with asyncio.timeout(30):
                while len(segments(folder)) < 2:  # ten seconds of the room on disk
                    await asyncio.sleep(0.1)
            await asyncio.sleep(2.0)  # into the third segment, which is lost
            finished = len(segments(folder))
            proc.send_signal(signal.SIGKILL)
            assert await asyncio.wait_for(proc.wait(), 10) == -signal.SIGKILL
            await peer.close()
    assert finished >= 2
    async with (
        server_process(data, database_url, **media) as (endpoint, _),
        Client(endpoint) as host,
    ):
        await host.post("/api/auth/login", {"username": "survivor", "password": "correct horse"})
        ep = await wait_episode(host, "survivor")
        assert ep["status"] == "published", ep
        # the tone ran from shortly after the start through every finished segment
        assert finished * SEGMENT_SECONDS - 4.0 <= ep["duration"] <= finished * SEGMENT_SECONDS
        audio = await host.get(ep["audio_url"])
        assert audio.status_code == 200 and len(audio.content) == ep["audio_bytes"]
