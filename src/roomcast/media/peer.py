"""One aiortc RTCPeerConnection per participant: offer/answer, what they send, what they hear.

Two documented patches of the pinned aiortc 1.16.0, per connection (checked by
tests/integration/media/test_engine.py):
- the receiver's jitter buffer is replaced by a tap into our own concealing playout
  (media/playout.py): aiortc still unprotects, parses and counts every packet (its RTCP
  receiver reports stay right), but its decoder thread gets nothing;
- the sender's RTCP handler is wrapped to read the receiver reports about our stream: the
  loss this peer sees, which the encoders expect (media/profile.py).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any, Protocol

import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtcrtpsender import RTCRtpSender
from aiortc.rtp import RtcpRrPacket, RtcpSrPacket

from roomcast.media import profile as profiles
from roomcast.media.opus import Encoder
from roomcast.media.playout import Playout
from roomcast.media.profile import Profile
from roomcast.media.rtp_out import LeanSender
from roomcast.media.tracks import TIME_BASE, PacketTrack

logger = logging.getLogger(__name__)

_JITTER_BUFFER = "_RTCRtpReceiver__jitter_buffer"
_FEC_IN_OFFER = re.compile(r"^a=fmtp:\d+ .*useinbandfec=1", re.MULTILINE)


class Listening(Protocol):
    """Where a tapped receiver's packets go: a playout, while they may be heard."""

    can_speak: bool
    playout: Playout


class UplinkTap:
    """Stands in for aiortc's jitter buffer (whose only use is `add`): packets go to the
    peer's playout instead."""

    def __init__(self, peer: Listening) -> None:
        self._peer = peer

    def add(self, packet: Any) -> tuple[bool, None]:
        peer = self._peer
        if peer.can_speak:  # off stage, nothing is kept: it could reach the mix later
            peer.playout.add(packet.sequence_number, packet.payload)
        return False, None  # no PLI, no frame for aiortc's decoder


def tap_receiver(receiver: RTCRtpReceiver, peer: Listening) -> None:
    if not isinstance(getattr(receiver, _JITTER_BUFFER, None), JitterBuffer | UplinkTap):
        raise RuntimeError("aiortc changed its receiver: re-check media/peer.py")
    setattr(receiver, _JITTER_BUFFER, UplinkTap(peer))


def watch_reports(sender: RTCRtpSender, peer: Peer) -> None:
    """Keep `peer.loss` current from the RTCP receiver reports about our stream."""
    handle = getattr(sender, "_handle_rtcp_packet", None)
    if handle is None or not hasattr(sender, "_ssrc"):
        raise RuntimeError("aiortc changed its sender: re-check media/peer.py")

    async def handle_rtcp(packet: Any) -> None:
        if isinstance(packet, RtcpRrPacket | RtcpSrPacket):
            for report in packet.reports:
                if report.ssrc == sender._ssrc:
                    peer.loss = profiles.smoothed(peer.loss, report.fraction_lost)
        await handle(packet)

    sender._handle_rtcp_packet = handle_rtcp  # type: ignore[method-assign]


class Peer:
    """A participant's media: what they send (playout), what they hear (out), may they speak."""

    def __init__(
        self, peer_id: str, config: RTCConfiguration, can_speak: bool, profile: Profile
    ) -> None:
        self.id = peer_id
        self.pc = RTCPeerConnection(config)
        self.out = PacketTrack()
        self.profile = profile
        self.playout = Playout(profile.channels)
        self.can_speak = can_speak
        self.encoder: Encoder | None = None  # this speaker's N-1 mix, made when needed
        self.fec = True  # their offer said their decoder uses in-band FEC
        self.loss = 0.0  # what they report losing of what we send them, smoothed (0..1)
        self.lean: LeanSender | None = None
        self.lean_packets = 0
        self.send_errors = 0
        self._reaper: asyncio.TimerHandle | None = None

    async def answer(
        self, offer: RTCSessionDescription, on_gone: Callable[[Peer], None]
    ) -> RTCSessionDescription:
        @self.pc.on("connectionstatechange")
        def _on_state() -> None:
            if self.pc.connectionState in ("failed", "closed"):
                on_gone(self)

        self.fec = bool(_FEC_IN_OFFER.search(offer.sdp))
        await self.pc.setRemoteDescription(offer)
        # The track makes the answer sendrecv with our SSRC; packets go out through the lean
        # path once DTLS is up, or through aiortc's sender fed by this track if that fails.
        sender = self.pc.addTrack(self.out)  # reuses the offered audio transceiver
        transceiver = next(t for t in self.pc.getTransceivers() if t.sender is sender)
        tap_receiver(transceiver.receiver, self)
        watch_reports(sender, self)
        for codec in transceiver._codecs:
            if codec.mimeType.lower() == "audio/opus":
                codec.parameters = {**codec.parameters, **self.profile.fmtp()}
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

    def deliver(self, payload: bytes, pts: int) -> None:
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
            packet = av.Packet(payload)
            packet.pts, packet.time_base = pts, TIME_BASE
            self.out.push(packet)
        # else: not connected yet; nothing to send to

    def set_can_speak(self, can_speak: bool) -> None:
        self.can_speak = can_speak
        if not can_speak:
            self.playout.reset()  # nothing already received reaches the mix after this

    def set_profile(self, profile: Profile) -> None:
        """Speech or music: their uplink is decoded in the new channel count from now on
        (what they send follows when their browser renegotiates)."""
        if profile != self.profile:
            self.profile, self.encoder = profile, None
            self.playout = Playout(profile.channels)

    async def close(self) -> None:
        if self.playout.stats.packets:
            logger.info("peer %s uplink: %s", self.id, self.playout.stats)
        if self._reaper is not None:
            self._reaper.cancel()
        self.out.stop()
        await self.pc.close()
