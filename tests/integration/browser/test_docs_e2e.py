"""The API reference renders from our own origin, under the same CSP as every page."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, ConsoleMessage, Request, expect

from tests.live_server import LiveServer

pytestmark = pytest.mark.browser


async def test_api_docs_render_under_the_csp(browser: Browser, web_server: LiveServer) -> None:
    page = await (await browser.new_context()).new_page()
    problems: list[str] = []
    elsewhere: list[str] = []

    def on_console(m: ConsoleMessage) -> None:
        if m.type == "error":
            problems.append(m.text)

    def on_request(r: Request) -> None:
        if not r.url.startswith(web_server.url) and not r.url.startswith("data:"):
            elsewhere.append(r.url)

    page.on("console", on_console)
    page.on("request", on_request)
    await page.goto(f"{web_server.url}/docs")
    await expect(page.locator(".opblock-summary-path", has_text="/api/rooms").first).to_be_visible()
    await expect(page.get_by_role("heading", name="Roomcast")).to_be_visible()
    assert problems == [] and elsewhere == []
