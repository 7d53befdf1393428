"""How fast the mix follows the stage: 'move to audience' (or a moderator's mute) → silence.

A speaker (aiortc, continuous tone) and a listener (aiortc, timing each decoded frame) in a
real server on loopback. Each round brings the speaker up (invite + accept), waits, then
moves them back and times: the API call, and the first silent frame at the listener.

    .venv/bin/python bench/stage.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: tests' helpers

from tests.live_server import Client, run_server, via
from tests.media_helpers import ClientPeer, ToneTrack, loopback_only

from common import pct, report


class Ear(ClientPeer):
    """A listener that timestamps every decoded frame's loudness."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[tuple[float, float]] = []
        self.recording = True

    def take(self) -> np.ndarray:  # keep only (time, rms) pairs, not the audio
        for chunk in self.heard:
            self.frames.append((time.monotonic(), float(np.sqrt(np.mean(chunk**2)))))
        self.heard = []
        return np.zeros(0)


async def silence_after(ear: Ear, t0: float, within: float = 3.0) -> float | None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        ear.take()
        quiet = [t for t, rms in ear.frames if t >= t0 and rms < 0.005]
        if quiet:
            return (quiet[0] - t0) * 1000
        await asyncio.sleep(0.005)
    return None


async def run(rounds: int) -> dict[str, object]:
    loopback_only()
    with tempfile.TemporaryDirectory() as tmp:
        async with (
            run_server(Path(tmp), f"sqlite+aiosqlite:///{tmp}/rc.db") as srv,
            Client(srv) as host,
            Client(srv) as bob,
        ):
            await host.signup("benchhost")
            await bob.signup("benchbob")
            room = (await host.start_room())["room"]["id"]
            base = f"/api/rooms/{room}"

            async with host.live(f"{base}/live") as hws, bob.live(f"{base}/live") as bws:
                await hws.recv()
                await bws.recv()
                ear, mouth = Ear(), ClientPeer(ToneTrack(440))
                await ear.join(via(host, room))
                await mouth.join(via(bob, room))
                api_ms: list[float] = []
                silence_ms: list[float] = []
                for _ in range(rounds):
                    await host.post(f"{base}/invite", {"key": f"u{bob.user_id}"})
                    await bob.post(f"{base}/invite/answer", {"accept": True})
                    await asyncio.sleep(1.5)  # heard for a while
                    ear.take()
                    ear.frames.clear()
                    t0 = time.monotonic()
                    await host.post(f"{base}/audience", {"key": f"u{bob.user_id}"})
                    api_ms.append((time.monotonic() - t0) * 1000)
                    gone = await silence_after(ear, t0)
                    if gone is not None:
                        silence_ms.append(gone)
                await asyncio.gather(ear.close(), mouth.close())
    return {
        "rounds": rounds,
        "silenced": len(silence_ms),
        "api_call_ms_p50": round(pct(api_ms, 50), 1),
        "api_call_ms_p95": round(pct(api_ms, 95), 1),
        "move_to_silence_ms_p50": round(pct(silence_ms, 50), 1),
        "move_to_silence_ms_p95": round(pct(silence_ms, 95), 1),
        "note": "from the 'move to audience' request to the listener's first silent decoded "
        "frame: the mixer drops the speaker at the next 20 ms tick after the commit; "
        "the rest is frames already encoded or in flight and the listener's jitter buffer",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    figures = asyncio.run(run(args.rounds))
    report("stage", {"command": f"bench/stage.py --rounds {args.rounds}", **figures})


if __name__ == "__main__":
    main()
