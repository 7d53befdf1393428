"""Screenshot the main pages (phone and desktop) with some people in a room: look at them.

.venv/bin/python scripts/screenshots.py OUT_DIR
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.live_server import Client, run_server
from tests.media_helpers import ToneTrack, loopback_only
from tests.podcast_helpers import speak_in, wait_episode

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


async def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    loopback_only()
    with tempfile.TemporaryDirectory() as tmp:
        # dev mode: the local test payment provider sells the tickets below
        async with run_server(
            Path(tmp), f"sqlite+aiosqlite:///{tmp}/rc.db", dev=True, payments="local"
        ) as srv:
            people = [Client(srv) for _ in range(6)]
            for c in people:
                await c.__aenter__()
            names = [
                "Maya Angelou",
                "Lin Manuel",
                "Ada Lovelace",
                "Tim Berners",
                "Zadie Smith",
                "Jo",
            ]
            for i, (c, n) in enumerate(zip(people, names, strict=True)):
                await c.signup(f"user{i}", display_name=n)
            room = (
                await people[0].start_room(
                    "Is jazz the new punk?",
                    topic="music",
                    description="Open mic about improvisation.",
                )
            )["room"]
            await people[1].start_room("Morning tech news", topic="tech")
            sockets = []
            for c in people[:5]:
                cm = c.live(f"/api/rooms/{room['id']}/live")
                sockets.append((cm, await cm.__aenter__()))
            base = f"/api/rooms/{room['id']}"
            await people[0].post(f"{base}/invite", {"key": f"u{people[1].user_id}"})
            await people[1].post(f"{base}/invite/answer", {"accept": True})
            await people[0].post(
                f"{base}/participants/u{people[1].user_id}/role", {"role": "moderator"}
            )
            await people[3].post(f"{base}/hand", {"raised": True})
            await people[4].post(f"{base}/hand", {"raised": True})
            await people[0].post(f"{base}/invite", {"key": f"u{people[4].user_id}"})
            await people[0].put(f"{base}/chapter", {"title": "Free jazz and the Ramones"})
            for c, text in (
                (people[3], "Coltrane was the original punk, change my mind"),
                (people[1], "Ornette Coleman at the Five Spot, 1959: that's the Ramones at CBGB"),
                (people[2], "Is there a playlist for this room?"),
            ):
                await c.post(f"{base}/chat", {"text": text})
            # an episode: a recorded room with a tone, ended and made
            show_host = people[2]
            rec = (await show_host.start_room("Engines and poetry", record=True))["room"]
            async with show_host.live(f"/api/rooms/{rec['id']}/live") as ws:
                await ws.recv()
                peer = await speak_in(show_host, rec["id"], ToneTrack(330, amp=0.1))
                await show_host.put(f"/api/rooms/{rec['id']}/chapter", {"title": "Hello"})
                await asyncio.sleep(3)
                await show_host.put(f"/api/rooms/{rec['id']}/chapter", {"title": "Engines"})
                await asyncio.sleep(3)
                await show_host.post(f"/api/rooms/{rec['id']}/end")
                await peer.close()
            episode = await wait_episode(show_host, "user2")
            # people and events: follows, a scheduled room with a co-host and RSVPs
            for c in people[1:]:
                await c.put("/api/users/user0/follow")
            at = (datetime.now(UTC) + timedelta(days=1, hours=2)).replace(minute=0).isoformat()
            event = (
                await people[0].post(
                    "/api/events",
                    {
                        "title": "Album launch: listening party and Q&A",
                        "description": "We play the new record track by track, then take "
                        "your questions.",
                        "topic": "music",
                        "starts_at": at,
                        "minutes": 90,
                        "cohosts": ["user1"],
                    },
                )
            ).json()
            await people[1].post(f"/api/events/{event['id']}/cohost", {"accept": True})
            # a club with members, a cover, and a room of its own
            await people[0].post(
                "/api/clubs",
                {
                    "handle": "jazzheads",
                    "name": "Jazz Heads",
                    "description": "Listening sessions, album launches and late-night "
                    "improvisation talk.",
                    "topic": "music",
                },
            )
            for c in people[1:5]:
                await c.post("/api/clubs/jazzheads/join", {})
            await people[0].put("/api/clubs/jazzheads/members/user1/role", {"role": "moderator"})
            await people[1].start_room("Blue Note deep cuts", topic="music", club="jazzheads")
            await people[5].put("/api/me/topics", {"topics": ["music", "tech"]})
            for c in people[2:]:
                await c.put(f"/api/events/{event['id']}/rsvp", {"going": True})
            # a ticketed event: Maya sells, Lin buys, the others see the ticket box
            await people[0].post("/api/me/payments/connect")
            await people[0].post("/api/me/payments/refresh")
            paid = (
                await people[0].post(
                    "/api/events",
                    {
                        "title": "Piano masterclass",
                        "description": "Scales, chords and the left hand, with questions.",
                        "topic": "music",
                        "starts_at": at,
                        "record": True,
                        "tickets": {"price": 1200, "currency": "eur", "capacity": 40},
                    },
                )
            ).json()
            sale = (await people[0].get(f"/api/events/{paid['id']}/sale")).json()
            for buyer in people[1:3]:
                url = (await buyer.post(f"/api/events/{paid['id']}/checkout")).json()["url"]
                await buyer.post(f"/api/pay/local/{url.rsplit('/', 1)[1]}/pay")
            await people[0].post(f"/api/sales/{sale['id']}/codes", {"count": 3})
            async with async_playwright() as p:
                browser = await p.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    args=[
                        "--no-sandbox",
                        "--disable-gpu",
                        "--use-fake-ui-for-media-stream",
                        "--use-fake-device-for-media-stream",
                        "--allow-loopback-in-peer-connection",
                        "--autoplay-policy=no-user-gesture-required",
                    ],
                )
                for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
                    ctx = await browser.new_context(viewport=size, device_scale_factor=1)
                    await ctx.add_cookies(
                        [
                            {"name": k, "value": v, "url": srv.url}
                            for k, v in people[5].http.cookies.items()
                        ]
                    )
                    page = await ctx.new_page()
                    for name, path in (
                        ("hallway", "/"),
                        ("room", f"/r/{room['id']}"),
                        ("settings", "/settings"),
                        ("show", "/shows/user2"),
                        ("episode", f"/episodes/{episode['id']}"),
                        ("event", f"/e/{event['id']}"),
                        ("notifications", "/notifications"),
                        ("clubs", "/clubs"),
                        ("club", "/c/jazzheads"),
                        ("topic", "/topics/music"),
                        ("search", "/search?q=jazz"),
                    ):
                        await page.goto(srv.url + path)
                        await page.wait_for_timeout(700)
                        await page.screenshot(path=str(out / f"{name}-{label}.png"))
                    if label == "phone":  # the conversation, from the bottom bar
                        await page.goto(f"{srv.url}/r/{room['id']}")
                        await page.get_by_role("button", name="Chat").click()
                        await page.wait_for_timeout(700)
                        await page.screenshot(path=str(out / f"room-chat-{label}.png"))
                    # the room goes on in the mini-player while browsing
                    await page.goto(f"{srv.url}/r/{room['id']}")
                    await page.wait_for_timeout(1000)
                    await page.get_by_role("link", name="← Hallway").click()
                    await page.wait_for_timeout(1200)
                    await page.screenshot(path=str(out / f"mini-player-{label}.png"))
                    await page.get_by_role("button", name="Leave the room").click()
                    await page.goto(srv.url + "/")
                    await page.get_by_role("button", name="Start a room").click()
                    await page.wait_for_timeout(400)
                    await page.screenshot(path=str(out / f"start-{label}.png"))
                    for who, name, path in (
                        (people[5], "ticket", f"/e/{paid['id']}"),
                        (people[1], "tickets", "/tickets"),
                        (people[0], "sales", f"/sales/{sale['id']}"),
                        (people[0], "payments", "/settings/payments"),
                    ):
                        shot = await browser.new_context(viewport=size)
                        await shot.add_cookies(
                            [
                                {"name": k, "value": v, "url": srv.url}
                                for k, v in who.http.cookies.items()
                            ]
                        )
                        spage = await shot.new_page()
                        await spage.goto(srv.url + path)
                        await spage.wait_for_timeout(600)
                        await spage.screenshot(path=str(out / f"{name}-{label}.png"))
                        await shot.close()
                    host = await browser.new_context(viewport=size)
                    await host.add_cookies(
                        [
                            {"name": k, "value": v, "url": srv.url}
                            for k, v in people[0].http.cookies.items()
                        ]
                    )
                    hpage = await host.new_page()
                    await hpage.goto(f"{srv.url}/r/{room['id']}")
                    await hpage.wait_for_timeout(1500)
                    await hpage.screenshot(path=str(out / f"room-host-{label}.png"))
                    await hpage.locator("#audience .person-btn", has_text="Tim Berners").click()
                    await hpage.wait_for_timeout(400)
                    await hpage.screenshot(path=str(out / f"person-sheet-{label}.png"))
                    await host.close()
                    anon = await browser.new_context(viewport=size)
                    apage = await anon.new_page()
                    await apage.goto(srv.url + "/")
                    await apage.wait_for_timeout(700)
                    await apage.screenshot(path=str(out / f"front-door-{label}.png"))
                    await apage.goto(srv.url + "/signup")
                    await apage.get_by_label("Username").fill("no spaces!")
                    await apage.get_by_label("Password").fill("short")
                    await apage.get_by_role("button", name="Create account").click()
                    await apage.wait_for_timeout(500)
                    await apage.screenshot(path=str(out / f"signup-{label}.png"))
                await browser.close()
            for cm, _ in sockets:
                await cm.__aexit__(None, None, None)
            for c in people:
                await c.__aexit__(None, None, None)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")))
