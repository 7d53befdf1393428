"""The outbound track aiortc's own sender reads when the lean path (rtp_out.py) is
unavailable: pre-encoded Opus packets, which RTCRtpSender only packs into RTP
(``Encoder.pack``), never re-encodes."""

from __future__ import annotations

import asyncio
import fractions
from collections import deque
from typing import TYPE_CHECKING

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av.packet import Packet as AvPacket

from roomcast.media.mixer import RATE

if TYPE_CHECKING:  # generic in the stubs only
    from av.stream import Stream

    Packet = AvPacket[Stream]
else:
    Packet = AvPacket


TIME_BASE = fractions.Fraction(1, RATE)


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
