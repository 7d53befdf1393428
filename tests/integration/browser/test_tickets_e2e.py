"""A paid room in real browsers, with the local test payment provider (dev mode): Alice sets
up payments and schedules a ticketed event in the form; Bea buys a ticket on the test
checkout, joins and hears Alice; Carl, without a ticket, is shown the ticket box and is
refused at the socket and the media offer; after the room, Bea's private feed lists the
replay and its audio plays; Carl's guesses get 403; Alice revokes Bea's feed: 403."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.audio_probe import heard_envelope, similarity, wav_envelope
from tests.integration.browser.test_accessibility_e2e import axe, context
from tests.integration.browser.test_audio_e2e import audio_live, speaking_pair
from tests.integration.browser.test_clubs_e2e import fetch, new_page, socket_refusal
from tests.integration.browser.test_hallway_e2e import end_room, sign_up
from tests.live_server import Client, LiveServer, run_server
from tests.media_helpers import loopback_only

pytestmark = pytest.mark.browser

ALICE_SAYS = (
    "Welcome to the masterclass. Tonight we practise scales on the piano, slowly, "
    "then faster, and we talk about the left hand."
)
BEA_SAYS = "Bea here with my ticket. One, two, three, four, five, six."


@pytest.fixture
async def dev_server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    loopback_only()
    async with run_server(
        tmp_path / "data",
        f"sqlite+aiosqlite:///{tmp_path / 'rc.db'}",
        dev=True,
        payments="local",
        host_grace_seconds=30,
    ) as srv:
        yield srv


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[tuple[Page, Page, Path, Path]]:
    async with speaking_pair(tmp_path, ALICE_SAYS, BEA_SAYS) as pair:
        yield pair


async def test_a_paid_event_from_the_form_to_the_private_feed(
    two: tuple[Page, Page, Path, Path], dev_server: LiveServer
) -> None:
    alice, bea, wav_a, wav_b = two
    base = dev_server.url
    carl = await new_page(bea)
    await sign_up(alice, base, "alice", "Alice Adams")
    await sign_up(bea, base, "bea", "Bea Brown")
    await sign_up(carl, base, "carl", "Carl Cox")

    # Alice sets up payments (the test provider is ready at once), then schedules
    await alice.goto(f"{base}/settings/payments")
    await alice.get_by_role("button", name="Set up payments").click()
    await expect(alice.get_by_text("✓ Payments enabled")).to_be_visible()
    await alice.goto(f"{base}/events/new")
    await alice.get_by_label("Title").fill("Piano masterclass")
    await alice.get_by_text("Record and publish").click()
    await alice.get_by_text("Sell tickets").click()
    await alice.get_by_label("Price").fill("5.00")
    await alice.get_by_label("Currency").select_option("usd")
    await alice.get_by_label("Seats").fill("20")
    await alice.get_by_label("Sales close").select_option("live")
    await alice.get_by_role("button", name="Schedule").click()
    await alice.wait_for_url(re.compile(r"/e/"))
    event_url = alice.url
    await expect(alice.get_by_role("heading", name="🎟 Ticket · $5.00")).to_be_visible()
    await expect(alice.get_by_role("link", name="📊 Sales and buyers")).to_be_visible()

    # Bea buys on the test checkout; the ticket page waits for the confirmation
    await bea.goto(event_url)
    await expect(bea.get_by_text("20 of 20 seats left")).to_be_visible()
    await bea.get_by_role("button", name="Buy a ticket · $5.00").click()
    await expect(bea.get_by_role("heading", name="Test checkout")).to_be_visible()
    await bea.get_by_role("button", name="Pay $5.00").click()
    await bea.wait_for_url(re.compile(r"/tickets/\d+\?checkout=done"))
    await expect(bea.locator("#ticket-status")).to_contain_text(re.compile("have a ticket", re.I))
    await bea.goto(event_url)
    await expect(bea.get_by_text("✓ You have a ticket")).to_be_visible()

    # Alice starts it; Bea hears her
    await alice.goto(event_url)
    await alice.get_by_role("button", name="▶ Start now").click()
    await alice.wait_for_url(re.compile(r"/r/"))
    room_url = alice.url
    room_id = room_url.rsplit("/", 1)[1]
    await audio_live(alice)
    await bea.goto(room_url)
    await audio_live(bea)
    heard = await heard_envelope(bea, 5.0)
    right, control = similarity(heard, wav_envelope(wav_a)), similarity(heard, wav_envelope(wav_b))
    print(f"\nthe buyer hears the paid room: r={right:.2f} (control {control:.2f})")
    assert right > 0.6 and right - control > 0.2

    # Carl has no ticket: the ticket box, no audio; the socket and the offer refuse him
    await carl.goto(room_url)
    await expect(carl.get_by_text("This room needs a ticket.")).to_be_visible()
    await expect(carl.get_by_role("button", name="Buy a ticket · $5.00")).to_be_visible()
    await expect(carl.locator(".room")).to_have_count(0)
    closed = await socket_refusal(carl, room_id)
    assert closed["code"] == 4403 and closed["first"]["code"] == "ticket_required"
    offer = await fetch(
        carl, "POST", f"/api/rooms/{room_id}/media", {"type": "offer", "sdp": "v=0"}
    )
    assert offer["status"] == 403 and offer["json"]["error"]["code"] == "ticket_required"
    assert (await fetch(carl, "GET", f"/api/rooms/{room_id}"))["status"] == 403

    # Bea tips Alice from her sheet (test checkout); everyone in the room sees it
    await bea.locator("#stage .person-btn", has_text="Alice Adams").click()
    await bea.get_by_role("button", name="Tip Alice Adams $2.00").click()
    await expect(bea.get_by_role("heading", name="Test checkout")).to_be_visible()
    await expect(bea.get_by_text("A tip for Alice Adams")).to_be_visible()
    await bea.get_by_role("button", name="Pay $2.00").click()
    await expect(alice.locator("#toast")).to_have_text("💸 Bea Brown tipped Alice Adams")
    await bea.wait_for_url(re.compile(r"\?tip=thanks"))
    await expect(bea.locator("#toast")).to_contain_text("your tip is on its way")
    await audio_live(bea)

    # the room ends; its replay is Bea's, in her private feed
    await end_room(alice)
    await bea.goto(f"{base}/tickets")
    play = bea.get_by_role("link", name="▶ Play the replay")
    for _ in range(120):  # production is benched; this waits at most two minutes
        if await play.count():
            break
        await bea.wait_for_timeout(1000)
        await bea.reload()
    await bea.get_by_role("button", name="🎧 Private podcast feed").click()
    feed = bea.get_by_label("Your feed (keep it to yourself)")
    await expect(feed).to_have_value(re.compile("/feeds/"))
    feed_url = await feed.input_value()
    app = await new_page(carl)  # nobody signed in: a podcast app
    response = await app.request.get(feed_url)
    body = await response.body()
    assert response.status == 200 and b"Piano masterclass" in body
    enclosure = re.search(rb'enclosure url="([^"]+)"', body)
    assert enclosure is not None
    audio_url = enclosure.group(1).decode()
    assert (await app.request.get(audio_url)).status == 200
    await bea.goto(f"{base}/tickets")
    plays = await bea.evaluate(
        """async (u) => { const a = new Audio(u); a.muted = true; await a.play();
            await new Promise((r) => setTimeout(r, 1500)); return a.currentTime; }""",
        audio_url,
    )
    assert plays > 0.5, plays
    # Carl's guesses: the episode's own audio, a neighbour key, a tampered key
    await play.click()
    episode_audio = await bea.locator("#player").get_attribute("src")
    assert episode_audio
    status = "async (u) => (await fetch(u, { method: 'HEAD' })).status"
    assert await carl.evaluate(status, episode_audio) == 403
    key_id, _, mac = feed_url.split("/feeds/")[1].split("/")[0].partition(".")
    assert (await app.request.get(f"{base}/feeds/{int(key_id) + 1}.{mac}/feed.xml")).status == 403
    assert (await app.request.get(feed_url.replace(mac, mac[::-1]))).status == 403

    # Alice revokes Bea's feed on the sales page: 403 from then on
    await alice.goto(event_url)
    await alice.get_by_role("link", name="📊 Sales and buyers").click()
    await expect(alice.locator(".sales-figures")).to_contain_text("$5.00")
    await alice.get_by_role("button", name="Revoke feed of Bea Brown").click()
    await expect(alice.get_by_text("feed revoked")).to_be_visible()
    await alice.goto(f"{base}/settings/payments")
    await expect(alice.locator(".tip-list")).to_contain_text("Bea Brown · $2.00")
    assert (await app.request.get(feed_url)).status == 403
    assert (await app.request.get(audio_url)).status == 403


async def test_ticket_pages_pass_axe_and_fit_a_phone(
    browser: Browser, dev_server: LiveServer
) -> None:
    """The pages of paid rooms, light on a phone and dark on a desktop: no serious or
    critical axe violation, and no sideways scrolling at 320 px."""
    base = dev_server.url
    async with Client(dev_server) as host, Client(dev_server) as buyer:
        await host.signup("hana", display_name="Hana Host")
        await buyer.signup("bobo", display_name="Bo Buyer")
        await host.post("/api/me/payments/connect")
        await host.post("/api/me/payments/refresh")
        body = {
            "title": "A paid evening",
            "starts_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "tickets": {"price": 900, "currency": "eur", "capacity": 30},
        }
        event = (await host.post("/api/events", body)).json()["id"]
        sale = (await host.get(f"/api/events/{event}/sale")).json()["id"]
        url = (await buyer.post(f"/api/events/{event}/checkout")).json()["url"]
        session = url.rsplit("/", 1)[1]
        await buyer.post(f"/api/pay/local/{session}/pay")
        ticket = (await buyer.get("/api/me/tickets")).json()["tickets"][0]["ticket"]["id"]
        await host.post(f"/api/sales/{sale}/codes", {"count": 2})
        room = await host.start_room("A paid room now", tickets={"price": 500, "currency": "usd"})
        room_id = room["room"]["id"]
        pending = await host.post(f"/api/events/{event}/checkout")  # own sale: refused
        assert pending.status_code == 409
        found: dict[str, list[dict[str, object]]] = {}
        for scheme, size in (("light", "phone"), ("dark", "desktop")):
            ctx = await context(browser, scheme, size)
            for who, pages in (
                (host, ["/settings/payments", f"/sales/{sale}", "/events/new", f"/e/{event}"]),
                (buyer, [f"/e/{event}", f"/tickets/{ticket}", "/tickets"]),
            ):
                await ctx.clear_cookies()
                await ctx.add_cookies(
                    [{"name": k, "value": v, "url": base} for k, v in who.http.cookies.items()]
                )
                page = await ctx.new_page()
                for path in pages:
                    await page.goto(base + path)
                    if path == "/events/new":
                        await page.get_by_text("Sell tickets").click()
                    found[f"{scheme} {size} {path}"] = await axe(page)
                await page.close()
            await ctx.clear_cookies()
            page = await ctx.new_page()  # a guest, and someone without a ticket
            await page.goto(f"{base}/e/{event}")
            found[f"{scheme} {size} guest event"] = await axe(page)
            await sign_up(page, base, f"carl{size}", "Carl Cox")
            for path in (f"/r/{room_id}", f"/e/{event}"):
                await page.goto(base + path)
                found[f"{scheme} {size} no ticket {path}"] = await axe(page)
            other = await page.request.post(
                f"{base}/api/events/{event}/checkout",
                headers={
                    "x-csrf-token": next(
                        c["value"] for c in await ctx.cookies() if c["name"] == "rc_csrf"
                    )
                },
            )
            assert other.status == 201
            await page.goto((await other.json())["url"])
            await expect(page.get_by_role("heading", name="Test checkout")).to_be_visible()
            found[f"{scheme} {size} test checkout"] = await axe(page)
            await ctx.close()
        bad = {where: v for where, v in found.items() if v}
        assert not bad, json.dumps(bad, indent=1, ensure_ascii=False)
        narrow = await browser.new_context(viewport={"width": 320, "height": 640})
        await narrow.add_cookies(
            [{"name": k, "value": v, "url": base} for k, v in host.http.cookies.items()]
        )
        page = await narrow.new_page()
        for path in ("/settings/payments", f"/sales/{sale}", "/events/new", f"/e/{event}"):
            await page.goto(base + path)
            if path == "/events/new":
                await page.get_by_text("Sell tickets").click()
            wide = await page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 320, (path, wide)
        await narrow.close()
