"""Real aiortc peers for tests, kept on 127.0.0.1 (test-only patches live here, not in src)."""

from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import Awaitable, Callable

import aioice.ice
import av
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame

from roomcast.media import SessionDescription, configure_ice

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


class ToneTrack(MediaStreamTrack):
    """A sine tone in 20 ms frames, paced in real time."""

    kind = "audio"

    def __init__(self, freq: float, amp: float = 0.25) -> None:
        super().__init__()
        self.freq, self.amp = freq, amp
        self.t0: float | None = None
        self.n = 0

    async def recv(self) -> AudioFrame:
        if self.t0 is None:
            self.t0 = time.monotonic()
        else:
            self.n += 960
            await asyncio.sleep(max(0.0, self.t0 + self.n / RATE - time.monotonic()))
        t = (np.arange(960) + self.n) / RATE
        pcm = (self.amp * 32767 * np.sin(2 * np.pi * self.freq * t)).astype(np.int16)
        frame = AudioFrame.from_ndarray(pcm[None], format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, self.n, fractions.Fraction(1, RATE)
        return frame


class WavTrack(MediaStreamTrack):
    """A WAV file (any rate) as a microphone: played once at 48 kHz in real time, then
    silence. `started` is when its first frame went out."""

    kind = "audio"

    def __init__(self, path: str, amp: float = 1.0) -> None:
        super().__init__()
        chunks = []
        with av.open(path) as container:
            resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
            for frame in container.decode(audio=0):
                chunks += [f.to_ndarray()[0] for f in resampler.resample(frame)]
        self.pcm = (np.concatenate(chunks) * amp).astype(np.int16)
        self.seconds = len(self.pcm) / RATE
        self.t0: float | None = None
        self.n = 0

    async def recv(self) -> AudioFrame:
        if self.t0 is None:
            self.t0 = time.monotonic()
        else:
            self.n += 960
            await asyncio.sleep(max(0.0, self.t0 + self.n / RATE - time.monotonic()))
        pcm = self.pcm[self.n : self.n + 960]
        pcm = np.pad(pcm, (0, 960 - len(pcm)))
        frame = AudioFrame.from_ndarray(pcm[None], format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, self.n, fractions.Fraction(1, RATE)
        return frame


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
