"""One aiortc RTCPeerConnection per participant: offer/answer, the inbound reader, tracks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.jitterbuffer import JitterBuffer
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcrtpreceiver import RTCRtpReceiver

from roomcast.media.rtp_out import LeanSender
from roomcast.media.tracks import Inbox, OpusEncoder, Packet, PacketTrack

logger = logging.getLogger(__name__)

# aiortc's audio jitter buffer waits for 4 packets (80 ms) before decoding. On the server a
# shorter prefetch is enough: the mixer's inbox absorbs jitter too. Checked against the pinned
# aiortc 1.16.0 by tests/integration/media/test_engine.py::test_receive_jitter_buffer_is_short.
JITTER_PREFETCH = 2


def shorten_jitter_buffer(receiver: RTCRtpReceiver, prefetch: int = JITTER_PREFETCH) -> None:
    name = "_RTCRtpReceiver__jitter_buffer"
    current = getattr(receiver, name, None)
    if not isinstance(current, JitterBuffer):
        raise RuntimeError("aiortc changed its receiver: re-check media/peer.py")
    setattr(receiver, name, JitterBuffer(capacity=current.capacity, prefetch=prefetch))


class Peer:
    """A participant's media: what they send (inbox), what they hear (out), may they speak."""

    def __init__(self, peer_id: str, config: RTCConfiguration, can_speak: bool) -> None:
        self.id = peer_id
        self.pc = RTCPeerConnection(config)
        self.out = PacketTrack()
        self.inbox = Inbox()
        self.can_speak = can_speak
        self.encoder: OpusEncoder | None = None  # this speaker's N-1 mix, made when needed
        self.lean: LeanSender | None = None
        self.lean_packets = 0
        self.send_errors = 0
        self._reader: asyncio.Task[None] | None = None
        self._reaper: asyncio.TimerHandle | None = None

    async def answer(
        self, offer: RTCSessionDescription, on_gone: Callable[[Peer], None]
    ) -> RTCSessionDescription:
        @self.pc.on("track")
        def _on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio" and self._reader is None:
                self._reader = asyncio.create_task(self._read(track), name=f"media-in-{self.id}")

        @self.pc.on("connectionstatechange")
        def _on_state() -> None:
            if self.pc.connectionState in ("failed", "closed"):
                on_gone(self)

        await self.pc.setRemoteDescription(offer)
        for transceiver in self.pc.getTransceivers():
            if transceiver.kind == "audio":
                shorten_jitter_buffer(transceiver.receiver)
        # The track makes the answer sendrecv with our SSRC; packets go out through the lean
        # path once DTLS is up, or through aiortc's sender fed by this track if that fails.
        sender = self.pc.addTrack(self.out)  # reuses the offered audio transceiver
        transceiver = next(t for t in self.pc.getTransceivers() if t.sender is sender)
        self.lean = LeanSender(transceiver)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription

    def reap_after(self, seconds: float, on_gone: Callable[[Peer], None]) -> None:
        """A peer whose ICE never completes (a client that sent an offer and went away)
        holds UDP sockets: let it go after `seconds`."""

        def check() -> None:
            if self.pc.connectionState != "connected":
                logger.info("peer %s did not connect within %.0f s; closing it", self.id, seconds)
                on_gone(self)

        self._reaper = asyncio.get_running_loop().call_later(seconds, check)

    def deliver(self, packet: Packet, payload: bytes, pts: int) -> None:
        """Hand this tick's packet (shared by every listener) to this peer."""
        lean = self.lean
        if lean is None:
            return  # still answering the offer; nothing is connected yet
        if lean.bound or lean.bind():
            try:
                lean.send(payload, pts)
            except Exception:  # one peer's failure must not stop the room's clock
                self.send_errors += 1
                if self.send_errors & (self.send_errors - 1) == 0:  # 1st, 2nd, 4th, 8th...
                    logger.warning(
                        "send to peer %s failed (%d times)",
                        self.id,
                        self.send_errors,
                        exc_info=True,
                    )
                return
            self.lean_packets += 1
        elif lean.failed:  # aiortc internals changed: its own sender, fed here, from the start
            self.out.push(packet)
        # else: not connected yet; nothing to send to

    async def _read(self, track: MediaStreamTrack) -> None:
        """Keep reading even when the peer may not speak: unread frames would pile up."""
        try:
            while True:
                frame = await track.recv()
                if self.can_speak:
                    self.inbox.put(frame)  # type: ignore[arg-type]
        except MediaStreamError:
            pass  # the remote track ended
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("reading audio from peer %s failed", self.id)

    def set_can_speak(self, can_speak: bool) -> None:
        self.can_speak = can_speak
        if not can_speak:
            self.inbox.clear()  # nothing already received reaches the mix after this

    async def close(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        self.out.stop()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        await self.pc.close()
