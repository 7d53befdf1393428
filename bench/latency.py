"""Mouth-to-ear latency, browser to browser through the server's mix, on loopback.

A host page's microphone is a WAV of 100 ms beeps, one a second; a listener page hears the
room. Beep onsets are timed on the host's own microphone, where the server mixes them, and
in what the listener hears (one machine clock, epoch ms): p50/p95 and where the time goes.

    .venv/bin/python bench/latency.py [--beeps 30]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from browser import EAR_PROBE_JS, MIC_PROBE_JS, async_playwright, host_page, launch, server
from common import pct, report, sox_beeps
from roomcast.media import engine as media_engine
from roomcast.media import mixer
from roomcast.media.mixer import Pcm


def instrument_mix() -> list[float]:
    """Epoch ms at which a beep onset enters the mix (the server's half of the breakdown)."""
    onsets: list[float] = []
    last = [0.0]
    original = media_engine.mixer.mix

    def mix(frames: Mapping[str, Pcm], channels: int = 1) -> mixer.Mix:
        if frames:
            frame = next(iter(frames.values()))
            now = time.time() * 1000
            if np.sqrt(np.mean((frame / 32768.0) ** 2)) > 0.05:
                if now - last[0] > 300:
                    onsets.append(now)
                last[0] = now
        return original(frames, channels)

    media_engine.mixer.mix = mix  # type: ignore[assignment]
    return onsets


def pair(earlier: list[float], later: list[float], max_ms: float = 800) -> list[float]:
    """For each earlier onset, the delay to the first later onset within max_ms."""
    out = []
    for t in earlier:
        after = [u - t for u in later if 0 <= u - t <= max_ms]
        if after:
            out.append(min(after))
    return out


async def run(beeps: int) -> dict[str, object]:
    mixed = instrument_mix()
    with tempfile.TemporaryDirectory() as tmp:
        wav = sox_beeps(Path(tmp) / "beeps.wav", beeps + 10)
        async with server() as srv, async_playwright() as p:
            speaker_browser, listener_browser = await launch(p, wav), await launch(p)
            try:
                host, url = await host_page(speaker_browser, srv, MIC_PROBE_JS)
                listener = await (await listener_browser.new_context()).new_page()
                await listener.add_init_script(EAR_PROBE_JS)
                await listener.goto(url)
                await listener.wait_for_selector(".room[data-audio=live]", timeout=15_000)
                await asyncio.sleep(3)  # jitter buffers settle
                start = time.time() * 1000
                await asyncio.sleep(beeps)
                mic = [t for t in await host.evaluate("window.__mic.onsets") if t > start]
                ear = [t for t in await listener.evaluate("window.__ear.onsets") if t > start]
            finally:
                await asyncio.gather(speaker_browser.close(), listener_browser.close())
    mix = [t for t in mixed if t > start]
    total, up, down = pair(mic, ear), pair(mic, mix), pair(mix, ear)
    return {
        "beeps_sent": len(mic),
        "beeps_heard": len(total),
        "mouth_to_ear_ms_p50": round(pct(total, 50), 1),
        "mouth_to_ear_ms_p95": round(pct(total, 95), 1),
        "mouth_to_ear_ms_max": round(max(total), 1) if total else None,
        "breakdown_ms_p50": {
            "speaker_mic_to_server_mix": round(pct(up, 50), 1),
            "server_mix_to_listener_ear": round(pct(down, 50), 1),
        },
        "breakdown_note": "mic->mix: browser capture+Opus encode, network, the server's playout "
        "(2 packets, media/playout.py), decode at the 20 ms tick; mix->ear: Opus encode, "
        "packetise+SRTP, network, browser jitter buffer, decode, render tap",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--beeps", type=int, default=30)
    args = ap.parse_args()
    figures = asyncio.run(run(args.beeps))
    report("latency", {"command": f"bench/latency.py --beeps {args.beeps}", **figures})


if __name__ == "__main__":
    main()
