"""The media engine with real aiortc peers on loopback: who hears whom, encode-once, reconnect."""

from __future__ import annotations

import asyncio

import pytest

from roomcast.media import LocalMediaEngine, MediaError, SessionDescription, rtc_configuration
from roomcast.media.commands import Record, SetCanSpeak, decode, encode
from roomcast.media.peer import UplinkTap
from tests.media_helpers import ClientPeer, ToneTrack, record_all, tone_power

TONES = (440.0, 700.0, 1100.0)
LISTENER_TONE = 1500.0
HEARD = 0.05  # share of energy in the tone's band: a present tone is far above, absent far below
SILENT = 0.005


async def join(
    engine: LocalMediaEngine,
    peer_id: str,
    can_speak: bool,
    send: ToneTrack | None = None,
    room: str = "room",
) -> ClientPeer:
    peer = ClientPeer(send)
    await peer.join(lambda offer: engine.connect(room, peer_id, offer, can_speak))
    return peer


async def connected(*peers: ClientPeer) -> None:
    async with asyncio.timeout(15):
        while any(p.pc.connectionState != "connected" for p in peers):
            await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # let jitter buffers and the encoders settle


async def test_speakers_listeners_and_enforcement(engine: LocalMediaEngine) -> None:
    speakers = [await join(engine, f"s{i}", True, ToneTrack(f)) for i, f in enumerate(TONES)]
    listeners = [await join(engine, f"l{i}", False) for i in range(20)]
    rogue = await join(engine, "rogue", False, ToneTrack(LISTENER_TONE))  # a listener who sends
    try:
        await connected(*speakers, *listeners, rogue)
        stats = engine.stats("room")
        assert stats is not None
        ticks0, enc0, spk0 = stats.ticks, stats.listener_encodes, stats.speaker_encodes
        heard = await record_all(speakers + listeners + [rogue], 2.0)

        for pcm in heard[3:]:  # every listener (and the rogue) hears all three, never the rogue
            assert pcm.size > 48_000 * 1.5
            for f in TONES:
                assert tone_power(pcm, f) > HEARD, f
            assert tone_power(pcm, LISTENER_TONE) < SILENT
        for i, pcm in enumerate(heard[:3]):  # each speaker hears the other two, not itself
            for j, f in enumerate(TONES):
                if i == j:
                    assert tone_power(pcm, f) < SILENT, (i, f)
                else:
                    assert tone_power(pcm, f) > HEARD, (i, f)
            assert tone_power(pcm, LISTENER_TONE) < SILENT

        # the listener mix is encoded once per frame, whatever the number of listeners
        ticks = stats.ticks - ticks0
        assert ticks > 80
        assert stats.listener_encodes - enc0 == ticks
        assert stats.speaker_encodes - spk0 == 3 * ticks
        # and every peer got its packets through the lean send path (media/rtp_out.py)
        lean = engine.stats("room")
        assert lean is not None and lean.lean_packets >= 24 * ticks

        # muted (can_speak off): not heard, though it keeps sending
        await engine.apply(decode(encode(SetCanSpeak("room", "s0", False))))  # as from afar
        await asyncio.sleep(0.3)
        pcm = (await record_all([listeners[0]], 1.5))[0]
        assert tone_power(pcm, TONES[0]) < SILENT
        assert tone_power(pcm, TONES[1]) > HEARD
        # promoted: the former rogue listener is heard once it may speak
        await engine.apply(SetCanSpeak("room", "rogue", True))
        await asyncio.sleep(0.3)
        pcm = (await record_all([listeners[0]], 1.5))[0]
        assert tone_power(pcm, LISTENER_TONE) > HEARD
    finally:
        await asyncio.gather(*(p.close() for p in [*speakers, *listeners, rogue]))


async def test_reconnect_is_heard_again(engine: LocalMediaEngine) -> None:
    listener = await join(engine, "listener", False)
    speaker = await join(engine, "speaker", True, ToneTrack(700))
    await connected(listener, speaker)
    assert tone_power((await record_all([listener], 1.0))[0], 700) > HEARD
    await speaker.close()  # the connection drops
    await asyncio.sleep(0.5)
    assert tone_power((await record_all([listener], 1.0))[0], 700) < SILENT
    again = await join(engine, "speaker", True, ToneTrack(700))  # same peer id: replaces
    await connected(again)
    assert tone_power((await record_all([listener], 1.5))[0], 700) > HEARD
    stats = engine.stats("room")
    assert stats is not None and stats.peers == 2
    await asyncio.gather(listener.close(), again.close())


