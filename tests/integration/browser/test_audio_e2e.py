"""Two real browsers talk through the server: speech WAVs as microphones, heard on the
other side (by loudness envelope), the stage switching who is heard."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.audio_probe import PROBE_JS, heard_envelope, similarity, speech_wav, wav_envelope
from tests.integration.browser.conftest import ARGS
from tests.integration.browser.test_hallway_e2e import sign_up
from tests.live_server import LiveServer
from tests.tools import need_binary

pytestmark = pytest.mark.browser

ALICE_SAYS = (
    "Welcome to the morning show. Today we talk about jazz, punk, and the long history "
    "of improvised music. Stay with us."
)
BEA_SAYS = "Hi everyone. Bea here. One, two, three. Testing, testing. Can you all hear me now?"


async def browser_with_mic(p, wav: Path) -> Browser:  # type: ignore[no-untyped-def]
    chromium = need_binary("chromium", "/usr/bin/chromium")
    return await p.chromium.launch(
        executable_path=chromium, args=[*ARGS, f"--use-file-for-fake-audio-capture={wav}"]
    )


@asynccontextmanager
async def speaking_pair(
    folder: Path, says_a: str, says_b: str, viewport: dict[str, int] | None = None
) -> AsyncIterator[tuple[Page, Page, Path, Path]]:
    """Two browsers, each with a speech WAV as its microphone (Alice's voice, Bea's), a
    page in each with the audio probe; and the two WAVs, to tell who is heard."""
    wav_a = speech_wav(folder / "alice.wav", says_a, "en-us", 150)
    wav_b = speech_wav(folder / "bea.wav", says_b, "en+f3", 190)
    async with async_playwright() as p:
        a, b = await browser_with_mic(p, wav_a), await browser_with_mic(p, wav_b)
        try:
            pages = []
            for br in (a, b):
                page = await (await br.new_context(viewport=viewport)).new_page()  # type: ignore[arg-type]
                await page.add_init_script(PROBE_JS)
                page.on("dialog", lambda d: d.accept())
                pages.append(page)
            yield pages[0], pages[1], wav_a, wav_b
        finally:
            await asyncio.gather(a.close(), b.close())


@pytest.fixture
async def two_browsers(tmp_path: Path) -> AsyncIterator[tuple[Page, Page, Page, Path, Path]]:
    async with speaking_pair(tmp_path, ALICE_SAYS, BEA_SAYS) as (alice, bea, wav_a, wav_b):
        browser = alice.context.browser
        assert browser is not None
        carl = await (await browser.new_context()).new_page()  # a guest: no microphone used
        await carl.add_init_script(PROBE_JS)
        carl.on("dialog", lambda d: d.accept())
        yield alice, bea, carl, wav_a, wav_b


async def audio_live(page: Page) -> None:
    await expect(page.locator(".room")).to_have_attribute("data-audio", "live", timeout=15_000)


async def test_speaker_heard_by_listener_then_stage_switches(
    two_browsers: tuple[Page, Page, Page, Path, Path], web_server: LiveServer
) -> None:
    alice, bea, carl, wav_a, wav_b = two_browsers
    env_a, env_b = wav_envelope(wav_a), wav_envelope(wav_b)
    base = web_server.url
    await sign_up(alice, base, "alice", "Alice Adams")
    await sign_up(bea, base, "bea", "Bea Brown")

    await alice.get_by_role("button", name="Start a room").click()
    await alice.get_by_label("Title").fill("Live from two browsers")
    await alice.get_by_role("button", name="Let's go").click()
    await alice.wait_for_url(re.compile(r"/r/"))
    await audio_live(alice)
    await expect(alice.locator("#mic")).to_have_accessible_name("Mute")

    await carl.goto(alice.url)  # a guest listens too
    await audio_live(carl)
    await bea.locator("#rooms li", has_text="Live from two browsers").click()
    await bea.wait_for_url(alice.url)
    await audio_live(bea)
    await expect(bea.locator("#mic")).to_be_hidden()  # listeners have no microphone

    # Bea hears Alice's speech: the envelope follows Alice's WAV, far above Bea's as a control
    heard = await heard_envelope(bea, 5.0)
    right, control = similarity(heard, env_a), similarity(heard, env_b)
    print(f"\nlistener hears host: r={right:.2f} (control {control:.2f})")
    assert right > 0.6 and right - control > 0.2
    # and the speaking ring lights on Alice's avatar for Bea
    await expect(bea.locator("#stage .person.speaking")).to_have_count(1, timeout=5_000)

    # Bea raises her hand; Alice sees it and invites her; only when Bea accepts does her
    # microphone turn on (no new connection)
    pcs_before = await bea.evaluate(
        "performance.getEntriesByType('resource').filter(e => e.name.endsWith('/media')).length"
    )
    await bea.get_by_role("button", name="Raise hand").click()
    await expect(alice.locator("#audience .person", has_text="Bea Brown")).to_contain_text("✋")
    await (
        alice.locator("#audience .person", has_text="Bea Brown")
        .get_by_role("button", name="Invite to stage")
        .click()
    )
    await expect(bea.locator("#invite-dialog")).to_be_visible(timeout=10_000)
    await asyncio.sleep(0.5)
    assert float(np.max(await heard_envelope(alice, 1.5))) < 0.01  # invited is not speaking
    await bea.get_by_role("button", name="Join the stage").click()
    await expect(bea.locator("#mic")).to_be_visible(timeout=10_000)
    await expect(alice.locator("#stage")).to_contain_text("Bea Brown")
    await asyncio.sleep(1.0)
    heard = await heard_envelope(alice, 5.0)
    right, own = similarity(heard, env_b), similarity(heard, env_a)
    print(f"host hears new speaker: r={right:.2f} (own voice {own:.2f})")
    assert right > 0.6 and right - own > 0.2  # Alice hears Bea, not herself
    pcs_after = await bea.evaluate(
        "performance.getEntriesByType('resource').filter(e => e.name.endsWith('/media')).length"
    )
    assert pcs_after == pcs_before == 1  # one offer for the whole visit

    # the third page hears the new speaker (the host mutes herself, so Bea alone is heard)
    await alice.get_by_role("button", name="Mute", exact=True).click()
    await expect(alice.locator("#mic")).to_have_accessible_name("Unmute")
    await asyncio.sleep(1.0)
    right = similarity(await heard_envelope(carl, 4.0), env_b)
    print(f"a third page hears the new speaker: r={right:.2f}")
    assert right > 0.6

    # Bea reloads her page: back in the room, still on stage, heard again
    await bea.reload()
    await audio_live(bea)
    await expect(bea.locator("#mic")).to_be_visible(timeout=10_000)
    await asyncio.sleep(1.0)
    for _ in range(3):  # a loaded machine may take a few seconds more to bring her back
        heard = await heard_envelope(alice, 4.0)
        right = similarity(heard, env_b)
        if right > 0.6:
            break
    print(f"host hears the speaker after her reload: r={right:.2f}")
    assert right > 0.6

    # Bea mutes herself: Alice hears nothing from her
    await bea.get_by_role("button", name="Mute", exact=True).click()
    await expect(alice.locator("#stage .person", has_text="Bea Brown")).to_contain_text("🔇")
    await asyncio.sleep(0.5)
    heard = await heard_envelope(alice, 2.0)
    assert float(np.max(heard)) < 0.01
    await bea.get_by_role("button", name="Unmute").click()
    await asyncio.sleep(1.0)
    assert similarity(await heard_envelope(alice, 4.0), env_b) > 0.6

    # Alice mutes Bea as host: silence, and Bea's page cannot unmute
    await (
        alice.locator("#stage .person", has_text="Bea Brown")
        .get_by_role("button", name=re.compile(r"^Bea Brown\b"))
        .click()
    )
    await alice.locator("#person-dialog").get_by_role("button", name=re.compile("^🔇 Mute")).click()
    await expect(bea.locator("#mic")).to_have_accessible_name(
        "Muted by a moderator", timeout=10_000
    )
    await expect(bea.locator("#mic")).to_be_disabled()
    await expect(bea.locator("#mic-note")).to_have_text(
        "A moderator muted you. They can let you unmute."
    )
    await asyncio.sleep(0.5)
    assert float(np.max(await heard_envelope(alice, 2.0))) < 0.01
    assert float(np.max(await heard_envelope(carl, 2.0))) < 0.01  # silence from her everywhere
    await (
        alice.locator("#stage .person", has_text="Bea Brown")
        .get_by_role("button", name=re.compile(r"^Bea Brown\b"))
        .click()
    )
    await alice.locator("#person-dialog").get_by_role("button", name="Allow to unmute").click()
    await expect(bea.locator("#mic")).to_be_enabled(timeout=10_000)

    # Alice moves Bea back: no longer heard, and her microphone is off
    await (
        alice.locator("#stage .person", has_text="Bea Brown")
        .get_by_role("button", name=re.compile(r"^Bea Brown\b"))
        .click()
    )
    await alice.locator("#person-dialog").get_by_role("button", name="Move to audience").click()
    await expect(bea.locator("#mic")).to_be_hidden(timeout=10_000)
    await asyncio.sleep(0.5)
    heard = await heard_envelope(alice, 2.0)
    assert float(np.max(heard)) < 0.01


@pytest.mark.parametrize(
    ("drop_flag", "message"),
    [
        ("--use-fake-ui-for-media-stream", "Microphone blocked"),  # the permission is refused
        ("--use-fake-device-for-media-stream", "No microphone found"),
    ],  # there is no device
)
async def test_microphone_problems_are_shown(
    web_server: LiveServer, drop_flag: str, message: str
) -> None:
    chromium = need_binary("chromium", "/usr/bin/chromium")
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=chromium, args=[a for a in ARGS if a != drop_flag]
        )
        try:
            page = await (await browser.new_context()).new_page()
            await sign_up(page, web_server.url, "micless", "No Mic")
            await page.get_by_role("button", name="Start a room").click()
            await page.get_by_role("button", name="Let's go").click()
            await page.wait_for_url(re.compile(r"/r/"))
            await expect(page.locator("#mic-state")).to_contain_text(message, timeout=10_000)
            await expect(page.locator("#mic-retry")).to_be_visible()
            # the hosts see it on the avatar: the page's own flag came back from the server
            await expect(page.locator("#stage .person .role")).to_have_text("Mic blocked")
            await expect(page.locator("#stage")).to_contain_text("No Mic")  # the room goes on
        finally:
            await browser.close()


# Every RTCPeerConnection a page makes, newest last, to read its descriptions; and what
# the page asks getUserMedia for (the audio probe then opens the WAV raw whatever is asked,
# so that levels stay the WAV's: the request is what the product decides).
KEEP_PCS_JS = """
(() => {
  const md = navigator.mediaDevices;
  const gum = md.getUserMedia.bind(md);
  window.__asked = [];
  md.getUserMedia = (c) => { window.__asked.push(c); return gum(c); };
  const Original = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Original(...args);
    window.__pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Original.prototype;
})();
"""

AUDIO_OF_LAST_PC_JS = """
() => {
  const pc = window.__pcs.at(-1);
  const track = pc.getSenders()[0]?.track;
  return { local: pc.localDescription?.sdp || '', remote: pc.remoteDescription?.sdp || '',
           track: Boolean(track), asked: window.__asked, pcs: window.__pcs.length };
}
"""


async def test_music_mode_sends_raw_stereo_and_back(tmp_path: Path, web_server: LiveServer) -> None:
    """The host starts a room in music mode: their microphone opens without voice
    processing, the answer asks for stereo at the music bitrate, a listener hears them;
    turned off in the room's settings, the microphone is processed again."""
    base = web_server.url
    async with speaking_pair(tmp_path, ALICE_SAYS, BEA_SAYS) as (alice, bea, wav_a, _):
        await alice.add_init_script(KEEP_PCS_JS)
        env_a = wav_envelope(wav_a)
        await sign_up(alice, base, "alice", "Alice Adams")
        await alice.get_by_role("button", name="Start a room").click()
        await alice.get_by_label("Title").fill("Album launch")
        await alice.get_by_text("More options").click()
        await alice.get_by_label(re.compile("Music mode")).check()
        await alice.get_by_role("button", name="Let's go").click()
        await alice.wait_for_url(re.compile(r"/r/"))
        await audio_live(alice)
        await expect(alice.locator("#music-badge")).to_be_visible()
        await expect(alice.locator("#music-hint")).to_contain_text("Use headphones")

        async def audio() -> dict[str, Any]:
            got: dict[str, Any] = await alice.evaluate(AUDIO_OF_LAST_PC_JS)
            return got

        async with asyncio.timeout(10):
            while not (now := await audio())["track"]:
                await asyncio.sleep(0.2)
        (raw,) = now["asked"]  # one microphone, opened without voice processing
        audio_asked = raw["audio"]
        assert audio_asked["echoCancellation"] is False
        assert audio_asked["noiseSuppression"] is False
        assert audio_asked["autoGainControl"] is False
        assert "stereo=1" in now["local"]  # our offer: we decode stereo
        assert "stereo=1" in now["remote"] and "maxaveragebitrate=128000" in now["remote"]
        assert "useinbandfec=1" in now["remote"]

        await bea.goto(alice.url)  # a listener in another browser hears the host
        await audio_live(bea)
        await asyncio.sleep(1.0)
        right = similarity(await heard_envelope(bea, 5.0), env_a)
        print(f"\nlistener hears the host in music mode: r={right:.2f}")
        assert right > 0.6
        await expect(bea.locator("#music-hint")).to_be_hidden()  # the hint is for the stage

        # the host turns music mode off: processed again, on a renegotiated connection
        await alice.get_by_role("button", name="More actions").click()
        await alice.get_by_role("button", name="Room settings").click()
        await alice.get_by_label("🎵 Music mode").uncheck()
        await alice.get_by_role("button", name="Save").click()
        await expect(alice.locator("#music-badge")).to_be_hidden()
        async with asyncio.timeout(15):
            while len((now := await audio())["asked"]) < 2 or now["pcs"] < 2 or not now["remote"]:
                await asyncio.sleep(0.2)
        assert now["asked"][-1] == {"audio": True}  # the browser's voice processing again
        assert "stereo=1" not in now["remote"]  # renegotiated: mono speech
        await audio_live(alice)
        await asyncio.sleep(1.5)
        right = similarity(await heard_envelope(bea, 4.0), env_a)
        print(f"listener hears the host after music mode: r={right:.2f}")
        assert right > 0.6
