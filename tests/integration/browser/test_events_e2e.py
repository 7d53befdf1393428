"""The audience loop in real browsers: follow someone, hear "X is live" while browsing,
click it and hear them (a speech WAV as their microphone); schedule a room in the form,
"Notify me" from the hallway, start it, cancel another, and the bell counts it all."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.audio_probe import heard_envelope, similarity, wav_envelope
from tests.integration.browser.test_audio_e2e import audio_live, speaking_pair
from tests.integration.browser.test_hallway_e2e import sign_up, start_room
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

ALICE_SAYS = "Good evening and welcome. Tonight we listen to the new album, track by track."
BEA_SAYS = "Bea here, just listening along. One, two, three, four, five."


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[tuple[Page, Page, Path, Path]]:
    async with speaking_pair(tmp_path, ALICE_SAYS, BEA_SAYS) as pair:
        yield pair


async def test_follow_then_live_notice_then_hear(
    two: tuple[Page, Page, Path, Path], web_server: LiveServer
) -> None:
    alice, bea, wav_a, wav_b = two
    base = web_server.url
    errors: list[str] = []
    bea.on("pageerror", lambda e: errors.append(str(e)))
    await sign_up(alice, base, "alice", "Alice Adams")
    await sign_up(bea, base, "bea", "Bea Brown")

    # Bea follows Alice from her profile, then browses back to the hallway
    await bea.goto(f"{base}/u/alice")
    follow = bea.get_by_role("button", name="Follow @alice")
    await follow.click()
    await expect(follow).to_have_attribute("aria-pressed", "true")
    await expect(follow).to_have_text("Following")
    await expect(bea.locator('[data-followers="alice"]')).to_have_text("1")
    await bea.get_by_role("link", name="Roomcast hallway").click()
    await expect(bea.get_by_role("heading", name="Hallway")).to_be_visible()

    # Alice goes live: Bea, on the hallway, is told (bounded wait: the delay is benched)
    await start_room(alice, "Album night")
    await audio_live(alice)
    pop = bea.locator("#notice-pop")
    await expect(pop).to_be_visible(timeout=10_000)
    await expect(pop).to_contain_text("Alice Adams is live: Album night")
    await expect(bea.locator("#bell")).to_have_accessible_name("Notifications, 1 unread")
    await expect(bea.locator("#announcer")).to_contain_text("Alice Adams is live")

    # she clicks it and hears Alice (the envelope follows Alice's WAV, not her own)
    await bea.locator("#notice-pop-link").click()
    await bea.wait_for_url(alice.url)
    await audio_live(bea)
    heard = await heard_envelope(bea, 5.0)
    right, control = similarity(heard, wav_envelope(wav_a)), similarity(heard, wav_envelope(wav_b))
    print(f"\nfollower hears the host from the notice: r={right:.2f} (control {control:.2f})")
    assert right > 0.6 and right - control > 0.2

    # in the room, Alice's person sheet says Bea follows her (and unfollows from there)
    await bea.locator("#stage .person-btn", has_text="Alice Adams").click()
    sheet_follow = bea.locator("#person-dialog").get_by_role("button", name="Follow @alice")
    await expect(sheet_follow).to_have_attribute("aria-pressed", "true")
    await sheet_follow.click()
    await expect(sheet_follow).to_have_attribute("aria-pressed", "false")
    await sheet_follow.click()
    await expect(sheet_follow).to_have_attribute("aria-pressed", "true")
    await bea.keyboard.press("Escape")

    # the notifications page has it; marking all read clears the bell
    await bea.locator("#bell").click()
    await expect(bea.get_by_role("heading", name="Notifications")).to_be_visible()
    await expect(bea.locator("#notices .notice-item.unread")).to_contain_text("Album night")
    await bea.get_by_role("button", name="Mark all read").click()
    await expect(bea.locator("#bell")).to_have_accessible_name("Notifications")
    await expect(bea.locator("#notices .notice-item.unread")).to_have_count(0)
    assert errors == []


async def test_schedule_notify_start_and_cancel(
    two: tuple[Page, Page, Path, Path], web_server: LiveServer
) -> None:
    alice, bea, _, _ = two
    base = web_server.url
    await sign_up(alice, base, "alice", "Alice Adams")
    await sign_up(bea, base, "bea", "Bea Brown")

    async def fill(title: str, when: str) -> None:
        await alice.get_by_label("Title").fill(title)
        await alice.get_by_label("Date and time").fill(when)
        await alice.get_by_label("Time zone").select_option("Europe/Paris")
        await alice.get_by_role("button", name="Schedule", exact=True).click()

    async def schedule(title: str, when: str) -> str:
        await alice.goto(f"{base}/")  # from the hallway: the form's heading is the new page's
        await alice.get_by_role("link", name="Schedule a room").click()
        await expect(alice.get_by_role("heading", name="Schedule a room")).to_be_visible()
        await fill(title, when)
        await alice.wait_for_url(re.compile(r"/e/[A-Za-z0-9_-]+$"))
        await expect(alice.get_by_role("heading", name=title)).to_be_visible()
        return alice.url

    # refused times are said on the form: an hour that does not exist in Paris (clocks go
    # forward), and a date more than a year ahead
    await alice.goto(f"{base}/events/new")
    await fill("Gap", "2027-03-28T02:30")
    await expect(alice.locator("#event-form-error")).to_contain_text("does not exist")
    await fill("Far", "2099-01-01T20:00")
    await expect(alice.locator("#event-form-error")).to_contain_text("more than a year")
    await expect(alice).to_have_url(re.compile(r"/events/new$"))

    tomorrow = f"{(datetime.now(UTC) + timedelta(days=1)).date()}T20:00"  # Paris time
    launch = await schedule("Album launch", tomorrow)
    cancelled = await schedule("Poetry night", tomorrow.replace("T20:00", "T22:00"))

    # Bea says "Notify me" to both from the hallway's Upcoming cards
    await bea.goto(f"{base}/")
    for title in ("Album launch", "Poetry night"):
        button = bea.get_by_role("button", name=f"Notify me: {title}")
        await button.click()
        await expect(button).to_have_attribute("aria-pressed", "true")

    # Alice cancels one (behind a confirmation): Bea's bell counts the notice
    await alice.goto(cancelled)
    await alice.get_by_role("button", name="Cancel event").click()
    await alice.get_by_role("button", name="Cancel the event").click()
    await expect(alice.locator(".event-kicker")).to_contain_text("Cancelled")
    await expect(bea.locator("#bell")).to_have_accessible_name(
        re.compile(r"Notifications, \d+ unread"), timeout=10_000
    )

    # and starts the other: it is a live room, and Bea hears of it
    await alice.goto(launch)
    await alice.get_by_role("button", name="Start now").click()
    await alice.wait_for_url(re.compile(r"/r/"))
    await expect(bea.locator("#notice-pop")).to_contain_text(
        "Alice Adams is live: Album launch", timeout=10_000
    )
    await bea.goto(launch)
    await expect(bea.get_by_role("link", name="Join the room")).to_be_visible()
