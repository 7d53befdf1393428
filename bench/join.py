"""Join time in a real browser: page open → first audible audio from the room, p50/p95.

A host talks (a WAV tone as microphone); a new guest context opens the room page again and
again; the time from navigation start to the first audible 10 ms block is read in the page
(performance.now() is measured from navigation start), with the steps on the way.

    .venv/bin/python bench/join.py [--joins 15]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from browser import PROBE_JS, async_playwright, host_page, launch, server
from common import pct, report, sox_wav

STEPS_JS = """
(() => {
  window.__steps = {};
  const Orig = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...a) {
    const pc = new Orig(...a);
    window.__steps.pc_created = performance.now();
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') window.__steps.ice_gathered = performance.now(); });
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'connected') window.__steps.connected = performance.now(); });
    return pc;
  };
  window.RTCPeerConnection.prototype = Orig.prototype;
})();
"""


async def run(joins: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        wav = sox_wav(Path(tmp) / "tone.wav", "synth", "600", "sine", "440", "vol", "0.5")
        async with server() as srv, async_playwright() as p:
            host_browser, guest_browser = await launch(p, wav), await launch(p)
            try:
                _, url = await host_page(host_browser, srv)
                times: list[float] = []
                steps: dict[str, list[float]] = {}
                for _ in range(joins):
                    ctx = await guest_browser.new_context()
                    page = await ctx.new_page()
                    await page.add_init_script(PROBE_JS)
                    await page.add_init_script(STEPS_JS)
                    await page.goto(url)
                    first = None
                    for _ in range(300):  # CSP forbids eval, so poll instead of wait_for_function
                        first = await page.evaluate("window.__probe.firstAudible")
                        if first is not None:
                            break
                        await asyncio.sleep(0.05)
                    assert first is not None, "no audio within 15 s"
                    times.append(first)
                    got = await page.evaluate("window.__steps")
                    got["dom_content_loaded"] = await page.evaluate(
                        "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
                    )
                    for k, v in got.items():
                        steps.setdefault(k, []).append(v)
                    await ctx.close()
                    await asyncio.sleep(0.3)
            finally:
                await asyncio.gather(host_browser.close(), guest_browser.close())
    return {
        "joins": len(times),
        "join_ms_p50": round(pct(times, 50)),
        "join_ms_p95": round(pct(times, 95)),
        "join_ms_max": round(max(times)),
        "steps_ms_p50_from_navigation": {
            k: round(pct(v, 50)) for k, v in sorted(steps.items(), key=lambda kv: pct(kv[1], 50))
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--joins", type=int, default=15)
    args = ap.parse_args()
    figures = asyncio.run(run(args.joins))
    report("join", {"command": f"bench/join.py --joins {args.joins}", **figures})


if __name__ == "__main__":
    main()
