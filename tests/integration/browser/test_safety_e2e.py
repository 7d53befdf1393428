"""Report from a profile, review as an admin, suspend: the suspended page is told at once."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from tests.integration.browser.test_hallway_e2e import sign_up
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser


async def test_report_review_suspend(browser: Browser, web_server: LiveServer) -> None:
    base = web_server.url
    admin = await (await browser.new_context()).new_page()
    ann = await (await browser.new_context()).new_page()
    bob = await (await browser.new_context()).new_page()
    await sign_up(admin, base, "root", "Root Admin")
    await sign_up(ann, base, "ann", "Ann")
    await sign_up(bob, base, "bob", "Bob")
    async with web_server.ctx.transaction() as uow:  # what `roomcast admin create root` does
        root = await uow.users.by_username("root")
        assert root is not None
        await uow.users.set_admin(root.id, True)

    await bob.get_by_role("button", name="Start a room").click()
    await bob.get_by_role("button", name="Let's go").click()
    await bob.wait_for_url(re.compile(r"/r/"))

    await ann.goto(f"{base}/u/bob")
    await ann.get_by_role("button", name="Report").click()
    await ann.get_by_label("Reason").fill("Shouting slurs on stage")
    await ann.get_by_role("button", name="Send report").click()
    await expect(ann.locator("#toast")).to_contain_text("admins will look at it")
    await ann.get_by_role("button", name="Block").click()
    await expect(ann.get_by_role("button", name="Unblock")).to_be_visible()

    await admin.goto(f"{base}/admin")
    report = admin.locator("#reports li", has_text="Shouting slurs on stage")
    await expect(report).to_contain_text("About @bob")
    await report.get_by_role("button", name="Suspend @bob").click()
    await expect(admin.locator("#no-reports")).to_be_visible()

    await expect(bob.locator("#conn")).to_contain_text("Your account is suspended", timeout=10_000)
    await bob.goto(f"{base}/settings")
    await expect(bob).to_have_url(re.compile(r"/login"))  # signed out everywhere
    await ann.goto(f"{base}/admin")
    await expect(ann.locator("h1")).to_have_text("Not found")  # not an admin
