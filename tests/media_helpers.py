"""Real aiortc peers for tests, kept on 127.0.0.1 (test-only patches live here, not in src)."""

from __future__ import annotations

import asyncio
import fractions
import random
import time
from collections.abc import Awaitable, Callable

import aioice.ice
import av
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtp import is_rtcp
from av import AudioFrame

from roomcast.media import SessionDescription, configure_ice
from roomcast.media.peer import tap_receiver
from roomcast.media.playout import FRAME, Playout

RATE = 48_000
_patched = False


def loopback_only() -> None:
    """Offer only 127.0.0.1 (the engine's own setting) and ignore anything that is not
    loopback: checks from LAN sockets and LAN/mDNS candidates in browsers' offers."""
    global _patched
    configure_ice(["127.0.0.1"], None)
    if _patched:
        return
    assert hasattr(aioice.ice.Connection, "request_received")
    assert hasattr(aioice.ice.Connection, "add_remote_candidate")
    original_request = aioice.ice.Connection.request_received
    original_add = aioice.ice.Connection.add_remote_candidate

    def request_received(self, message, addr, protocol, raw_data=None):  # type: ignore[no-untyped-def]
        if addr[0].startswith("127."):
            return original_request(
                self, message, addr, protocol, *([raw_data] if raw_data else [])
            )
        return None

    async def add_remote_candidate(self, candidate):  # type: ignore[no-untyped-def]
        if candidate is None or candidate.host == "127.0.0.1":
            await original_add(self, candidate)

    aioice.ice.Connection.request_received = request_received
    aioice.ice.Connection.add_remote_candidate = add_remote_candidate
    _patched = True


class PacedTrack(MediaStreamTrack):
    """A microphone of 20 ms frames in real time; subclasses say what frame `n` holds
    (`samples`: int16, interleaved when `layout` is stereo)."""

    kind = "audio"
    layout = "mono"

    def __init__(self) -> None:
        super().__init__()
        self.t0: float | None = None
        self.n = 0

    def samples(self, n: int) -> np.ndarray:
        raise NotImplementedError

    async def recv(self) -> AudioFrame:
        if self.t0 is None:
            self.t0 = time.monotonic()
        else:
            self.n += 960
            await asyncio.sleep(max(0.0, self.t0 + self.n / RATE - time.monotonic()))
        pcm = self.samples(self.n).astype(np.int16, copy=False)
        frame = AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout=self.layout)
        frame.sample_rate, frame.pts, frame.time_base = RATE, self.n, fractions.Fraction(1, RATE)
        return frame


class ToneTrack(PacedTrack):
    """A sine tone."""

    def __init__(self, freq: float, amp: float = 0.25) -> None:
        super().__init__()
        self.freq, self.amp = freq, amp

    def samples(self, n: int) -> np.ndarray:
        t = (np.arange(960) + n) / RATE
        return self.amp * 32767 * np.sin(2 * np.pi * self.freq * t)


def voice(seconds: float, seed: int = 0) -> np.ndarray:
    """Voiced, speech-like sound (a gliding pitch with harmonics, syllable envelopes, a
    little noise), int16 at 48 kHz: Opus codes it in its speech (SILK) layer, the one that
    carries in-band FEC, where it codes a pure tone as music."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(RATE * seconds)) / RATE
    pitch = 140 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    x = sum(np.sin(k * phase) / k for k in range(1, 12))
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 3.1 * t) ** 2
    pcm = 6000 * x * envelope + rng.normal(0, 200, t.size)
    return np.clip(pcm, -32768, 32767).astype(np.int16)


class PcmTrack(PacedTrack):
    """Mono int16 samples at 48 kHz, looped."""

    def __init__(self, pcm: np.ndarray) -> None:
        super().__init__()
        self.pcm = pcm

    def samples(self, n: int) -> np.ndarray:
        at = n % (self.pcm.size - 960)
        return self.pcm[at : at + 960]


class WavTrack(PacedTrack):
    """A WAV file (any rate) as a microphone: played once at 48 kHz, then silence."""

    def __init__(self, path: str, amp: float = 1.0) -> None:
        super().__init__()
        chunks = []
        with av.open(path) as container:
            resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
            for frame in container.decode(audio=0):
                chunks += [f.to_ndarray()[0] for f in resampler.resample(frame)]
        self.pcm = (np.concatenate(chunks) * amp).astype(np.int16)
        self.seconds = len(self.pcm) / RATE

    def samples(self, n: int) -> np.ndarray:
        pcm = self.pcm[n : n + 960]
        return np.pad(pcm, (0, 960 - len(pcm)))


class ClientPeer:
    """A participant as a browser is: one sendrecv audio transceiver; records what it hears."""

    def __init__(self, send: MediaStreamTrack | None = None) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.transceiver = self.pc.addTransceiver("audio", direction="sendrecv")
        if send is not None:
            self.transceiver.sender.replaceTrack(send)
        self.heard: list[np.ndarray] = []
        self.recording = False
        self._task: asyncio.Task[None] | None = None

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._task = asyncio.create_task(self._record(track))

    async def _record(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                frame = await track.recv()
                if self.recording:
                    data = frame.to_ndarray()
                    self.heard.append(
                        data[0, :: len(frame.layout.channels)].astype(np.float64) / 32768
                    )
        except MediaStreamError:
            return

    async def join(
        self, connect: Callable[[SessionDescription], Awaitable[SessionDescription]]
    ) -> None:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        desc = self.pc.localDescription
        answer = await connect(SessionDescription(desc.sdp, desc.type))
        await self.pc.setRemoteDescription(RTCSessionDescription(answer.sdp, answer.type))

    def take(self) -> np.ndarray:
        pcm = np.concatenate(self.heard) if self.heard else np.zeros(0)
        self.heard = []
        return pcm

    async def close(self) -> None:
        await self.pc.close()
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


def tone_power(pcm: np.ndarray, freq: float) -> float:
    """Share of the signal's energy within ±10 Hz of freq."""
    if pcm.size < RATE // 2:
        return 0.0
    spectrum = np.abs(np.fft.rfft(pcm * np.hanning(pcm.size))) ** 2
    freqs = np.fft.rfftfreq(pcm.size, 1 / RATE)
    band = (freqs > freq - 10) & (freqs < freq + 10)
    total = spectrum.sum()
    return float(spectrum[band].sum() / total) if total > 0 else 0.0


