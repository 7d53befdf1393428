"""Shows and episodes through the API on SQLite and PostgreSQL: who may change what, bad
input, failures that keep the recording, and what the feed shows."""

from __future__ import annotations

import asyncio
import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import podcastparser
from lxml import etree
from PIL import Image

from roomcast.media.recorder import segments
from roomcast.web.feed import PODCAST as PODCAST_NS
from tests.live_server import Client, LiveServer, run_server
from tests.media_helpers import loopback_only
from tests.podcast_helpers import record_tone, wait_episode


def feed_episodes(xml: bytes) -> list[dict[str, Any]]:
    episodes: list[dict[str, Any]] = podcastparser.parse("http://x/feed.xml", io.BytesIO(xml))[
        "episodes"
    ]
    return episodes


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 90)).save(out, "PNG")
    return out.getvalue()


async def test_a_room_with_nothing_recorded_fails_clearly(server: LiveServer) -> None:
    async with Client(server) as host, Client(server) as other:
        await host.signup("quiet")
        await other.signup("nosy")
        room = (await host.start_room("Nobody spoke", record=True))["room"]
        await asyncio.sleep(0.3)
        assert (await host.post(f"/api/rooms/{room['id']}/end")).status_code == 200
        ep = await wait_episode(host, "quiet")
        assert ep["status"] == "failed"
        assert ep["error"] in ("Nothing was recorded.", "The recording is silent.")
        assert ep["audio_url"] is None
        # nobody else sees a failed episode, in the API or the feed
        assert (await other.get(f"/api/episodes/{ep['id']}")).status_code == 404
        assert (await other.get("/api/shows/quiet")).json()["episodes"] == []
        assert feed_episodes((await other.get("/shows/quiet/feed.xml")).content) == []
        r = await host.post(f"/api/episodes/{ep['id']}/published", json={"published": True})
        assert r.status_code == 405  # published is PUT
        r = await host.put(f"/api/episodes/{ep['id']}/published", {"published": True})
        assert r.status_code == 409 and r.json()["error"]["code"] == "episode_not_ready"


async def test_only_the_host_changes_an_episode(server: LiveServer) -> None:
    loopback_only()
    async with Client(server) as host, Client(server) as other, Client(server) as guest:
        await host.signup("owner")
        await other.signup("stranger")
        await record_tone(host, "Tone talk", language="fr")
        ep = await wait_episode(host, "owner")
        assert ep["status"] == "published", ep
        # no speech-to-text model for French here: no transcript, and the page says so
        assert ep["transcript"] == "unsupported" and ep["transcript_vtt_url"] is None
        page = (await guest.get(f"/episodes/{ep['id']}")).text
        assert "does not support this room&#39;s language (fr)" in page
        path = f"/api/episodes/{ep['id']}"

        # others: read yes, change no
        assert (await other.get(path)).status_code == 200
        r = await other.patch(path, {"title": "Mine"})
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_allowed"
        assert (await other.put(f"{path}/published", {"published": False})).status_code == 403
        assert (await other.delete(path)).status_code == 403
        assert (await other.post(f"{path}/retry")).status_code == 403
        assert (await guest.patch(path, {"title": "Mine"})).status_code == 401

        # bad input: precise 422s, nothing changed
        for body in ({"title": ""}, {"title": "x" * 121}, {"title": "a\nb"}, {"colour": "red"}):
            r = await host.patch(path, body)
            assert r.status_code == 422, (body, r.text)
        assert (await host.get(path)).json()["title"] == "Tone talk"
        assert (await host.get("/api/episodes/nope!")).status_code == 422
        assert (await host.get("/api/episodes/unknown")).status_code == 404

        # the host edits; the feed follows
        r = await host.patch(path, {"title": "Tones, explained", "notes": "<b>Show</b> notes"})
        assert r.status_code == 200 and r.json()["title"] == "Tones, explained"
        xml = (await guest.get("/shows/owner/feed.xml")).content
        [item] = feed_episodes(xml)
        assert item["title"] == "Tones, explained"
        assert item["description"] == "Show notes"  # apps drop the markup
        assert b"&lt;b&gt;Show&lt;/b&gt; notes" in xml  # escaped: text, never markup

        # unpublished: gone from the feed and from others, kept for the host
        r = await host.put(f"{path}/published", {"published": False})
        assert r.status_code == 200 and r.json()["status"] == "unpublished"
        assert feed_episodes((await guest.get("/shows/owner/feed.xml")).content) == []
        assert (await other.get(path)).status_code == 404
        assert (await other.get(f"/episodes/{ep['id']}/audio.mp3")).status_code == 404
        assert (await host.get(f"/episodes/{ep['id']}/audio.mp3")).status_code == 200
        r = await host.put(f"{path}/published", {"published": True})
        assert r.json()["published_at"] == ep["published_at"]  # not "new" to apps again

        # deleted: row, files and feed entry
        folder = server.ctx.settings.data_dir / "episodes" / ep["id"]
        assert folder.exists()
        assert (await host.delete(path)).status_code == 204
        assert not folder.exists()
        assert (await host.get(path)).status_code == 404
        assert feed_episodes((await guest.get("/shows/owner/feed.xml")).content) == []


