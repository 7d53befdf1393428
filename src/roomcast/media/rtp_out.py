"""A lean send path: one pre-encoded Opus packet to one peer in a single call.

aiortc's RTCRtpSender spends ≈22 µs of Python per packet per listener (a task hop, an
RtpPacket object, header extensions with a clock read, serialisation) before the ≈1 µs SRTP
protect and the ≈3 µs sendto (media-notes.md). For the room's shared mix that dominates the
cost of a listener, so the room's clock sends itself: the RTP header comes from a template
made once per peer with aiortc's own serialiser (so the negotiated payload type, SSRC and MID
header extension are exactly what aiortc would send), two fields are patched per packet, then
the peer's own SRTP session protects it and its nominated ICE pair's socket sends it.

This reads internals of the pinned aiortc 1.16.0 / aioice 0.13.0 (checked in ``bind()``;
tests/integration/media/test_engine.py proves the path is taken and heard). If they change,
``bind()`` fails and the engine falls back to aiortc's own sender for that peer.
"""

from __future__ import annotations

import logging
import secrets
import struct
from typing import Any

from aiortc import RTCRtpTransceiver
from aiortc.rtcdtlstransport import State
from aiortc.rtcrtpparameters import RTCRtpParameters
from aiortc.rtp import HeaderExtensionsMap, RtpPacket

logger = logging.getLogger(__name__)

_SEQ_TS = struct.Struct("!HI")
_CONNECTED = State.CONNECTED
REPORT_EVERY = 50  # packets between refreshes of aiortc's RTCP sender-report counters


class LeanSender:
    def __init__(self, transceiver: RTCRtpTransceiver) -> None:
        self.transceiver = transceiver
        self.bound = False
        self.failed = False
        # Below 2**15, as RFC 3711 asks: libsrtp refuses a first index it takes for a wrap.
        self._seq = secrets.randbelow(1 << 15)
        self._ts_origin = secrets.randbelow(1 << 32)
        self._head = self._tail = b""
        self._protect: Any = None
        self._sendto: Any = None
        self._addr: tuple[str, int] | None = None
        self._dtls: Any = None
        self._ice: Any = None
        self._packets = 0
        self._octets = 0

    def bind(self) -> bool:
        """Ready once DTLS is up: look up the peer's SRTP session and nominated pair."""
        if self.bound:
            return True
        if self.failed:
            return False
        sender = self.transceiver.sender
        dtls = sender.transport
        try:
            if dtls is None or dtls._state is not _CONNECTED or dtls._tx_srtp is None:
                return False
            pair = dtls.transport._connection._nominated.get(1)
            if pair is None or pair.protocol.transport is None:
                return False
            codec = self.transceiver._codecs[0]
            if codec.mimeType.lower() != "audio/opus":
                raise RuntimeError(f"negotiated {codec.mimeType}, not Opus")
            extensions = HeaderExtensionsMap()
            extensions.configure(
                RTCRtpParameters(headerExtensions=self.transceiver._headerExtensions)
            )
            header = RtpPacket(payload_type=codec.payloadType or 0, sequence_number=0, timestamp=0)
            header.ssrc, header.marker = sender._ssrc, 1
            header.extensions.mid = self.transceiver.mid
            template = header.serialize(extensions)
            self._head, self._tail = template[:2], template[8:]  # seq and timestamp go between
            self._protect = dtls._tx_srtp.protect
            self._sendto = pair.protocol.transport.sendto
            self._addr = pair.remote_addr
            self._dtls, self._ice = dtls, dtls.transport._connection
        except (AttributeError, IndexError, RuntimeError, TypeError) as e:
            self.failed = True
            logger.warning("lean RTP path unavailable (%s); using aiortc's sender", e)
            return False
        self.bound = True
        return True

    def send(self, payload: bytes, pts: int) -> None:
        """Send one Opus packet whose timestamp is pts (48 kHz units, the room's clock)."""
        if self._dtls._state is not _CONNECTED or 1 not in self._ice._nominated:
            self.bound = False  # closed, or ICE restarted: re-bind on the next packet
            return
        self._seq = seq = (self._seq + 1) & 0xFFFF
        ts = (self._ts_origin + pts) & 0xFFFFFFFF
        packet = self._head + _SEQ_TS.pack(seq, ts) + self._tail + payload
        self._sendto(self._protect(packet), self._addr)
        self._packets += 1
        self._octets += len(payload)
        if self._packets % REPORT_EVERY == 1:
            self._report(ts)

    def _report(self, ts: int) -> None:
        """Keep aiortc's RTCP sender reports truthful (counts and the NTP/RTP clock pair)."""
        from aiortc import clock

        sender = self.transceiver.sender
        sender._RTCRtpSender__ntp_timestamp = clock.current_ntp_time()  # type: ignore[attr-defined]
        sender._RTCRtpSender__rtp_timestamp = ts  # type: ignore[attr-defined]
        sender._RTCRtpSender__packet_count = self._packets  # type: ignore[attr-defined]
        sender._RTCRtpSender__octet_count = self._octets  # type: ignore[attr-defined]