async def record_all(peers: list[ClientPeer], seconds: float) -> list[np.ndarray]:
    for p in peers:
        p.take()
        p.recording = True
    await asyncio.sleep(seconds)
    for p in peers:
        p.recording = False
    return [p.take() for p in peers]


class Ear:
    """A listener's receive path as a browser's: packets into the engine's own concealing
    playout (FEC, then Opus PLC), one 20 ms frame out per tick of its own clock, recorded
    from the clock's start (`t0`, loop time). Nothing reaches aiortc's decoder."""

    can_speak = True  # for the tap: keep every packet

    def __init__(self, peer: ClientPeer, channels: int = 1) -> None:
        self.playout = Playout(channels)
        self.channels = channels
        self.frames: list[np.ndarray] = []
        self.t0: float | None = None
        self.gaps = 0  # silent frames after the first sound: what concealment must prevent
        tap_receiver(peer.transceiver.receiver, self)
        self._task = asyncio.create_task(self._clock())

    async def _clock(self) -> None:
        loop = asyncio.get_running_loop()
        self.t0, n = loop.time(), 0
        while True:
            n += 1
            await asyncio.sleep(max(0.0, self.t0 + n * FRAME / RATE - loop.time()))
            frame = self.playout.take()
            if frame is None:
                self.gaps += self.playout.stats.decoded > 0
                frame = np.zeros(FRAME * self.channels, np.int16)
            self.frames.append(frame)

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


def drop_received(peer: ClientPeer, loss: float, rng: random.Random) -> None:
    """Lose a seeded fraction of the RTP packets arriving at this peer (its downlink),
    before its receiver counts them: its RTCP reports then tell the sender of the loss."""
    receiver = peer.transceiver.receiver
    handle = receiver._handle_rtp_packet

    async def lossy(packet: object, arrival_time_ms: int) -> None:
        if rng.random() >= loss:
            await handle(packet, arrival_time_ms)

    receiver._handle_rtp_packet = lossy  # type: ignore[method-assign]


def rewrite_sent(peer: ClientPeer, rewrite: Callable[[bytes], list[bytes]]) -> None:
    """Every RTP packet this peer sends (before SRTP) goes out as `rewrite` makes it: none,
    changed, or several. RTCP passes untouched."""
    transport = peer.transceiver.sender.transport
    send = transport._send_rtp

    async def rewritten(data: bytes) -> None:
        for out in [data] if is_rtcp(data) else rewrite(data):
            await send(out)

    transport._send_rtp = rewritten  # type: ignore[method-assign]


def rewrite_wire(peer: ClientPeer, rewrite: Callable[[bytes], list[bytes]]) -> None:
    """Every SRTP packet this peer puts on the wire goes out as `rewrite` makes it: what a
    network does (loses, duplicates, reorders). SRTCP passes untouched."""
    ice = peer.transceiver.sender.transport.transport
    send = ice._send

    async def rewritten(data: bytes) -> None:
        for out in [data] if is_rtcp(data) else rewrite(data):
            await send(out)

    ice._send = rewritten  # type: ignore[method-assign]


def drop_sent(peer: ClientPeer, loss: float, rng: random.Random) -> None:
    """Lose a seeded fraction of the RTP packets this peer sends (its uplink)."""
    rewrite_sent(peer, lambda data: [data] if rng.random() >= loss else [])