async def test_show_settings_and_artwork(server: LiveServer) -> None:
    async with Client(server) as host, Client(server) as guest:
        await host.signup("artist", display_name="Ada Artist")
        show = (await guest.get("/api/shows/artist")).json()["show"]
        assert show["title"] == "Ada Artist's room"
        assert show["feed_url"].endswith("/shows/artist/feed.xml")
        generated = await guest.get("/shows/artist/artwork.jpg")
        assert generated.status_code == 200 and generated.content[:3] == b"\xff\xd8\xff"
        with Image.open(io.BytesIO(generated.content)) as img:
            assert img.size == (1400, 1400)

        body = {
            "title": "Ada's Hour",
            "description": "Talk about engines.",
            "category": "Technology",
            "language": "en-GB",
            "explicit": True,
        }
        assert (await host.put("/api/me/show", {**body, "category": "Cats"})).status_code == 422
        assert (await host.put("/api/me/show", {**body, "language": "English"})).status_code == 422
        assert (await guest.put("/api/me/show", body)).status_code == 401
        r = await host.put("/api/me/show", body)
        assert r.status_code == 200, r.text
        feed = podcastparser.parse(
            "http://x/f.xml", io.BytesIO((await guest.get("/shows/artist/feed.xml")).content)
        )
        assert feed["title"] == "Ada's Hour" and feed["description"] == "Talk about engines."
        assert feed["explicit"] is True

        def upload(data: bytes, kind: str = "image/png") -> Any:
            return host.http.put(
                "/api/me/show/artwork",
                content=data,
                headers={"content-type": kind, "x-csrf-token": host.http.cookies["rc_csrf"]},
            )

        r = await upload(b"hello", "text/plain")
        assert r.status_code == 415
        r = await upload(b"not really a png")
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_image"
        r = await upload(png(40, 40))
        assert r.status_code == 400 and "256" in r.json()["error"]["message"]
        r = await upload(b"\0" * (9 * 1024 * 1024))
        assert r.status_code == 413
        r = await upload(png(2000, 1500))
        assert r.status_code == 200, r.text
        art = await guest.get(r.json()["artwork_url"].removeprefix(server.url))
        with Image.open(io.BytesIO(art.content)) as img:
            assert img.format == "JPEG" and img.size == (1400, 1400)
        assert "?v=" in r.json()["artwork_url"]  # a new upload is a new URL for apps' caches
        r = await host.delete("/api/me/show/artwork")
        assert r.status_code == 200 and "?v=" not in r.json()["artwork_url"]

        assert (await guest.get("/shows/nobody/feed.xml")).status_code == 404

        # live rooms: a podcast:liveItem for an open one, nothing for a link-only one
        live = (await host.start_room("On air now"))["room"]
        await host.start_room("Secret room", visibility="link")
        doc = etree.fromstring((await guest.get("/shows/artist/feed.xml")).content)
        [item] = doc.xpath("//podcast:liveItem", namespaces={"podcast": PODCAST_NS})
        assert item.get("status") == "live" and item.findtext("title") == "On air now"
        link = item.xpath("podcast:contentLink/@href", namespaces={"podcast": PODCAST_NS})
        assert link == [f"{server.url}/r/{live['id']}"]
        head = await guest.http.head("/shows/artist/feed.xml")
        assert head.status_code == 200 and int(head.headers["content-length"]) > 0
        assert not head.content


