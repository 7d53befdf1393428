"""Signing in in a real browser: `next` never sends anyone to another site."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest
from playwright.async_api import Browser, Dialog

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
