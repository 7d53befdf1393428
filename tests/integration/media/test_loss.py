"""The engine on lossy, broken and musical links, with real aiortc peers on loopback.

Loss is seeded and applied where a network would lose: before the listener's receiver sees
a packet (downlink), or as the speaker's transport sends it (uplink). Listeners that model
a browser decode with an `Ear` (FEC, then concealment, on their own clock).
"""

from __future__ import annotations

import asyncio
import random
import struct
import time
from typing import Any

import numpy as np

from roomcast.media import LocalMediaEngine, SessionDescription, SetAudio
from tests.media_helpers import (
    RATE,
    ClientPeer,
    Ear,
    PacedTrack,
    PcmTrack,
    ToneTrack,
    drop_received,
    drop_sent,
    rewrite_sent,
    rewrite_wire,
    tone_power,
    voice,
)

HEARD = 0.05


async def join(
    engine: LocalMediaEngine,
    peer: ClientPeer,
    peer_id: str,
    can_speak: bool,
    music: bool = False,
    answers: list[str] | None = None,
) -> ClientPeer:
    async def connect(offer: SessionDescription) -> SessionDescription:
        answer = await engine.connect("room", peer_id, offer, can_speak, music=music)
        if answers is not None:
            answers.append(answer.sdp)
        return answer

    await peer.join(connect)
    return peer


async def connected(*peers: ClientPeer) -> None:
    async with asyncio.timeout(15):
        while any(p.pc.connectionState != "connected" for p in peers):
            await asyncio.sleep(0.05)


def frames_of(ear: Ear, seconds: float) -> np.ndarray:
    """The last `seconds` the ear heard, as 20 ms frames (rows) of floats."""
    n = int(seconds * 50)
    rows = np.stack(ear.frames[-n:]).astype(np.float64) / 32768
    return rows


def rms(rows: np.ndarray) -> np.ndarray:
    return np.asarray(np.sqrt((rows**2).mean(axis=1)))


def voiced_share(pcm: np.ndarray) -> float:
    """Share of the energy between 100 Hz and 2 kHz, where `voice()` has nearly all of it."""
    spectrum = np.abs(np.fft.rfft(pcm * np.hanning(pcm.size))) ** 2
    freqs = np.fft.rfftfreq(pcm.size, 1 / RATE)
    return float(spectrum[(freqs > 100) & (freqs < 2000)].sum() / spectrum.sum())


async def test_a_listener_losing_5_percent_still_hears_the_speaker_with_fec(
    engine: LocalMediaEngine,
) -> None:
    speaker = await join(engine, ClientPeer(PcmTrack(voice(4.0))), "s", True)
    listener = ClientPeer()
    ear = Ear(listener)
    await join(engine, listener, "l", False)
    drop_received(listener, 0.05, random.Random(5))
    try:
        await connected(speaker, listener)
        async with asyncio.timeout(15):  # its receiver reports reach the encoder
            while (stats := engine.stats("room")) is None or stats.expected_loss < 1:
                await asyncio.sleep(0.2)
        await asyncio.sleep(3.0)
        rows = frames_of(ear, 3.0)
        assert ear.gaps == 0  # every lost packet became sound, never a hole of silence
        assert float(np.median(rms(rows))) > 0.05
        assert voiced_share(rows.reshape(-1)) > 0.8  # the voice, not noise
        got = ear.playout.stats
        assert got.recovered > 0  # the mix carried FEC and lost packets were rebuilt from it
        assert got.recovered + got.concealed >= 3
    finally:
        await ear.close()
        await asyncio.gather(speaker.close(), listener.close())


async def test_a_speaker_losing_5_percent_is_concealed_in_the_mix(
    engine: LocalMediaEngine,
) -> None:
    speaker = ClientPeer(ToneTrack(700))
    await join(engine, speaker, "s", True)
    drop_sent(speaker, 0.05, random.Random(11))
    listener = ClientPeer()
    ear = Ear(listener)
    await join(engine, listener, "l", False)
    try:
        await connected(speaker, listener)
        await asyncio.sleep(4.0)
        rows = frames_of(ear, 3.0)
        assert tone_power(rows.reshape(-1), 700) > 0.5
        assert rms(rows).min() > 0.1 * float(np.median(rms(rows)))  # concealed, not silent
        stats = engine.stats("room")
        assert stats is not None and stats.recovered + stats.concealed >= 3
        assert engine.rooms["room"].peers["s"].playout.stats.restarts == 0  # never stopped
        assert stats.late_ticks == 0
    finally:
        await ear.close()
        await asyncio.gather(speaker.close(), listener.close())


