"""Helpers for the live-to-podcast tests: record a room through real WebRTC, wait for its
episode, and measure audio with ffmpeg's own meter (independent of the server's)."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path
from typing import Any

from aiortc.mediastreams import MediaStreamTrack

from tests.live_server import Client, via
from tests.media_helpers import ClientPeer, ToneTrack
from tests.tools import need_binary


def ffmpeg_r128(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) by ffmpeg's ebur128 filter."""
    ffmpeg = need_binary("ffmpeg")
    out = subprocess.run(
        [ffmpeg, "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true"]
        + ["-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stderr
    summary = out[out.rindex("Summary:") :]
    found_i = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    found_tp = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert found_i and found_tp, summary
    return float(found_i.group(1)), float(found_tp.group(1))


def ffprobe_duration(path: Path) -> float:
    ffprobe = need_binary("ffprobe")
    out = subprocess.run(
        [ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return float(out.strip())


async def speak_in(client: Client, room_id: str, track: MediaStreamTrack) -> ClientPeer:
    """Join the room's audio with `track` as the microphone; returns once connected."""
    peer = ClientPeer(track)
    await peer.join(via(client, room_id))
    async with asyncio.timeout(15):
        while peer.pc.connectionState != "connected":
            await asyncio.sleep(0.05)
    return peer


async def wait_episode(
    client: Client, username: str, *, transcript: bool = False, timeout: float = 120
) -> dict[str, Any]:
    """The show's newest episode once it is made (and its transcript, if asked)."""
    async with asyncio.timeout(timeout):
        while True:
            r = await client.get(f"/api/shows/{username}")
            assert r.status_code == 200, r.text
            eps = r.json()["episodes"]
            if eps and eps[0]["status"] != "processing":
                ep: dict[str, Any] = eps[0]
                if not transcript or ep["transcript"] not in ("pending",):
                    return ep
            await asyncio.sleep(0.25)


async def record_tone(
    host: Client, title: str, seconds: float = 2.5, **options: Any
) -> dict[str, Any]:
    """A recorded room where the host plays a tone, ended; returns the room."""
    room: dict[str, Any] = (await host.start_room(title, record=True, **options))["room"]
    async with host.live(f"/api/rooms/{room['id']}/live") as ws:
        await ws.recv()
        peer = await speak_in(host, room["id"], ToneTrack(440))
        await asyncio.sleep(seconds)
        r = await host.post(f"/api/rooms/{room['id']}/end")
        assert r.status_code == 200, r.text
        await peer.close()
    return room
