"""Clubs in real browsers: a members-only club room is heard by a member and refused to
everyone else at every door (the page, the room socket, the media offer, the episode's
audio, a private feed); a club's moderator moderates a member's room. And search: a phrase
spoken in a recorded room, read back from its transcript, found and played from there."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.audio_probe import PROBE_JS, heard_envelope, similarity, wav_envelope
from tests.integration.browser.test_audio_e2e import audio_live, speaking_pair
from tests.integration.browser.test_hallway_e2e import end_room, sign_up
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

ALICE_SAYS = (
    "Welcome to the jazz club. Tonight we talk about the saxophone and the trumpet, "
    "and the long history of improvised music in small clubs."
)
BEA_SAYS = "Bea here, a member, just listening. One, two, three, four, five."


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[tuple[Page, Page, Path, Path]]:
    async with speaking_pair(tmp_path, ALICE_SAYS, BEA_SAYS) as pair:
        yield pair


async def new_page(like: Page) -> Page:
    browser = like.context.browser
    assert browser is not None
    page = await (await browser.new_context()).new_page()
    await page.add_init_script(PROBE_JS)
    page.on("dialog", lambda d: d.accept())
    return page


async def fetch(page: Page, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """A request from inside the page, as a modified client would send it (with the
    page's cookies and CSRF token): its status and JSON."""
    result: dict[str, Any] = await page.evaluate(
        """async ([method, path, body]) => {
            const csrf = document.cookie.split('; ').find((c) => c.startsWith('rc_csrf='));
            const r = await fetch(path, { method, credentials: 'same-origin',
              headers: { 'Content-Type': 'application/json',
                'X-CSRF-Token': csrf ? csrf.slice(8) : '' },
              body: body === null ? undefined : JSON.stringify(body) });
            let json = null;
            try { json = await r.json(); } catch (e) { json = null; }
            return { status: r.status, json };
        }""",
        [method, path, body],
    )
    return result


async def socket_refusal(page: Page, room_id: str) -> dict[str, Any]:
    """The room's socket, opened from the page: its first message and close code."""
    result: dict[str, Any] = await page.evaluate(
        """(id) => new Promise((resolve) => {
            const origin = location.origin.replace('http', 'ws');
            const ws = new WebSocket(`${origin}/api/rooms/${id}/live`);
            let first = null;
            ws.onmessage = (m) => { first = first || JSON.parse(m.data); };
            ws.onclose = (e) => resolve({ first, code: e.code });
        })""",
        room_id,
    )
    return result


async def test_a_members_only_club_room(
    two: tuple[Page, Page, Path, Path], web_server: LiveServer
) -> None:
    alice, bea, wav_a, wav_b = two
    base = web_server.url
    carl = await new_page(bea)
    await sign_up(alice, base, "alice", "Alice Adams")
    await sign_up(bea, base, "bea", "Bea Brown")
    await sign_up(carl, base, "carl", "Carl Cox")

    # Alice makes a club in the form; Bea joins it from its page
    await alice.goto(f"{base}/clubs/new")
    await alice.get_by_label("Name").fill("Jazz Club")
    await alice.get_by_label(re.compile("^Handle")).fill("jazz")
    await alice.get_by_label("Description").fill("Small rooms about <big> music & more")
    await alice.get_by_text("Music", exact=True).click()
    await expect(alice.get_by_role("radio", name="Music")).to_be_checked()
    await alice.get_by_role("button", name="Create the club").click()
    await expect(alice.get_by_role("heading", name="Jazz Club")).to_be_visible()
    await expect(alice.locator(".bio")).to_have_text("Small rooms about <big> music & more")
    await bea.goto(f"{base}/c/jazz")
    await bea.get_by_role("button", name="Join").click()
    await expect(bea.get_by_text("Member", exact=True)).to_be_visible()

    # Alice starts a members-only, recorded club room; Bea hears her
    await alice.get_by_role("button", name="Start a room").click()
    await alice.get_by_label("Title").fill("Members jam")
    await alice.get_by_text("🔒 Members", exact=True).click()
    await expect(alice.get_by_role("radio", name="🔒 Members")).to_be_checked()
    await alice.locator("#start-dialog").get_by_text("Record and publish").click()
    await alice.get_by_role("button", name="Let's go").click()
    await alice.wait_for_url(re.compile(r"/r/"))
    room_url = alice.url
    room_id = room_url.rsplit("/", 1)[1]
    await audio_live(alice)
    await bea.goto(room_url)
    await audio_live(bea)
    heard = await heard_envelope(bea, 5.0)
    right, control = similarity(heard, wav_envelope(wav_a)), similarity(heard, wav_envelope(wav_b))
    print(f"\nmember hears the club room: r={right:.2f} (control {control:.2f})")
    assert right > 0.6 and right - control > 0.2

    # Carl, not a member, is refused at every door: the page, the socket, the media offer
    await carl.goto(room_url)
    await expect(carl.get_by_role("heading", name="You cannot join")).to_be_visible()
    await expect(carl.get_by_text("This room is for the club's members.")).to_be_visible()
    closed = await socket_refusal(carl, room_id)
    assert closed["code"] == 4403 and closed["first"]["code"] == "members_only"
    offer = await fetch(
        carl, "POST", f"/api/rooms/{room_id}/media", {"type": "offer", "sdp": "v=0"}
    )
    assert offer["status"] == 403 and offer["json"]["error"]["code"] == "members_only"
    assert (await fetch(carl, "GET", f"/api/rooms/{room_id}"))["status"] == 403
    # and the hallway does not list it to him (it does to Bea)
    await carl.goto(base)
    await expect(carl.locator("#rooms")).to_have_attribute("aria-busy", "false")
    await expect(carl.locator(f'[data-room-id="{room_id}"]')).to_have_count(0)
    await bea.get_by_role("link", name="Roomcast hallway").click()
    await expect(bea.locator(f'[data-room-id="{room_id}"]')).to_be_visible()
    await expect(bea.locator(f'[data-room-id="{room_id}"]')).to_contain_text("Jazz Club")

    # the room ends: its episode goes to the club's show, members only
    await alice.goto(room_url)
    await end_room(alice)
    await bea.goto(f"{base}/c/jazz")
    episode = bea.locator(".episode-list").get_by_role("link", name="Members jam")
    for _ in range(120):  # production is benched; this waits at most two minutes
        if await episode.count():
            break
        await bea.wait_for_timeout(1000)
        await bea.reload()
    await episode.click()
    await expect(bea.get_by_role("heading", name="Members jam")).to_be_visible()
    await expect(bea.get_by_text("Members only")).to_be_visible()
    episode_path = bea.url.removeprefix(base)
    audio = await bea.locator("#player").get_attribute("src")
    assert audio
    status = "async (u) => (await fetch(u, { method: 'HEAD' })).status"
    assert await bea.evaluate(status, audio) == 200
    assert await carl.evaluate(status, audio) == 403
    await carl.goto(base + episode_path)
    await expect(carl.get_by_role("heading", name="Members only")).to_be_visible()
    # Bea's private feed works without cookies (a podcast app); Carl's guesses do not
    await bea.goto(f"{base}/c/jazz")
    await bea.get_by_role("button", name="🔒 Your private feed").click()
    await expect(bea.get_by_label("Feed address")).to_have_value(re.compile("/feeds/"))
    feed_url = await bea.get_by_label("Feed address").input_value()
    assert "/feeds/" in feed_url
    app = await new_page(carl)  # no one signed in: a podcast app
    response = await app.request.get(feed_url)
    assert response.status == 200 and b"Members jam" in await response.body()
    enclosure = re.search(rb'enclosure url="([^"]+)"', await response.body())
    assert enclosure is not None
    assert (await app.request.get(enclosure.group(1).decode())).status == 200
    key_id, _, mac = feed_url.split("/feeds/")[1].split("/")[0].partition(".")
    guess = f"{base}/feeds/{int(key_id) + 1}.{mac}/feed.xml"
    assert (await app.request.get(guess)).status == 403
    tampered = feed_url.replace(mac, mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB"))
    assert (await app.request.get(tampered)).status == 403
    # Bea leaves: her feed and its files stop working at once
    await bea.keyboard.press("Escape")
    await bea.get_by_role("button", name="Leave").click()
    await expect(bea.get_by_role("button", name="Join")).to_be_visible()
    assert (await app.request.get(feed_url)).status == 403
    assert (await app.request.get(enclosure.group(1).decode())).status == 403


async def test_a_club_moderator_moderates_a_members_room(
    two: tuple[Page, Page, Path, Path], web_server: LiveServer
) -> None:
    alice, bea, _, _ = two
    base = web_server.url
    carl, dan = await new_page(bea), await new_page(alice)
    await sign_up(alice, base, "alice", "Alice Adams")
    await sign_up(bea, base, "bea", "Bea Brown")
    await sign_up(carl, base, "carl", "Carl Cox")
    await sign_up(dan, base, "dan", "Dan Dee")
    await alice.goto(f"{base}/clubs/new")
    await alice.get_by_label("Name").fill("Open Mic")
    await alice.get_by_label(re.compile("^Handle")).fill("openmic")
    await alice.get_by_text("Every member", exact=True).click()
    await alice.get_by_role("button", name="Create the club").click()
    await expect(alice.get_by_role("heading", name="Open Mic")).to_be_visible()
    for page in (bea, carl, dan):
        await page.goto(f"{base}/c/openmic")
        await page.get_by_role("button", name="Join").click()
        await expect(page.get_by_text("Member", exact=True)).to_be_visible()
    # Alice makes Bea a moderator on the members page
    await alice.goto(f"{base}/c/openmic/members")
    await alice.get_by_label("Role of Bea Brown").select_option("moderator")
    await expect(alice.locator("#toast")).to_contain_text("Role changed")

    # Carl, a member, starts a room as the club; Dan listens; Bea comes in a moderator
    await carl.goto(f"{base}/c/openmic")
    await carl.get_by_role("button", name="Start a room").click()
    await carl.get_by_label("Title").fill("Carl's open mic")
    await carl.get_by_role("button", name="Let's go").click()
    await carl.wait_for_url(re.compile(r"/r/"))
    room_url = carl.url
    await dan.goto(room_url)
    await audio_live(dan)
    await bea.goto(room_url)
    await audio_live(bea)
    await expect(bea.locator("#stage")).to_contain_text("Bea Brown")  # moderators are on stage
    await expect(bea.locator('#stage [data-key="u2"]')).to_have_attribute("data-role", "moderator")
    await bea.locator(".person-btn", has_text="Dan Dee").click()
    await bea.get_by_role("button", name="🚪 Remove from room").click()
    await expect(dan.get_by_text("You were removed from this room")).to_be_visible()


def _later_cue(vtt: str) -> tuple[float, str]:
    """A caption of three words or more said at least 3 s in (so that playing from it is
    a real seek): its start and its first three words."""
    for block in vtt.split("\n\n"):
        lines = block.strip().splitlines()
        timing = next((ln for ln in lines if "-->" in ln), None)
        if timing is None:
            continue
        text = " ".join(ln for ln in lines[lines.index(timing) + 1 :])
        words = re.sub(r"<[^>]+>", "", text).split()
        words = [w for w in words if re.fullmatch(r"[a-z']+", w.lower())]
        h, m, sec = timing.split("-->")[0].strip().split(":")
        start = int(h) * 3600 + int(m) * 60 + float(sec)
        if len(words) >= 3 and start >= 3.0:
            return start, " ".join(words[:3])
    raise AssertionError(f"no caption of three words 3 s in:\n{vtt}")


async def test_search_finds_what_was_said_and_plays_it(
    two: tuple[Page, Page, Path, Path], web_server: LiveServer
) -> None:
    alice, bea, _, _ = two
    base = web_server.url
    await sign_up(alice, base, "alice", "Alice Adams")
    await sign_up(bea, base, "bea", "Bea Brown")
    await alice.get_by_role("button", name="Start a room").click()
    await alice.get_by_label("Title").fill("Evening notes")
    await alice.locator("#start-dialog").get_by_text("Record and publish").click()
    await alice.get_by_role("button", name="Let's go").click()
    await alice.wait_for_url(re.compile(r"/r/"))
    room_id = alice.url.rsplit("/", 1)[1]
    await audio_live(alice)
    await alice.wait_for_timeout(12_000)  # Alice's WAV says it all at least once
    await end_room(alice)

    # the transcript, as the episode serves it: pick a phrase it contains
    episode: dict[str, Any] = {}
    for _ in range(240):  # post-production then speech to text; benched, bounded here
        r = await fetch(alice, "GET", f"/api/rooms/{room_id}/episode")
        if r["status"] == 200 and r["json"]["transcript"] != "pending":
            episode = r["json"]
            break
        await alice.wait_for_timeout(500)
    assert episode.get("transcript") == "ready", episode
    vtt = await alice.evaluate(
        "async (u) => (await fetch(u)).text()", episode["transcript_vtt_url"]
    )
    at, phrase = _later_cue(vtt)
    print(f"\nsearching for {phrase!r}, said at {at:.2f} s")

    # Bea types it in the search box at the top of any page
    await bea.goto(base)
    await bea.get_by_label("Search", exact=True).fill(f'"{phrase}"')
    await bea.keyboard.press("Enter")
    await expect(bea.get_by_role("heading", name="Search")).to_be_visible()
    result = bea.locator(".search-result", has_text="Evening notes")
    await expect(result).to_be_visible()
    await expect(result.locator("mark").first).to_be_visible()
    play = result.get_by_role("link", name=re.compile("^Play Evening notes from"))
    await play.click()
    await expect(bea.get_by_role("heading", name="Evening notes")).to_be_visible()
    assert "?t=" in bea.url
    # playback starts within a second of the phrase
    await bea.wait_for_function(
        "() => { const p = document.getElementById('player');"
        " return p && !p.paused && p.currentTime > 0; }",
        timeout=10_000,
    )
    started = await bea.evaluate(
        "() => { const p = document.getElementById('player'); return p.currentTime; }"
    )
    print(f"playing from {started:.2f} s")
    assert abs(started - at) <= 1.0