async def test_a_failing_disk_keeps_the_recording_and_retry_finishes_it(
    tmp_path: Path, database_url: str
) -> None:
    """Post-production cannot write (the episodes folder is a file, as a full or broken
    disk would refuse): retried, then failed clearly, the recording kept; once the disk
    is fixed the host retries and the episode is published."""
    loopback_only()
    data = tmp_path / "data"
    async with run_server(data, database_url, job_retry_seconds=0.2) as server:
        data.mkdir(exist_ok=True)
        (data / "episodes").write_text("in the way")
        async with Client(server) as host:
            await host.signup("unlucky")
            room = await record_tone(host, "Against the odds")
            ep = await wait_episode(host, "unlucky", timeout=60)
            assert ep["status"] == "failed", ep
            assert ep["error"].startswith("The server could not write the episode"), ep
            assert str(data) not in ep["error"]  # no server paths for users
            recording = data / "recordings" / room["id"]
            assert segments(recording), "the recording must survive a failed production"

            (data / "episodes").unlink()
            r = await host.post(f"/api/episodes/{ep['id']}/retry")
            assert r.status_code == 200 and r.json()["status"] == "processing"
            ep = await wait_episode(host, "unlucky", timeout=60)
            assert ep["status"] == "published", ep
            assert (await host.get(ep["audio_url"].removeprefix(server.url))).status_code == 200
            r = await host.post(f"/api/episodes/{ep['id']}/retry")
            assert r.status_code == 409


async def test_no_text_breaks_a_feed(server: LiveServer) -> None:
    """Characters XML forbids are refused at every text field; whatever is stored already,
    the feed stays valid XML."""
    async with Client(server) as host, Client(server) as guest:
        await host.signup("xmlhost", display_name="Xavier")
        room = (await host.start_room("Live now"))["room"]
        base = f"/api/rooms/{room['id']}"
        show = {"title": "T", "description": "D", "category": "Technology"}
        for bad in ("nonchar \uffff x", "vtab \x0b x", "nul \x00 x", "bom \ufffe x"):
            for method, path, body in (
                ("PATCH", "/api/me", {"display_name": bad}),
                ("PATCH", "/api/me", {"display_name": "ok", "bio": bad}),
                ("POST", "/api/rooms", {"title": bad}),
                ("POST", "/api/rooms", {"title": "ok", "description": bad}),
                ("PUT", "/api/me/show", {**show, "title": bad}),
                ("PUT", "/api/me/show", {**show, "description": bad}),
                ("PUT", f"{base}/chapter", {"title": bad}),
                ("POST", "/api/reports", {"room_id": room["id"], "reason": f"spam {bad}"}),
            ):
                r = await host.http.request(
                    method, path, json=body, headers={"x-csrf-token": host.http.cookies["rc_csrf"]}
                )
                assert r.status_code == 422, (path, body, r.text)
        # text stored before these checks existed (or by another tool) is made safe on output
        async with server.ctx.transaction() as uow:
            me = await uow.users.by_username("xmlhost")
            assert me is not None
            await uow.users.update_profile(me.id, "X\uffffavier\x0b", "")
            stored = await uow.rooms.get(room["id"])
            assert stored is not None
            await uow.rooms.save(replace(stored, title="Live\ufffe now\x01"))
        r = await guest.get("/shows/xmlhost/feed.xml")
        assert r.status_code == 200, r.text
        doc = etree.fromstring(r.content)
        assert (
            doc.findtext("channel/{http://www.itunes.com/dtds/podcast-1.0.dtd}author") == "Xavier"
        )
        [item] = doc.xpath("//podcast:liveItem", namespaces={"podcast": PODCAST_NS})
        assert item.findtext("title") == "Live now"
        assert (await guest.get(f"/r/{room['id']}")).status_code == 200


async def test_a_huge_cover_is_refused_before_it_is_decoded(server: LiveServer) -> None:
    async with Client(server) as host:
        await host.signup("bigart")
        buf = io.BytesIO()
        Image.new("1", (6000, 6000)).save(buf, "PNG", optimize=True)  # ~35 KB, 36 megapixels
        r = await host.http.put(
            "/api/me/show/artwork",
            content=buf.getvalue(),
            headers={"content-type": "image/png", "x-csrf-token": host.http.cookies["rc_csrf"]},
        )
        assert r.status_code == 400 and r.json()["error"]["code"] == "image_too_large"
        assert "megapixels" in r.json()["error"]["message"]
