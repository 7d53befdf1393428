"""Names people can trust, in a real browser: look-alike names in one room get their
@username shown beside them."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.integration.browser.test_hallway_e2e import sign_up
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser


async def test_look_alike_names_show_their_usernames(
    browser: Browser, web_server: LiveServer
) -> None:
    base = web_server.url
    host = await (await browser.new_context()).new_page()
    real = await (await browser.new_context()).new_page()
    fake = await (await browser.new_context()).new_page()
    other = await (await browser.new_context()).new_page()
    await sign_up(host, base, "hosty", "Hosty")
    await sign_up(real, base, "paypal", "PayPal")
    await sign_up(fake, base, "scammer", "P\u0430yP\u0430l")  # Cyrillic а: looks the same
    await sign_up(other, base, "dana", "Dana")
    await host.get_by_role("button", name="Start a room").click()
    await host.get_by_role("button", name="Let's go").click()
    await host.wait_for_url(re.compile(r"/r/"))
    for page in (real, fake, other):
        await page.goto(host.url)
        await expect(page.locator("#audience .person.me")).to_be_visible()
    audience = host.locator("#audience")
    await expect(audience.get_by_role("button", name=re.compile(r"^\S+ @paypal$"))).to_be_visible()
    await expect(audience.get_by_role("button", name=re.compile(r"^\S+ @scammer$"))).to_be_visible()
    await expect(audience.locator(".person", has_text="Dana")).not_to_contain_text("@dana")
    # in chat too: the look-alike's messages carry the handle
    await fake.get_by_label("Message").fill("send me your password")
    await fake.get_by_role("button", name="Send").click()
    await expect(host.locator("#chat-list")).to_contain_text("@scammer")
