"""Tracks between aiortc and the mixer: pre-encoded Opus out, decoded PCM in.

Every listener's sender is handed the same ``Packet`` that the room encoded once;
aiortc's RTCRtpSender only packs it into RTP (``Encoder.pack``), it never re-encodes.
"""

from __future__ import annotations

import asyncio
import fractions
from collections import deque
from typing import TYPE_CHECKING

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av.packet import Packet as AvPacket

from roomcast.media.mixer import FRAME, RATE, Pcm

if TYPE_CHECKING:  # generic in the stubs only
    from av.stream import Stream

    Packet = AvPacket[Stream]
else:
    Packet = AvPacket


TIME_BASE = fractions.Fraction(1, RATE)


class OpusEncoder:
    """libopus through PyAV: mono 48 kHz at a speech bitrate, one packet per 20 ms frame."""

    def __init__(self, bitrate: int) -> None:
        self.ctx = av.CodecContext.create("libopus", "w")
        self.ctx.sample_rate = RATE
        self.ctx.layout = "mono"
        self.ctx.format = "s16"
        self.ctx.bit_rate = bitrate
        self.ctx.options = {"application": "voip"}
        self.ctx.time_base = TIME_BASE
        self.calls = 0

    def encode(self, pcm: Pcm, pts: int) -> Packet | None:
        self.calls += 1
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = RATE, pts, TIME_BASE
        packets = self.ctx.encode(frame)
        if not packets:
            return None
        packet = packets[-1]
        # One clock for every stream of the room: RTP timestamps stay continuous when a peer
        # switches from the listener mix to its own N-1 mix (and back).
        packet.pts, packet.time_base = pts, TIME_BASE
        return packet


class PacketTrack(MediaStreamTrack):
    """An outbound track fed with encoded packets by the room's clock."""

    kind = "audio"

    def __init__(self, depth: int = 4) -> None:
        super().__init__()
        # A sender that falls behind loses the oldest packets rather than adding delay.
        self._queue: deque[Packet] = deque(maxlen=depth)
        self._ready = asyncio.Event()
        self.dropped = 0

    def push(self, packet: Packet) -> None:
        if len(self._queue) == self._queue.maxlen:
            self.dropped += 1
        self._queue.append(packet)
        self._ready.set()

    async def recv(self) -> Packet:
        while not self._queue:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        return self._queue.popleft()

    def stop(self) -> None:
        super().stop()
        self._ready.set()  # wake recv() so that it raises


class Inbox:
    """Decoded audio from one peer, cut into 20 ms mono frames for the mixer.

    Bounded: if the peer's clock runs fast or the mixer stalls, the oldest audio goes, so
    the delay it adds stays at most ``depth`` frames.
    """

    def __init__(self, depth: int = 3) -> None:
        self.frames: deque[Pcm] = deque(maxlen=depth)
        self._rest: Pcm = np.zeros(0, dtype=np.int16)

    def put(self, frame: av.AudioFrame) -> None:
        data = frame.to_ndarray()
        # packed formats interleave the channels in one row: keep the first
        mono = data[0] if frame.format.is_planar else data[0, :: len(frame.layout.channels)]
        if frame.format.name != "s16" or frame.sample_rate != RATE:
            raise ValueError(f"unexpected decoded audio {frame.format.name}@{frame.sample_rate}")
        pcm: Pcm = np.concatenate((self._rest, mono)).astype(np.int16, copy=False)
        whole = pcm.size - pcm.size % FRAME
        for start in range(0, whole, FRAME):
            self.frames.append(pcm[start : start + FRAME].astype(np.int16, copy=True))
        self._rest = pcm[whole:].copy()

    def take(self) -> Pcm | None:
        return self.frames.popleft() if self.frames else None

    def clear(self) -> None:
        self.frames.clear()
        self._rest = np.zeros(0, dtype=np.int16)