class Mangler:
    """What a broken or hostile client and a bad network do, a second of each in turn:
    packets reordered, duplicated, lost ten at a time, garbage instead of Opus; and from
    the 200th packet on, sequence numbers and timestamps leap ahead (a clock jump)."""

    def __init__(self) -> None:
        self.n = self.wire_n = 0
        self.held: bytes | None = None

    def sent(self, data: bytes) -> list[bytes]:  # before SRTP: what the client makes
        self.n += 1
        if self.n >= 200:
            seq, ts = struct.unpack_from("!HI", data, 2)
            jumped = struct.pack("!HI", (seq + 5000) & 0xFFFF, (ts + 960 * 5000) % 2**32)
            data = data[:2] + jumped + data[8:]
        if (self.n // 50) % 5 == 4 and self.n % 7 == 0:
            head = 12 + 4 * (data[0] & 0x0F)  # then the header extensions, if any
            if data[0] & 0x10:
                head += 4 + 4 * struct.unpack_from("!H", data, head + 2)[0]
            data = data[:head] + random.Random(self.n).randbytes(60)  # not Opus
        return [data]

    def wire(self, data: bytes) -> list[bytes]:  # after SRTP: what the network does
        self.wire_n += 1
        phase = (self.wire_n // 50) % 5
        if phase == 1:  # swap neighbours
            if self.held is None:
                self.held = data
                return []
            out, self.held = [data, self.held], None
            return out
        if phase == 2:
            return [data, data]
        if phase == 3 and self.wire_n % 50 < 10:
            return []  # a burst of 10 lost
        return [data]


async def test_garbage_bursts_reordering_and_jumps_never_stop_the_room(
    engine: LocalMediaEngine,
) -> None:
    speaker = ClientPeer(ToneTrack(550))
    await join(engine, speaker, "s", True)
    mangle = Mangler()
    rewrite_sent(speaker, mangle.sent)
    rewrite_wire(speaker, mangle.wire)
    listener = ClientPeer()
    ear = Ear(listener)
    await join(engine, listener, "l", False)
    try:
        await connected(speaker, listener)
        async with asyncio.timeout(30):
            while mangle.n < 420:  # through every phase, the jump among them
                await asyncio.sleep(0.2)
        room = engine.rooms["room"]
        played = room.peers["s"].playout.stats
        assert played.garbage > 0 and played.restarts >= 1  # (SRTP drops the duplicates)
        assert played.concealed + played.stretched >= 10  # the bursts, concealed
        # still heard, from the same speaker, after all of it
        await asyncio.sleep(1.0)
        rows = frames_of(ear, 1.0)
        assert tone_power(rows.reshape(-1), 550) > HEARD
        assert room.stats.late_ticks == 0  # the room's clock kept its 20 ms
        assert room.peers["s"].playout.depth <= room.peers["s"].playout.max_depth
    finally:
        await ear.close()
        await asyncio.gather(speaker.close(), listener.close())


class StereoTone(PacedTrack):
    """Left and right at different pitches: aiortc's own encoder sends it as stereo Opus."""

    layout = "stereo"

    def __init__(self, left: float, right: float) -> None:
        super().__init__()
        self.left, self.right = left, right

    def samples(self, n: int) -> np.ndarray:
        t = (np.arange(960) + n) / RATE
        both = np.stack([np.sin(2 * np.pi * self.left * t), np.sin(2 * np.pi * self.right * t)])
        return 0.25 * 32767 * both.T.reshape(-1)


async def test_music_mode_is_stereo_end_to_end_and_speech_is_mono(
    engine: LocalMediaEngine,
) -> None:
    answers: list[str] = []
    speaker = await join(engine, ClientPeer(StereoTone(440, 990)), "s", True, True, answers)
    listener = ClientPeer()
    ear = Ear(listener, channels=2)
    await join(engine, listener, "l", False, True, answers)
    try:
        for sdp in answers:
            fmtp = next(line for line in sdp.splitlines() if line.startswith("a=fmtp:"))
            assert "stereo=1" in fmtp and "maxaveragebitrate=128000" in fmtp, fmtp
            assert "useinbandfec=1" in fmtp
        await connected(speaker, listener)
        await asyncio.sleep(3.0)
        rows = frames_of(ear, 1.5).reshape(-1, 2)
        left, right = rows[:, 0], rows[:, 1]
        assert tone_power(left, 440) > 0.5 and tone_power(left, 990) < 0.1
        assert tone_power(right, 990) > 0.5 and tone_power(right, 440) < 0.1

        await engine.apply(SetAudio("room", False))  # the host turns music mode off
        await asyncio.sleep(1.5)
        rows = frames_of(ear, 1.0).reshape(-1, 2)
        np.testing.assert_array_equal(rows[:, 0], rows[:, 1])  # mono now
        assert tone_power(rows[:, 0], 440) > HEARD and tone_power(rows[:, 0], 990) > HEARD
        assert engine.rooms["room"].profile.channels == 1
    finally:
        await ear.close()
        await asyncio.gather(speaker.close(), listener.close())


async def test_a_stalled_server_never_sends_time_backwards(engine: LocalMediaEngine) -> None:
    """After the event loop stalls (a long collection, a busy machine) the room's clock
    restarts; RTP time moves on by the time that passed, so players conceal a gap rather
    than see time go back."""
    speaker = await join(engine, ClientPeer(ToneTrack(440)), "s", True)
    listener = ClientPeer()
    stamps: list[int] = []
    receiver = listener.transceiver.receiver
    handle = receiver._handle_rtp_packet

    async def keep(packet: Any, arrival_time_ms: int) -> None:
        stamps.append(packet.timestamp)
        await handle(packet, arrival_time_ms)

    receiver._handle_rtp_packet = keep  # type: ignore[method-assign]
    await join(engine, listener, "l", False)
    try:
        await connected(speaker, listener)
        await asyncio.sleep(1.0)
        for _ in range(2):
            time.sleep(0.4)  # the whole loop stalls: no tick for 400 ms  # noqa: ASYNC251
            await asyncio.sleep(1.0)
        stats = engine.stats("room")
        assert stats is not None and stats.late_ticks >= 2
        steps = [(b - a) % 2**32 for a, b in zip(stamps, stamps[1:], strict=False)]
        assert all(0 < step < 2**31 for step in steps)  # always forward
        assert max(steps) >= 960 * 15  # and across each stall by about the time it took
    finally:
        await asyncio.gather(speaker.close(), listener.close())
