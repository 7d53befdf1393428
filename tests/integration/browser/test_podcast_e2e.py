"""From a live room in Chromium (a WAV as the host's microphone) to the replay page: the
host marks topics with "Next topic", ends the room, and the episode page plays the audio
with chapters that seek, a speed control and captions from the transcript."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from roomcast.domain.captions import read_webvtt
from tests.audio_probe import speech_wav
from tests.integration.browser.test_audio_e2e import audio_live, browser_with_mic
from tests.integration.browser.test_hallway_e2e import end_room, sign_up
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

SPEECH = (
    "Welcome to the show. Today we talk about podcasts and the open web. "
    "Thank you for listening. Let us take a question from the audience."
)


async def next_topic(page: Page, title: str) -> None:
    await page.get_by_role("button", name="More actions").click()
    await page.get_by_role("button", name="Next topic").click()
    await page.get_by_label("What are you talking about now?").fill(title)
    await page.get_by_role("button", name="Start topic").click()
    await expect(page.locator("#chapter-title")).to_have_text(title)


async def until(page: Page, js: str, timeout: float = 20) -> None:
    """Poll a page expression (CSP forbids Playwright's eval-based waits)."""
    async with asyncio.timeout(timeout):
        while not await page.evaluate(js):
            await asyncio.sleep(0.1)


async def test_a_live_room_becomes_a_replay(tmp_path: Path, web_server: LiveServer) -> None:
    base = web_server.url
    wav = speech_wav(tmp_path / "host.wav", SPEECH, "en-us", 140)
    async with async_playwright() as p:
        b = await browser_with_mic(p, wav)
        try:
            host = await (await b.new_context()).new_page()
            host.on("dialog", lambda d: d.accept())
            listener = await (await b.new_context()).new_page()
            await sign_up(host, base, "caster", "Cass Caster")
            await host.get_by_role("button", name="Start a room").click()
            await host.get_by_label("Title").fill("Replay me")
            await host.get_by_label("Record and publish as a podcast episode").check()
            await host.get_by_role("button", name="Let's go").click()
            await host.wait_for_url(re.compile(r"/r/"))
            await audio_live(host)
            await listener.goto(host.url)
            await next_topic(host, "Welcome")
            await expect(listener.locator("#chapter-title")).to_have_text("Welcome")
            assert await listener.get_by_role("button", name="Next topic").is_hidden()
            await asyncio.sleep(5)
            await next_topic(host, "Questions")
            await asyncio.sleep(4)
            await end_room(host)
            await expect(listener.locator("#ended-episode")).to_be_visible()

            # the ended page links the episode as soon as it is published: no reload
            await listener.evaluate("window.__sameDocument = true")
            play = listener.get_by_role("link", name="▶ Play the episode")
            await expect(play).to_be_visible(timeout=60_000)
            assert await listener.evaluate("window.__sameDocument === true")
            episode_url = base + (await play.get_attribute("href") or "")
            # and the host finds it on the show page too
            await host.goto(f"{base}/shows/caster")
            await host.locator(".episode-list").get_by_role("link", name="Replay me").click()
            await host.wait_for_url(episode_url)
            player = host.locator("#player")
            await expect(player).to_be_visible()

            # chapters from the host's topics; a click seeks there
            chapters = host.locator("#chapters li")
            await expect(chapters).to_have_count(2)
            await expect(chapters.nth(0)).to_contain_text("Welcome")
            await expect(chapters.nth(1)).to_contain_text("Questions")
            await until(host, "document.getElementById('player').readyState >= 1")
            await chapters.nth(1).get_by_role("button").click()
            await until(host, "document.getElementById('player').currentTime > 3")
            await expect(chapters.nth(1)).to_have_class(re.compile("current"))

            # playback speed
            await host.get_by_label("Playback speed").select_option("1.5")
            assert await host.evaluate("document.getElementById('player').playbackRate") == 1.5

            # captions, once the transcript is made: the speaker's name and their words
            async with asyncio.timeout(90):
                while not await host.locator("#caption").count():
                    await asyncio.sleep(2)
                    await host.reload()
            # play from the first cue the transcript has (speech-to-text may miss the opening)
            src = await host.locator("#captions-track").get_attribute("src")
            vtt = await (await host.request.get(src or "")).text()
            cue = re.search(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) -->.*\n<v Cass Caster>", vtt)
            assert cue, vtt
            start = int(cue[1]) * 3600 + int(cue[2]) * 60 + int(cue[3]) + int(cue[4]) / 1000
            await host.evaluate(
                "(t) => { const a = document.getElementById('player');"
                " a.currentTime = t; a.play(); }",
                start + 0.05,
            )
            await expect(host.locator("#caption")).to_contain_text("Cass Caster:", timeout=20_000)
            await host.screenshot(path=str(tmp_path / "episode.png"), full_page=True)

            # the transcript to read: speaker turns, searchable, each line plays from its start
            lines = host.locator("#transcript li")
            await expect(lines.first).to_contain_text("Cass Caster")
            await expect(host.locator("#speakers")).to_have_text("Speakers: Cass Caster")
            # a word spoken (not the speaker's name in a voice tag) from the first cue on
            spoken = " ".join(c.text for c in read_webvtt(vtt) if c.start >= start)
            words = re.findall(r"[a-z]{5,}", spoken.lower())
            assert words, vtt
            await host.get_by_label("Search the transcript").fill(words[-1])
            await expect(host.locator("#search-count")).to_contain_text(words[-1])
            hit = host.locator("#transcript li:not([hidden])").first
            await expect(hit.locator("mark")).to_have_text(re.compile(words[-1], re.I))
            await hit.get_by_role("button").click()
            at = await host.evaluate("document.getElementById('player').currentTime")
            assert at >= start, (at, start)

            # "share this moment": the link starts playback there
            await host.evaluate("document.getElementById('player').pause()")
            await host.evaluate("document.getElementById('player').currentTime = 6.4")
            await host.context.grant_permissions(["clipboard-read", "clipboard-write"])
            await host.get_by_role("button", name="Share this moment").click()
            shared = await host.evaluate("navigator.clipboard.readText()")
            assert shared == f"{episode_url}?t=6", shared
            await listener.goto(shared)
            await until(listener, "document.getElementById('player').currentTime >= 6")

            # "Subscribe" says how, and copies the feed's link
            await host.get_by_role("button", name="Subscribe").click()
            await expect(host.locator("#subscribe-dialog")).to_contain_text("Apple Podcasts")
            await host.locator("#subscribe-dialog").get_by_role("button", name="Copy").click()
            assert (await host.evaluate("navigator.clipboard.readText()")).endswith(
                "/shows/caster/feed.xml"
            )

            # other people see the published episode, not the host's tools
            await listener.goto(host.url)
            await expect(listener.locator("#player")).to_be_visible()
            assert await listener.locator("#edit-episode").count() == 0
        finally:
            await b.close()
