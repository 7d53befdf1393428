"""Accessibility, checked in the browser: axe-core (vendored, pinned) on every main page in
light and dark mode at 390 px and 1366 px, no serious or critical violation; and what axe
cannot see: no sideways scrolling at 320 px (200 % zoom of a 640 px window), Tab reaches
every person on stage and in the audience, and the stage's news is announced once."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.integration.browser.test_hallway_e2e import sign_up
from tests.live_server import Client, LiveServer
from tests.podcast_helpers import record_tone, wait_episode

pytestmark = pytest.mark.browser

AXE = Path(__file__).parents[2] / "vendor" / "axe-core" / "axe.min.js"
# visible elements with their own text whose font is under 12 px
SMALL_TEXT_JS = """[...document.querySelectorAll('body *')].filter((e) => {
  const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!own || !e.getClientRects().length) return false;
  return parseFloat(getComputedStyle(e).fontSize) < 12;
}).map((e) => `${e.tagName}.${e.className}: ${getComputedStyle(e).fontSize}`)"""
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


async def axe(page: Page) -> list[dict[str, object]]:
    """Serious and critical violations on the page as it is now (WCAG 2.x A and AA rules)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async () => (await axe.run(document, {runOnly: {type: 'tag', values:"
        " ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})).violations"
        ".filter((v) => v.impact === 'serious' || v.impact === 'critical')"
        ".map((v) => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' :: ' + n.failureSummary)}))"
    )
    return list(result)


async def context(browser: Browser, scheme: str, size: str) -> BrowserContext:
    # axe is injected as a script: the test's own pages may run it despite our CSP
    return await browser.new_context(
        viewport=SIZES[size],  # type: ignore[arg-type]
        color_scheme=scheme,  # type: ignore[arg-type]
        reduced_motion="reduce",  # colours as they settle, not halfway through a fade-in
        bypass_csp=True,
    )


async def test_main_pages_pass_axe_in_light_and_dark_on_phone_and_desktop(
    browser: Browser, web_server: LiveServer
) -> None:
    base = web_server.url
    async with Client(web_server) as dan:
        await dan.signup("dan", display_name="Dan Dee")
        await record_tone(dan, "Yesterday's show", seconds=2.0)
        episode = f"/episodes/{(await wait_episode(dan, 'dan'))['id']}"
        at = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        r = await dan.post(
            "/api/events",
            {"title": "Next week's show, scheduled", "starts_at": at, "description": "Hi"},
        )
        event = f"/e/{r.json()['id']}"
        r = await dan.post(
            "/api/clubs",
            {"handle": "readers", "name": "Readers", "description": "Books, read aloud."},
        )
        assert r.status_code == 201, r.text
    setup = await browser.new_context()
    host = await setup.new_page()
    await sign_up(host, base, "alice", "Alice Adams With A Rather Long Display Name")
    await host.get_by_role("button", name="Start a room").click()
    await host.get_by_label("Title").fill("An accessible room with a long title that needs to wrap")
    await host.get_by_role("button", name="Let's go").click()
    await host.wait_for_url(re.compile(r"/r/"))
    room = host.url.removeprefix(base)
    await host.locator("#chat-input").fill("Hello, is this readable?")
    await host.get_by_role("button", name="Send").click()

    found: dict[str, list[dict[str, object]]] = {}
    for scheme in ("light", "dark"):
        for size in SIZES:
            ctx = await context(browser, scheme, size)
            guest = await ctx.new_page()
            for path in (
                "/",
                "/login",
                "/signup",
                "/no/such/page",
                episode,
                "/shows/dan",
                "/u/dan",
                "/u/dan/followers",
                event,
                "/clubs",
                "/c/readers",
                "/c/readers/members",
                "/topics/music",
                "/search?q=show",
            ):
                await guest.goto(base + path)
                found[f"{scheme} {size} guest {path}"] = await axe(guest)
            me = await ctx.new_page()
            await sign_up(me, base, f"bea{scheme}{size}", "Bea Brown")
            for path in (
                "/",
                "/settings",
                "/notifications",
                "/events/new",
                "/clubs/new",
                "/c/readers",
                event,
                room,  # last: the mini-player comes next
            ):
                await me.goto(base + path)
                if path == room:
                    await expect(me.locator("#stage")).to_contain_text("Alice Adams")
                    if size == "phone":
                        await me.get_by_role("button", name="Chat").click()  # the open sheet too
                found[f"{scheme} {size} signed in {path}"] = await axe(me)
            await me.get_by_role("link", name="← Hallway").click()  # and with the mini-player
            await expect(me.locator("#mini-player")).to_be_visible()
            found[f"{scheme} {size} mini-player /"] = await axe(me)
            await ctx.close()
    bad = {where: v for where, v in found.items() if v}
    assert not bad, json.dumps(bad, indent=1, ensure_ascii=False)


async def test_no_sideways_scrolling_at_320_px_and_tab_reaches_everyone(
    browser: Browser, web_server: LiveServer
) -> None:
    base = web_server.url
    pages = []
    for name, display in (("host", "Hana Host"), ("sam", "Sam Speaker"), ("lee", "Lee Listener")):
        page = await (await browser.new_context(viewport={"width": 320, "height": 640})).new_page()
        await sign_up(page, base, name, display)
        pages.append(page)
    host, sam, lee = pages
    await host.get_by_role("button", name="Start a room").click()
    await host.get_by_role("button", name="Let's go").click()
    await host.wait_for_url(re.compile(r"/r/"))
    for p in (sam, lee):
        await p.goto(host.url)
    await sam.get_by_role("button", name="Raise hand").click()
    await (
        host.locator("#audience").get_by_role("button", name="Invite to stage: Sam Speaker").click()
    )
    await sam.get_by_role("button", name="Join the stage").click()
    await host.get_by_role("button", name="Mute", exact=True).click()
    await expect(lee.locator("#stage .person")).to_have_count(2, timeout=10_000)

    # the news of the stage is said once, in the page's live region
    await expect(lee.locator("#announcer")).to_have_text("Sam Speaker is on stage now")
    assert await lee.locator("#stage[aria-live], #audience[aria-live]").count() == 0

    at = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    event = await host.evaluate(
        "async (at) => { const t = document.cookie.match(/rc_csrf=([^;]+)/)[1];"
        " const r = await fetch('/api/events', {method: 'POST', headers: {'content-type':"
        " 'application/json', 'x-csrf-token': decodeURIComponent(t)}, body: JSON.stringify("
        "{title: 'A scheduled room with quite a long title to wrap on a phone', starts_at: at,"
        " cohosts: ['sam']})}); return (await r.json()).url; }",
        at,
    )
    pages = [
        (lee, None),
        (lee, "/"),
        (lee, "/login"),
        (lee, "/u/host"),
        (lee, event.removeprefix(base)),
        (lee, "/events/new"),
        (lee, "/notifications"),
        (lee, "/settings"),
        (lee, "/clubs"),
        (lee, "/clubs/new"),
        (lee, "/search?q=sam"),
        (lee, "/topics/tech"),
    ]
    for page, path in pages:
        if path:
            await page.goto(base + path)
        width = await page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], (path, width)
        # no text under 12 px on a phone, body text at 16 px
        small = await page.evaluate(SMALL_TEXT_JS)
        assert small == [], (path, small)
        assert await page.evaluate("getComputedStyle(document.body).fontSize") == "16px"

    # Tab from the top of the room page reaches every person on stage and in the audience
    await lee.goto(host.url)
    await expect(lee.locator("#stage .person")).to_have_count(2, timeout=10_000)
    people = await lee.locator("#stage .person, #audience .person").evaluate_all(
        "els => els.map((e) => e.dataset.key)"
    )
    assert len(people) == 3, people
    reached: set[str] = set()
    for _ in range(40):
        await lee.keyboard.press("Tab")
        label = await lee.evaluate(
            "document.activeElement.classList.contains('person-btn')"
            " ? document.activeElement.closest('.person').dataset.key : null"
        )
        if label:
            reached.add(label)
            outline = await lee.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", label  # a visible focus
        if reached == set(people):
            break
    assert reached == set(people), (reached, people)
    # the person sheet opens from the keyboard
    await lee.keyboard.press("Enter")
    await expect(lee.locator("#person-dialog")).to_be_visible()

    # the co-host's view of the event (with the invitation card) fits the phone too
    await sam.goto(event)
    await expect(sam.get_by_role("button", name="Accept")).to_be_visible()
    width = await sam.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], width
