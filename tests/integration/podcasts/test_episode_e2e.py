"""Live to on-demand, end to end: a speaker's speech goes into a recorded room over real
WebRTC, the room ends, and the episode comes out of the real server's job runner: an MP3
at -16 LUFS, chapters, a transcript, and a feed that podcast clients parse."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree

from tests.audio_probe import speech_wav
from tests.live_server import Client, LiveServer
from tests.media_helpers import WavTrack, loopback_only
from tests.podcast_helpers import ffmpeg_r128, ffprobe_duration, speak_in, wait_episode

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
}
SPEECH = (
    "Welcome to the show. Today we talk about podcasts and the open web. "
    "Thank you for listening. The weather is nice today. "
    "Let us take a question from the audience."
)
SPOKEN_WORDS = {w.strip(".,").lower() for w in SPEECH.split()}


async def test_a_recorded_room_becomes_a_published_episode(
    server: LiveServer, tmp_path: Path
) -> None:
    loopback_only()
    wav = speech_wav(tmp_path / "speech.wav", SPEECH, voice="en-us", speed=140)
    async with Client(server) as host, Client(server) as listener:
        await host.signup("podcaster", display_name="Pat Caster")
        await listener.signup("fan")
        room = (await host.start_room("Open web hour", record=True))["room"]
        base = f"/api/rooms/{room['id']}"
        async with host.live(f"{base}/live") as ws:
            await ws.recv()
            track = WavTrack(str(wav), amp=0.5)
            peer = await speak_in(host, room["id"], track)
            r = await host.put(f"{base}/chapter", {"title": "Welcome"})
            assert r.status_code == 200, r.text
            r = await listener.put(f"{base}/chapter", {"title": "Mine now"})
            assert r.status_code in (403, 404)  # not in the room, let alone its host
            await asyncio.sleep(track.seconds / 2)
            r = await host.put(f"{base}/chapter", {"title": "Questions"})
            assert r.status_code == 200
            await asyncio.sleep(track.seconds / 2 + 1.5)
            r = await host.post(f"{base}/end")
            assert r.status_code == 200, r.text
            await peer.close()

        ep = await wait_episode(host, "podcaster", transcript=True)
        assert ep["status"] == "published", ep
        assert ep["transcript"] == "ready", ep

        # the audio: as long as the speech, at -16 LUFS, true peak under -1 dBTP
        audio = await host.get(ep["audio_url"])
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
        assert len(audio.content) == ep["audio_bytes"]
        mp3 = tmp_path / "episode.mp3"
        mp3.write_bytes(audio.content)
        assert abs(ffprobe_duration(mp3) - track.seconds) <= 1.0, (ep["duration"], track.seconds)
        loudness, peak = ffmpeg_r128(mp3)
        assert -17.0 <= loudness <= -15.0, loudness
        assert peak <= -1.0, peak

        # podcast apps seek with Range; HEAD and conditional GETs work
        part = await listener.get(ep["audio_url"], headers={"Range": "bytes=1000-1999"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 1000-1999/{len(audio.content)}"
        assert part.content == audio.content[1000:2000]
        head = await listener.http.head(ep["audio_url"])
        assert head.status_code == 200 and int(head.headers["content-length"]) == len(audio.content)
        etag = audio.headers["etag"]
        same = await listener.get(ep["audio_url"], headers={"If-None-Match": etag})
        assert same.status_code == 304 and not same.content

        # chapters: the host's two topics, in order, the second about where it was marked
        chapters = (await listener.get(ep["chapters_url"])).json()
        assert chapters["version"] == "1.2.0"
        titles = [c["title"] for c in chapters["chapters"]]
        assert titles == ["Welcome", "Questions"], chapters
        assert chapters["chapters"][0]["startTime"] == 0
        assert 0.3 * track.seconds < chapters["chapters"][1]["startTime"] < 0.8 * track.seconds

        # the transcript: WebVTT with the speaker's name, holding words that were spoken
        vtt = (await listener.get(ep["transcript_vtt_url"])).text
        assert vtt.startswith("WEBVTT")
        assert "<v Pat Caster>" in vtt
        heard = {w.lower().strip(".,") for w in vtt.replace(">", " ").split()}
        assert len(heard & SPOKEN_WORDS - {"the", "to", "a", "we", "and", "for"}) >= 2, vtt
        srt = (await listener.get(ep["transcript_srt_url"])).text
        assert srt.startswith("1\n") and " --> " in srt

        # the feed, as podcast clients read it
        feed_url = "/shows/podcaster/feed.xml"
        r = await listener.get(feed_url)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/rss+xml")
        xml = r.content
        parsed = podcastparser.parse(server.url + feed_url, io.BytesIO(xml))
        assert parsed["title"] == "Pat Caster's room"
        [item] = parsed["episodes"]
        assert item["title"] == "Open web hour"
        assert item["guid"] == f"roomcast:episode:{ep['id']}"
        [enclosure] = item["enclosures"]
        assert enclosure["file_size"] == len(audio.content)
        assert enclosure["mime_type"] == "audio/mpeg"
        assert abs(item["total_time"] - track.seconds) <= 1.5
        assert item["published"] > 0
        fp = feedparser.parse(xml)
        assert not fp.bozo, fp.bozo_exception
        assert fp.entries[0].enclosures[0]["length"] == str(len(audio.content))
        doc = etree.fromstring(xml)
        [channel] = doc.xpath("/rss/channel")
        assert channel.xpath("itunes:image/@href", namespaces=NS)
        assert channel.xpath("podcast:guid/text()", namespaces=NS)
        [live] = channel.xpath("podcast:liveItem", namespaces=NS)  # the room, just ended
        assert live.get("status") == "ended"
        assert live.xpath("podcast:contentLink/@href", namespaces=NS)[0].endswith(room["id"])
        [it] = channel.xpath("item")
        assert it.xpath("podcast:chapters/@url", namespaces=NS) == [
            server.url + ep["chapters_url"].removeprefix(server.url)
        ]
        assert it.xpath("podcast:transcript[@type='text/vtt']/@url", namespaces=NS)
        assert it.xpath("podcast:person[@role='host']/text()", namespaces=NS) == ["Pat Caster"]
        assert it.xpath("itunes:duration/text()", namespaces=NS)[0].startswith("00:00:")
        r2 = await listener.get(feed_url, headers={"If-None-Match": r.headers["etag"]})
        assert r2.status_code == 304
        art = await listener.get(parsed["cover_url"].removeprefix(server.url))
        assert art.status_code == 200 and art.content[:3] == b"\xff\xd8\xff"  # a JPEG

        # the recording's segments went once the episode was safe
        assert not (server.ctx.settings.data_dir / "recordings" / room["id"]).exists()
        assert json.loads((await listener.get(ep["chapters_url"])).text)["chapters"]
