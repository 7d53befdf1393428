"""A real server in this process and headless Chromium pages on it, for the browser benchmarks."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: tests' helpers

from playwright.async_api import Browser, Page, async_playwright
from tests.audio_probe import PROBE_JS
from tests.integration.browser.conftest import ARGS
from tests.live_server import Client, LiveServer, run_server
from tests.media_helpers import loopback_only

# Onsets (epoch ms) of sound after >= 300 ms of quiet, on a stream: shared by both probes.
_ONSETS_JS = """
window.__onsets = (stream, sink) => {
  const ctx = new AudioContext(); ctx.resume();
  const an = ctx.createAnalyser(); an.fftSize = 256;
  ctx.createMediaStreamSource(stream).connect(an);
  const buf = new Float32Array(an.fftSize); let last = -1e9;
  setInterval(() => {
    an.getFloatTimeDomainData(buf);
    let e = 0; for (let i = 0; i < buf.length; i++) e += buf[i] * buf[i];
    const now = performance.timeOrigin + performance.now();
    if (Math.sqrt(e / buf.length) > 0.05) { if (now - last > 300) sink.push(now); last = now; }
  }, 2);
};
"""

# The speaker's own microphone, metered on its page (processing off: the WAV as it is).
MIC_PROBE_JS = (
    _ONSETS_JS
    + """
(() => {
  const md = navigator.mediaDevices, gum = md.getUserMedia.bind(md);
  window.__mic = {onsets: []};
  md.getUserMedia = async (c) => {
    const s = await gum({audio: {echoCancellation: false, noiseSuppression: false, autoGainControl: false}});
    window.__onsets(s, window.__mic.onsets);
    return s;
  };
})();
"""
)

# What a page hears from the room.
EAR_PROBE_JS = (
    _ONSETS_JS
    + """
(() => {
  window.__ear = {onsets: []};
  const tap = setInterval(() => {
    const el = document.getElementById('room-audio');
    if (!el || !el.srcObject) return;
    clearInterval(tap);
    window.__onsets(el.srcObject, window.__ear.onsets);
  }, 10);
})();
"""
)


@asynccontextmanager
async def server() -> AsyncIterator[LiveServer]:
    loopback_only()
    with tempfile.TemporaryDirectory() as tmp:
        async with run_server(Path(tmp), f"sqlite+aiosqlite:///{tmp}/rc.db") as srv:
            yield srv


async def launch(p: Any, mic_wav: Path | None = None) -> Browser:
    args = list(ARGS)
    if mic_wav is not None:
        args.append(f"--use-file-for-fake-audio-capture={mic_wav}")
    browser: Browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
    return browser


async def host_page(browser: Browser, srv: LiveServer, *scripts: str) -> tuple[Page, str]:
    """A signed-up host on a fresh room's page, microphone on. Returns (page, room url)."""
    async with Client(srv) as api:
        await api.signup("benchhost")
        room = (await api.start_room("Benchmark room"))["room"]
        cookies = [{"name": k, "value": v, "url": srv.url} for k, v in api.http.cookies.items()]
    ctx = await browser.new_context()
    await ctx.add_cookies(cookies)  # type: ignore[arg-type]
    page = await ctx.new_page()
    for s in scripts:
        await page.add_init_script(s)
    url = f"{srv.url}/r/{room['id']}"
    await page.goto(url)
    await page.wait_for_selector(".room[data-audio=live]", timeout=15_000)
    return page, url


__all__ = [
    "EAR_PROBE_JS",
    "MIC_PROBE_JS",
    "PROBE_JS",
    "async_playwright",
    "asyncio",
    "host_page",
    "launch",
    "server",
]
