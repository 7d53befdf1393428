"""Two people in two browsers: start a room, see it appear, join, leave, end."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Page, expect

from tests.live_server import LiveServer

pytestmark = pytest.mark.browser


async def sign_up(page: Page, base: str, username: str, display_name: str) -> None:
    await page.goto(f"{base}/signup")
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Display name").fill(display_name)
    await page.get_by_label("Password").fill("a long password")
    await page.get_by_role("button", name="Create account").click()
    await page.wait_for_url(f"{base}/")


async def start_room(page: Page, title: str | None = None) -> str:
    """A signed-in page starts a room (the title prefilled unless given); its URL."""
    await page.get_by_role("button", name="Start a room").click()
    if title is not None:
        await page.get_by_label("Title").fill(title)
    await page.get_by_role("button", name="Let's go").click()
    await page.wait_for_url(re.compile(r"/r/"))
    return page.url


async def end_room(page: Page) -> None:
    """The host's menu, End room, and its confirmation."""
    await page.get_by_role("button", name="More actions").click()
    await page.get_by_role("button", name="End room").click()
    await page.get_by_role("button", name="End the room").click()


async def test_start_join_leave_end_across_two_browsers(
    browser: Browser, web_server: LiveServer
) -> None:
    base = web_server.url
    a = await (await browser.new_context()).new_page()
    b = await (await browser.new_context()).new_page()
    errors: list[str] = []
    for page in (a, b):
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: d.accept())

    await sign_up(a, base, "alice", "Alice Adams")
    await sign_up(b, base, "bea", "Bea Brown")
    await expect(b.locator("#empty")).to_be_visible()
    await b.evaluate("window.__sameDocument = true")  # gone if the page reloads

    # A starts a room in two clicks (the title is prefilled)
    await a.get_by_role("button", name="Start a room").click()
    await a.get_by_label("Title").fill("Browsers talking")
    await a.get_by_role("button", name="Let's go").click()
    await a.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))
    await expect(a.locator("#stage")).to_contain_text("Alice Adams")
    await expect(a.locator("#stage .role")).to_have_text("Host")

    # B's hallway shows it without a reload, with the host on stage
    card = b.locator("#rooms li", has_text="Browsers talking")
    await expect(card).to_be_visible(timeout=10_000)
    await expect(card).to_contain_text("Alice Adams")
    assert await b.evaluate("window.__sameDocument === true")

    # B opens it and is listed in the audience on A's page
    await card.click()
    await b.wait_for_url(a.url)
    await expect(a.locator("#audience")).to_contain_text("Bea Brown", timeout=10_000)
    await expect(a.locator("#aud-count")).to_have_text("1")
    await expect(b.locator("#stage")).to_contain_text("Alice Adams")
    await expect(b.locator("#end-room")).to_be_hidden()
    await expect(b.locator("#audience .me")).to_contain_text("Bea Brown")

    # the listener count reaches the hallway too
    await b.get_by_role("button", name="Leave quietly").click()
    await b.wait_for_url(f"{base}/")
    await expect(a.locator("#audience")).not_to_contain_text("Bea Brown", timeout=10_000)
    await expect(b.locator("#rooms li", has_text="Browsers talking")).to_contain_text("0 listeners")

    # A ends the room: A sees it ended; B's hallway drops it without a reload
    await b.evaluate("window.__sameDocument = true")
    await end_room(a)
    await expect(a.locator("#ended")).to_be_visible(timeout=10_000)
    await expect(a.locator("#ended-why")).to_have_text("The host ended the room.")
    await expect(b.locator("#rooms li")).to_have_count(0, timeout=10_000)
    await expect(b.locator("#empty")).to_be_visible()
    assert await b.evaluate("window.__sameDocument === true")
    # opening the ended room's link later says so at once
    await b.goto(a.url)
    await expect(b.locator("#ended-why")).to_have_text("The host ended the room.")
    await expect(b.locator("#room-bar")).to_be_hidden()
    assert errors == []


async def test_guest_listens_and_reload_rejoins(browser: Browser, web_server: LiveServer) -> None:
    base = web_server.url
    host = await (await browser.new_context()).new_page()
    guest = await (await browser.new_context()).new_page()
    await sign_up(host, base, "hosty", "Hosty McHost")
    await host.get_by_role("button", name="Start a room").click()
    await host.get_by_role("button", name="Let's go").click()
    await host.wait_for_url(re.compile(r"/r/"))
    await expect(host.locator("#room-title")).to_have_text("Hosty McHost's room")

    await guest.goto(host.url)  # no account: listen only
    await expect(host.locator("#audience")).to_contain_text("1 guest", timeout=10_000)
    await expect(guest.locator("#audience .me")).to_contain_text("Guest")

    # the host reloads: back on stage, the room goes on, the guest is still counted once
    await host.reload()
    await expect(host.locator("#stage")).to_contain_text("Hosty McHost")
    await expect(host.locator("#audience")).to_contain_text("1 guest")
    await expect(guest.locator("#stage")).to_contain_text("Hosty McHost", timeout=10_000)
    assert (await guest.locator("#stage .person").count()) == 1


async def test_recorded_rooms_say_so(browser: Browser, web_server: LiveServer) -> None:
    base = web_server.url
    host = await (await browser.new_context()).new_page()
    guest = await (await browser.new_context()).new_page()
    await sign_up(host, base, "rechost", "Rec Host")
    await sign_up(guest, base, "recguest", "Rec Guest")
    await host.get_by_role("button", name="Start a room").click()
    await host.get_by_label("Record and publish as a podcast episode").check()
    await host.get_by_role("button", name="Let's go").click()
    await host.wait_for_url(re.compile(r"/r/"))
    await guest.goto(host.url)
    for page in (host, guest):
        await expect(page.locator("#rec-badge")).to_be_visible()
    # a listener invited to speak is told before accepting
    await (
        host.locator("#audience .person", has_text="Rec Guest")
        .get_by_role("button", name="Invite to stage")
        .click()
    )
    await expect(guest.locator("#invite-dialog")).to_be_visible()
    await expect(guest.locator("#invite-rec")).to_be_visible()
    await expect(guest.locator("#invite-rec")).to_contain_text("published as a podcast episode")
