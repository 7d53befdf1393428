"""Signing in in a real browser: `next` never sends anyone to another site."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from playwright.async_api import Browser, Dialog, expect

from tests.integration.browser.test_hallway_e2e import sign_up
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

ELSEWHERE = [
    "/\\evil.example/",  # browsers read a backslash as a slash: //evil.example/
    "//evil.example/",
    "/\t/evil.example/",
    "https://evil.example/",
    "javascript:alert(document.domain)",
]


async def test_sign_in_goes_only_to_our_own_pages(browser: Browser, web_server: LiveServer) -> None:
    base = web_server.url
    page = await (await browser.new_context()).new_page()
    await sign_up(page, base, "nora", "Nora")
    cases = [
        *((t, "/") for t in ELSEWHERE),
        ("http:evil.example", "/evil.example"),  # a relative URL: our own (missing) page
        ("/settings?tab=1#x", "/settings"),
    ]
    for target, lands in cases:
        context = await browser.new_context()
        page = await context.new_page()
        dialogs: list[str] = []

        async def on_dialog(dialog: Dialog, seen: list[str] = dialogs) -> None:
            seen.append(dialog.message)
            await dialog.dismiss()

        page.on("dialog", on_dialog)
        await page.goto(f"{base}/login?next={quote(target, safe='')}")
        await page.get_by_label("Username").fill("nora")
        await page.get_by_label("Password").fill("a long password")
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(lambda url: "/login" not in url)
        where = urlsplit(page.url)
        assert f"{where.scheme}://{where.netloc}" == base, (target, page.url)
        assert where.path == lands, (target, page.url)
        assert dialogs == [], target
        await context.close()


async def test_signing_in_or_up_from_a_room_comes_back_to_it(
    browser: Browser, web_server: LiveServer
) -> None:
    base = web_server.url
    host = await (await browser.new_context()).new_page()
    await sign_up(host, base, "hosty", "Hosty")
    await host.get_by_role("button", name="Start a room").click()
    await host.get_by_role("button", name="Let's go").click()
    await host.wait_for_url(lambda url: "/r/" in url)
    room = host.url

    # a guest listening wants to chat: the link says so, and leads back after signing up
    guest = await (await browser.new_context()).new_page()
    await guest.goto(room)
    await guest.get_by_role("link", name="Sign in to chat and react").click()
    await guest.wait_for_url(lambda url: "/login" in url)
    await guest.get_by_role("link", name="Create an account").click()  # keeps where to go
    await expect(guest.get_by_role("heading", name="Create your account")).to_be_visible()
    await guest.get_by_label("Username").fill("newbie")
    await guest.get_by_label("Password").fill("a long password")
    await guest.get_by_role("button", name="Create account").click()
    await guest.wait_for_url(room)
    await guest.locator("#chat-input").fill("hello, I have an account now")
    await guest.get_by_role("button", name="Send").click()
    await host.locator("#chat-list").get_by_text("hello, I have an account now").wait_for()

    # the top bar's "Sign in" from a room comes back to it too
    other = await (await browser.new_context()).new_page()
    await other.goto(room)
    await other.get_by_role("link", name="Sign in", exact=True).click()
    await expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
    await other.get_by_label("Username").fill("newbie")
    await other.get_by_label("Password").fill("a long password")
    await other.get_by_role("button", name="Sign in").click()
    await other.wait_for_url(room)
