"""Join time in a real browser: page open → first audible audio from the room, p50/p95;
audio lost when browsing away and back; time to audio after "Rejoin" following a reload.

A host talks (a WAV tone as microphone); a new guest context opens the room page again and
again; the time from navigation start to the first audible 10 ms block is read in the page
(performance.now() is measured from navigation start), with the steps on the way.

Then one guest browses: room → hallway (the mini-player) → back to the room, `--navs`
times. Audio lost is the growth of the receiver's `concealedSamples` (getStats; samples
the decoder had to invent because none arrived) over the navigation, in ms at 48 kHz, next
to the same measure over an equally long stretch without navigating (the network's own
share). Last, the guest reloads on the hallway and presses "Rejoin": the time from the
press to the first audible block.

    .venv/bin/python bench/join.py [--joins 15] [--navs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

from browser import PROBE_JS, async_playwright, host_page, launch, server
from common import pct, report, sox_wav

STEPS_JS = """
(() => {
  window.__steps = {};
  const Orig = window.RTCPeerConnection;
  window.RTCPeerConnection = function (...a) {
    const pc = new Orig(...a);
    window.__steps.pc_created = performance.now();
    window.__pcs = (window.__pcs || 0) + 1;
    window.__pc = pc;
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') window.__steps.ice_gathered = performance.now(); });
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'connected') window.__steps.connected = performance.now(); });
    return pc;
  };
  window.RTCPeerConnection.prototype = Orig.prototype;
})();
"""


CONCEALED_JS = """async () => {
  let n = 0;
  (await window.__pc.getStats()).forEach((r) => { if (r.type === 'inbound-rtp') n = r.concealedSamples; });
  return n;
}"""


async def until(page: Any, js: str) -> Any:
    """Poll a page expression until it is truthy, 15 s at most (CSP forbids Playwright's
    eval-based waits)."""
    async with asyncio.timeout(15):
        while not (value := await page.evaluate(js)):
            await asyncio.sleep(0.05)
    return value


async def browse_away_and_back(guest_browser: Any, url: str, navs: int) -> dict[str, object]:
    page = await (await guest_browser.new_context()).new_page()
    await page.add_init_script(PROBE_JS)
    await page.add_init_script(STEPS_JS)
    await page.goto(url)
    await until(page, "window.__probe.firstAudible")
    await asyncio.sleep(1.0)  # past the start-up concealment
    lost, idle = [], []
    for _ in range(navs):
        c0 = await page.evaluate(CONCEALED_JS)
        t0 = await page.evaluate("performance.now()")
        await page.get_by_role("link", name="← Hallway").click()
        await until(page, "!document.getElementById('mini-player').hidden")
        await asyncio.sleep(0.5)
        await page.locator("#mini-open").click()
        await until(
            page,
            "document.querySelector('#main [data-page=room]') && document.getElementById('mini-player').hidden",
        )
        await asyncio.sleep(0.5)
        c1 = await page.evaluate(CONCEALED_JS)
        took = (await page.evaluate("performance.now()")) - t0
        lost.append((c1 - c0) / 48)
        await asyncio.sleep(took / 1000)  # the same stretch, staying on the page
        idle.append((await page.evaluate(CONCEALED_JS) - c1) / 48)
    pcs = await page.evaluate("window.__pcs")
    # a reload on the hallway: the connection is gone; "Rejoin" brings the room back
    rejoin: list[float] = []
    for _ in range(max(1, navs // 2)):
        await page.goto(url.rsplit("/r/", 1)[0] + "/")
        await until(page, "!document.getElementById('mini-player').hidden")
        await page.reload()
        button = page.get_by_role("button", name="Rejoin")
        await button.wait_for()
        pressed = await page.evaluate("performance.now()")
        await button.click()
        first = await until(page, "window.__probe.firstAudible")
        rejoin.append(first - pressed)
        await page.locator("#mini-open").click()  # back in the room, for the next round
        await until(page, "document.querySelector('#main [data-page=room]')")
    await page.context.close()
    return {
        "navigations": navs,
        "audio_lost_ms_per_navigation_p50": round(pct(lost, 50), 1),
        "audio_lost_ms_per_navigation_max": round(max(lost), 1),
        "concealed_ms_same_stretch_without_navigating_p50": round(pct(idle, 50), 1),
        "peer_connections_for_the_whole_visit": pcs,
        "rejoin_after_reload_to_audio_ms_p50": round(pct(rejoin, 50)),
        "rejoin_after_reload_to_audio_ms_max": round(max(rejoin)),
    }


async def run(joins: int, navs: int) -> dict[str, object]:
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
                browsing = await browse_away_and_back(guest_browser, url, navs)
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
        **browsing,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--joins", type=int, default=15)
    ap.add_argument("--navs", type=int, default=5)
    args = ap.parse_args()
    figures = asyncio.run(run(args.joins, args.navs))
    command = f"bench/join.py --joins {args.joins} --navs {args.navs}"
    report("join", {"command": command, **figures})


if __name__ == "__main__":
    main()