async def test_bad_offers_and_full_rooms(engine: LocalMediaEngine) -> None:
    def offer(sdp: str, kind: str = "offer") -> SessionDescription:
        return SessionDescription(sdp, kind)

    for bad, code in (
        (offer("v=0\r\n"), "no_audio"),
        (offer("x" * 30_000), "bad_sdp"),
        (offer("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", "answer"), "bad_sdp"),
        (offer("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\ngarbage\r\n"), "bad_sdp"),
        (offer("m=audio 1\r\nm=video 1\r\nm=audio 1\r\n"), "bad_sdp"),
    ):
        with pytest.raises(MediaError) as err:
            await engine.connect("room", "p", bad, True)
        assert err.value.code == code
    small = LocalMediaEngine(rtc_configuration([], None, None), max_peers_per_room=1)
    try:
        first = ClientPeer()
        await first.join(lambda o: small.connect("r", "a", o, False))
        second = ClientPeer()
        with pytest.raises(MediaError) as err:
            await second.join(lambda o: small.connect("r", "b", o, False))
        assert err.value.code == "room_full"
        await asyncio.gather(first.close(), second.close())
    finally:
        await small.close()


async def test_the_receive_path_is_ours_and_fec_is_negotiated(engine: LocalMediaEngine) -> None:
    """Our patches of aiortc's receiver and sender are in place (re-check them when bumping
    aiortc): the speaker's packets reach our playout, none reach aiortc's decoder."""
    peer = ClientPeer(ToneTrack(440))
    answers: list[str] = []

    async def connect(offer: SessionDescription) -> SessionDescription:
        answer = await engine.connect("room", "p", offer, True)
        answers.append(answer.sdp)
        return answer

    await peer.join(connect)
    await connected(peer)
    server_peer = engine.rooms["room"].peers["p"]
    receiver = server_peer.pc.getTransceivers()[0].receiver
    assert isinstance(receiver._RTCRtpReceiver__jitter_buffer, UplinkTap)  # type: ignore[attr-defined]
    assert receiver._RTCRtpReceiver__decoder_queue.qsize() == 0  # type: ignore[attr-defined]
    assert server_peer.playout.stats.decoded > 20
    (sdp,) = answers
    fmtp = next(line for line in sdp.splitlines() if line.startswith("a=fmtp:"))
    assert "useinbandfec=1" in fmtp and "stereo=1" not in fmtp  # speech: FEC, mono
    await peer.close()


async def test_nothing_is_queued_for_aiortc_before_the_answer() -> None:
    """Regression: a packet queued while the offer was being answered reached aiortc's own
    sender, whose random sequence numbers then made SRTP refuse every lean packet."""
    from roomcast.media.mixer import SILENCE
    from roomcast.media.opus import Encoder
    from roomcast.media.peer import Peer
    from roomcast.media.profile import speech

    peer = Peer("p", rtc_configuration([], None, None), can_speak=False, profile=speech())
    encoder = Encoder(1, 32_000)
    for n in range(5):
        peer.deliver(encoder.encode(SILENCE), n * 960)
    assert len(peer.out._queue) == 0
    await peer.close()


async def test_the_room_mix_is_recorded(engine: LocalMediaEngine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from roomcast.media.recorder import segments

    speaker = await join(engine, "s", True, ToneTrack(700))
    listener = await join(engine, "l", False)
    await connected(speaker, listener)
    await engine.apply(Record("room", str(tmp_path)))
    await asyncio.sleep(2.5)
    done = await engine.record("room", None)
    assert done == segments(tmp_path) and done
    import wave

    import numpy as np

    pcm = []
    for p in done:
        with wave.open(str(p)) as w:
            pcm.append(np.frombuffer(w.readframes(w.getnframes()), np.int16))
    audio = np.concatenate(pcm).astype(np.float64) / 32768
    assert 2.0 < audio.size / 48_000 < 3.0
    assert tone_power(audio, 700) > HEARD
    await asyncio.gather(speaker.close(), listener.close())
