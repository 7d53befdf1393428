"""The room people keep open: browsing the hallway, a profile and an episode keeps the room
playing in the mini-player (one socket, one offer, one document); "Rejoin" after a reload;
an episode never plays over the room; a host who leaves hands the room on."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.audio_probe import heard_envelope, similarity, wav_envelope
from tests.integration.browser.test_audio_e2e import ALICE_SAYS, BEA_SAYS, speaking_pair
from tests.integration.browser.test_hallway_e2e import sign_up, start_room
from tests.live_server import Client, LiveServer
from tests.podcast_helpers import record_tone, wait_episode

pytestmark = pytest.mark.browser


@pytest.fixture
async def pages(tmp_path: Path) -> AsyncIterator[tuple[Page, Page, Path, Path]]:
    async with speaking_pair(tmp_path, ALICE_SAYS, BEA_SAYS, {"width": 390, "height": 844}) as pair:
        yield pair


async def audio_live(page: Page) -> None:
    await expect(page.locator(".room")).to_have_attribute("data-audio", "live", timeout=15_000)


async def hears(page: Page, wav: Path, other: Path, seconds: float = 4.0) -> float:
    heard = await heard_envelope(page, seconds)
    right, control = similarity(heard, wav_envelope(wav)), similarity(heard, wav_envelope(other))
    assert right > 0.6 and right - control > 0.2, (right, control)
    return right


async def published_episode(server: LiveServer) -> str:
    """An earlier recorded room of someone else's, published: its episode's page path."""
    async with Client(server) as dan:
        await dan.signup("dan", display_name="Dan Dee")
        await record_tone(dan, "Yesterday's show", seconds=2.0)
        ep = await wait_episode(dan, "dan")
    assert ep["status"] == "published", ep
    return f"/episodes/{ep['id']}"


async def test_listener_and_speaker_keep_the_room_while_browsing(
    pages: tuple[Page, Page, Path, Path], web_server: LiveServer
) -> None:
    alice, bea, wav_a, wav_b = pages
    base = web_server.url
    episode = await published_episode(web_server)
    errors: list[str] = []
    bea.on("pageerror", lambda e: errors.append(str(e)))
    bea.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await sign_up(alice, base, "alice", "Alice Adams")
    await sign_up(bea, base, "bea", "Bea Brown")
    await start_room(alice, "Keep me open")
    await audio_live(alice)
    room_url = alice.url

    before = dict(web_server.ctx.counters)
    await bea.locator("#rooms li", has_text="Keep me open").click()
    await bea.wait_for_url(room_url)
    await audio_live(bea)
    await hears(bea, wav_a, wav_b)
    await bea.evaluate("window.__sameDocument = 'yes'")

    # the hallway, a profile, an episode: the mini-player plays the room all along
    await bea.get_by_role("link", name="← Hallway").click()
    await bea.wait_for_url(f"{base}/")
    player = bea.locator("#mini-player")
    await expect(player).to_be_visible()
    await expect(player).to_contain_text("Keep me open")
    print(f"\nlistener on the hallway hears the room: r={await hears(bea, wav_a, wav_b):.2f}")
    await expect(player.locator("#mini-now")).to_contain_text("Alice Adams", timeout=5_000)
    await bea.locator("#latest").get_by_role("link", name="Yesterday's show").click()
    await bea.wait_for_url(f"{base}{episode}")
    await expect(bea.locator("h1")).to_have_text("Yesterday's show")
    print(f"listener on an episode page hears the room: r={await hears(bea, wav_a, wav_b):.2f}")
    assert await bea.evaluate("window.__sameDocument") == "yes"

    # pressing play on the episode asks first: never two sources at once
    await bea.locator("#player").evaluate("p => p.play()")
    dialog = bea.locator("#conflict-dialog")
    await expect(dialog).to_be_visible()
    assert await bea.locator("#player").evaluate("p => p.paused")
    await dialog.get_by_role("button", name="Keep listening to the room").click()
    await hears(bea, wav_a, wav_b)

    # back to the room by the mini-player; the back button works too
    await player.get_by_role("link").click()
    await bea.wait_for_url(room_url)
    await expect(player).to_be_hidden()
    await audio_live(bea)
    await bea.go_back()
    await expect(bea.locator("h1")).to_have_text("Yesterday's show")
    await expect(player).to_be_visible()
    await bea.go_forward()
    await bea.wait_for_url(room_url)
    await expect(bea.locator("#stage")).to_contain_text("Alice Adams")
    assert await bea.evaluate("window.__sameDocument") == "yes"
    after = web_server.ctx.counters
    assert after["room_sockets"] - before.get("room_sockets", 0) == 1  # one socket for the visit
    assert after["media_offers"] - before.get("media_offers", 0) == 1  # and one offer

    # Bea goes on stage, browses away, and is still heard; Alice hears her, not herself
    await bea.get_by_role("button", name="Raise hand").click()
    await alice.get_by_role("button", name=re.compile("^Hands")).click()
    await (
        alice.locator("#hands-dialog")
        .get_by_role("button", name="Invite Bea Brown to speak")
        .click()
    )
    await alice.keyboard.press("Escape")
    await bea.get_by_role("button", name="Join the stage").click()
    await expect(bea.locator("#mic")).to_be_visible(timeout=10_000)
    await alice.get_by_role("button", name="Mute", exact=True).click()  # only Bea is heard now
    await bea.get_by_role("link", name="Alice Adams").first.click()  # her profile
    await expect(bea.locator("h1")).to_have_text("Alice Adams")
    await expect(player.get_by_role("button", name="Mute", exact=True)).to_be_visible()
    await asyncio.sleep(1.0)
    print(f"host hears the speaker while she browses: r={await hears(alice, wav_b, wav_a):.2f}")
    # her mute in the mini-player silences her
    await player.get_by_role("button", name="Mute", exact=True).click()
    await expect(player.get_by_role("button", name="Unmute")).to_be_visible()
    await expect(alice.locator("#stage .person", has_text="Bea Brown")).to_contain_text("🔇")

    # "Leave" in the mini-player ends it: Alice sees her go, the player closes
    await player.get_by_role("button", name="Leave the room").click()
    await expect(player).to_be_hidden()
    await expect(alice.locator("#stage")).not_to_contain_text("Bea Brown", timeout=10_000)
    assert await bea.locator("#room-audio").evaluate("a => a.srcObject === null || a.paused")

    # back in, then "Leave and play" on an episode: out of the room, the episode plays
    await bea.get_by_role("link", name="Roomcast hallway").click()
    await bea.locator("#rooms li", has_text="Keep me open").click()
    people = alice.locator(".room-people")
    await expect(people).to_contain_text("Bea Brown", timeout=10_000)  # on stage again: her role
    await bea.get_by_role("link", name="← Hallway").click()
    await bea.locator("#latest").get_by_role("link", name="Yesterday's show").click()
    await bea.locator("#player").evaluate("p => p.play()")
    await bea.locator("#conflict-dialog").get_by_role("button", name="Leave and play").click()
    await expect(people).not_to_contain_text("Bea Brown", timeout=10_000)
    await expect(player).to_be_hidden()
    await until_playing(bea)
    assert errors == []


async def until_playing(page: Page) -> None:
    async with asyncio.timeout(10):
        while await page.locator("#player").evaluate("p => p.paused || p.currentTime < 0.2"):
            await asyncio.sleep(0.1)


async def test_rejoin_after_reload_and_a_room_that_ends_while_browsing(
    pages: tuple[Page, Page, Path, Path], web_server: LiveServer
) -> None:
    alice, bea, wav_a, wav_b = pages
    base = web_server.url
    await sign_up(alice, base, "alice", "Alice Adams")
    await sign_up(bea, base, "bea", "Bea Brown")
    await start_room(alice)
    await bea.goto(alice.url)
    await audio_live(bea)
    await bea.get_by_role("link", name="← Hallway").click()
    await expect(bea.locator("#mini-player")).to_be_visible()

    # a full reload: the connection is gone; the mini-player offers to rejoin
    await bea.reload()
    player = bea.locator("#mini-player")
    await expect(player.get_by_role("button", name="Rejoin")).to_be_visible()
    await expect(alice.locator("#audience")).not_to_contain_text("Bea Brown", timeout=10_000)
    await player.get_by_role("button", name="Rejoin").click()
    await expect(alice.locator("#audience")).to_contain_text("Bea Brown", timeout=10_000)
    await expect(player.get_by_role("button", name="Leave the room")).to_be_visible()
    print(f"\nafter Rejoin the hallway hears the room: r={await hears(bea, wav_a, wav_b):.2f}")

    # the room ends while Bea browses: the mini-player says so and stops
    await alice.get_by_role("button", name="More actions").click()
    await alice.get_by_role("button", name="End room").click()
    await alice.get_by_role("button", name="End the room").click()
    await expect(player).to_contain_text("This room has ended", timeout=10_000)
    await expect(player.get_by_role("button", name="Leave the room")).to_be_hidden()
    await player.get_by_role("button", name="Close").click()
    await expect(player).to_be_hidden()


async def test_a_host_who_leaves_hands_the_room_on(
    pages: tuple[Page, Page, Path, Path], web_server: LiveServer
) -> None:
    alice, bea, _, _ = pages
    base = web_server.url
    await sign_up(alice, base, "alice", "Alice Adams")
    await sign_up(bea, base, "bea", "Bea Brown")
    await start_room(alice)
    await bea.goto(alice.url)
    await expect(alice.locator("#audience")).to_contain_text("Bea Brown", timeout=10_000)

    # with nobody on stage, leaving offers only End or Leave anyway; she stays
    await alice.get_by_role("button", name="Leave quietly").click()
    sheet = alice.locator("#leave-dialog")
    await expect(sheet).to_be_visible()
    await expect(sheet).to_contain_text("Nobody on stage can take over")
    await sheet.get_by_role("button", name="Stay").click()
    await expect(sheet).to_be_hidden()

    # Bea on stage: the host hands her the room and goes
    await bea.get_by_role("button", name="Raise hand").click()
    await (
        alice.locator("#audience").get_by_role("button", name="Invite to stage: Bea Brown").click()
    )
    await bea.get_by_role("button", name="Join the stage").click()
    await expect(alice.locator("#stage")).to_contain_text("Bea Brown", timeout=10_000)
    await alice.get_by_role("button", name="Leave quietly").click()
    await sheet.get_by_role("button", name="Make Bea Brown host and leave").click()
    await alice.wait_for_url(f"{base}/")
    await expect(bea.locator("#stage .person", has_text="Bea Brown")).to_contain_text(
        "Host", timeout=10_000
    )
    await expect(bea.locator("#stage")).not_to_contain_text("Alice Adams", timeout=10_000)

    # Alice comes back, a moderator now; Bea (the host) drops: the others see the countdown,
    # and it stops when she is back
    await alice.goto(bea.url)
    await expect(alice.locator("#stage")).to_contain_text("Alice Adams", timeout=10_000)
    notice = alice.locator("#host-away")
    await bea.goto("about:blank")  # a tab closed: the socket goes, no goodbye
    await expect(notice).to_be_visible(timeout=10_000)
    await expect(notice).to_contain_text(
        re.compile(r"The host left\. A moderator becomes host in \d+ s")
    )
    await bea.goto(alice.url)
    await expect(notice).to_be_hidden(timeout=10_000)


async def test_browsing_while_connecting_a_second_tab_and_double_clicks(
    pages: tuple[Page, Page, Path, Path], web_server: LiveServer
) -> None:
    alice, bea, wav_a, wav_b = pages
    base = web_server.url
    errors: list[str] = []
    bea.on("pageerror", lambda e: errors.append(str(e)))
    await sign_up(alice, base, "alice", "Alice Adams")
    await start_room(alice)
    await audio_live(alice)

    # a guest leaves the page while its audio is still connecting: it connects anyway,
    # once, and plays in the mini-player
    before = dict(web_server.ctx.counters)
    await bea.goto(alice.url)
    await bea.get_by_role("link", name="← Hallway").click()
    player = bea.locator("#mini-player")
    await expect(player).to_be_visible()
    await expect(player).to_have_attribute("data-state", "live", timeout=15_000)
    print(f"\nconnected after leaving the page: r={await hears(bea, wav_a, wav_b):.2f}")
    after = web_server.ctx.counters
    assert after["media_offers"] - before.get("media_offers", 0) == 1
    assert after["room_sockets"] - before.get("room_sockets", 0) == 1

    # the same room in a second tab takes it over; the first tab says so, and stops
    second = await bea.context.new_page()
    await second.goto(alice.url)
    await expect(second.locator(".room")).to_have_attribute("data-audio", "live", timeout=15_000)
    await expect(player).to_contain_text("in another window", timeout=10_000)
    assert await bea.locator("#room-audio").evaluate("a => a.srcObject === null")
    await expect(alice.locator("#audience")).to_contain_text("1 guest")

    # double clicks on Leave and on End: one leave, one end, no error anywhere
    await second.get_by_role("button", name="Leave quietly").dblclick()
    await second.wait_for_url(f"{base}/")
    await expect(alice.locator("#audience")).not_to_contain_text("guest", timeout=10_000)
    await alice.get_by_role("button", name="More actions").click()
    await alice.get_by_role("button", name="End room").click()
    await alice.get_by_role("button", name="End the room").dblclick()
    await expect(alice.locator("#ended")).to_be_visible(timeout=10_000)
    assert errors == []
