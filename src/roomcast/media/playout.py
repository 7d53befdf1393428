"""A speaker's uplink, from RTP packets to one 20 ms frame per tick of the room's clock.

aiortc's own receive path (its jitter buffer, then a PyAV decoder on a thread) drops what it
had queued when a packet goes missing and then keeps a backlog, so 2 % packet loss became
~10 % missing frames and a growing delay. This replaces it for the mixer: packets are kept
by sequence number as they arrive, and the room's clock pulls exactly one frame per tick:
- the packet due is decoded; if it is missing while later ones are here, it is rebuilt
  from the in-band FEC data of the next packet if that one has some, else concealed (PLC);
- if nothing at all is here (an underrun: the packet is late, or lost with the next one
  not here yet), a concealed frame buys it time and the packet plays when it comes: the
  delay grows by a frame, which is how the delay adapts to jitter. A window of 5 s that
  never had fewer than ``target`` + 1 packets waiting gives 20 ms of it back;
- a packet arriving after its turn was given up (concealed, skipped) is dropped;
- more than ``max_depth`` packets waiting (a burst after a stall, a sender whose clock runs
  fast) skips ahead to ``target``: the delay a speaker adds stays bounded (120 ms);
- after ``give_up`` concealed frames with nothing arriving (the speaker went quiet with DTX,
  or their network went away), it stops and waits for ``target`` packets again.

No I/O and no clock of its own: ``add`` when a packet arrives, ``take`` once per tick.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from roomcast.media.opus import Decoder, OpusError, Pcm, has_fec

FRAME = 960  # samples per channel in 20 ms at 48 kHz
JUMP = 1000  # packets (20 s) ahead or behind what we play: the stream restarted
SHRINK_WINDOW = 250  # pulls (5 s) over which the delay must have been more than needed


@dataclass
class PlayoutStats:
    packets: int = 0  # accepted into the buffer
    decoded: int = 0
    recovered: int = 0  # rebuilt from the next packet's FEC
    concealed: int = 0  # Opus PLC (nothing to rebuild from, or a packet that was garbage)
    late: int = 0  # arrived after their turn: dropped
    duplicates: int = 0
    stretched: int = 0  # concealed while waiting for a late packet (the delay grows a frame)
    skipped: int = 0  # dropped to cut a backlog, or delay no longer needed
    garbage: int = 0  # not Opus
    restarts: int = 0  # sequence jumps and pauses: started buffering afresh


class Playout:
    def __init__(
        self, channels: int = 1, *, target: int = 2, max_depth: int = 6, give_up: int = 10
    ) -> None:
        self.channels = channels
        self.target, self.max_depth, self.give_up = target, max_depth, give_up
        self.stats = PlayoutStats()
        self._codec: Decoder | None = None  # made on the first packet: listeners need none
        self._buffer: dict[int, bytes] = {}  # extended sequence number -> Opus payload
        self._highest: int | None = None  # extended, of anything accepted
        self._next: int | None = None  # the packet due at the next pull; None: buffering
        self._pending: Pcm = np.zeros(0, dtype=np.int16)  # decoded, not yet handed out
        self._last = FRAME  # samples per channel of the last packet: the length to conceal
        self._misses = 0
        self._window, self._lowest = 0, max_depth  # pulls in this window, fewest waiting

    @property
    def _decoder(self) -> Decoder:
        if self._codec is None:
            self._codec = Decoder(self.channels)
        return self._codec

    @property
    def playing(self) -> bool:
        return self._next is not None

    @property
    def depth(self) -> int:
        """Packets waiting, from the one due to the newest that arrived."""
        if self._highest is None or not self._buffer:
            return 0
        start = self._next if self._next is not None else min(self._buffer)
        return self._highest - start + 1

    def _extend(self, seq: int) -> int:
        if self._highest is None:
            return seq
        delta = (seq - self._highest + 0x8000) % 0x10000 - 0x8000
        return self._highest + delta

    def add(self, seq: int, payload: bytes) -> None:
        """A packet as it arrived (any order, possibly twice, possibly garbage)."""
        if not payload:
            return  # keep-alive or padding only: nothing to play
        ext = self._extend(seq & 0xFFFF)
        reference = self._next if self._next is not None else self._highest
        if reference is not None and abs(ext - reference) > JUMP:
            self.reset()  # a restarted stream or a wild jump: start again from here
            self.stats.restarts += 1
            ext = seq & 0xFFFF
        if self._next is not None and ext < self._next:
            self.stats.late += 1
            return
        if ext in self._buffer:
            self.stats.duplicates += 1
            return
        self._buffer[ext] = payload
        self.stats.packets += 1
        if self._highest is None or ext > self._highest:
            self._highest = ext
        if len(self._buffer) > 4 * self.max_depth:  # nobody is pulling: keep the newest
            for old in sorted(self._buffer)[: -self.max_depth]:
                del self._buffer[old]

    def take(self) -> Pcm | None:
        """This tick's frame (FRAME × channels interleaved samples), or None: silent."""
        need = FRAME * self.channels
        while self._pending.size < need:
            pcm = self._pull()
            if pcm is None:
                self._pending = self._pending[:0]
                return None
            self._pending = np.concatenate((self._pending, pcm)) if self._pending.size else pcm
        frame, self._pending = self._pending[:need], self._pending[need:]
        return frame

    def _pull(self) -> Pcm | None:
        if self._next is None:
            if len(self._buffer) < self.target:
                return None
            self._next = min(self._buffer)
            self._misses = 0
            self._window, self._lowest = 0, self.max_depth
        assert self._highest is not None
        if not self._buffer:  # an underrun: late, lost, or the sender stopped
            self._misses += 1
            if self._misses > self.give_up:  # nothing coming: stop, buffer afresh later
                self._next = None
                self.stats.restarts += 1
                return None
            self.stats.stretched += 1  # wait for it, concealing: the delay grows one frame
            return self._decoder.conceal(self._last)
        depth = self._highest - self._next + 1
        if depth > self.max_depth:  # a backlog (a burst after a stall): cut it
            keep_from = self._highest - self.target + 1
            for old in [s for s in self._buffer if s < keep_from]:
                del self._buffer[old]
                self.stats.skipped += 1
            self._next, depth = keep_from, self.target
        self._shrink(depth)
        due = self._next
        self._next += 1
        packet = self._buffer.pop(due, None)
        if packet is not None:
            try:
                pcm = self._decoder.decode(packet)
            except OpusError:
                self.stats.garbage += 1
            else:
                self._misses = 0
                self._last = max(1, pcm.size // self.channels)
                self.stats.decoded += 1
                return pcm
        elif (after := self._buffer.get(due + 1)) is not None and has_fec(after):
            try:
                pcm = self._decoder.decode_fec(after, self._last)
            except OpusError:
                pass  # the next one is garbage: conceal below, it is counted when its turn comes
            else:
                self._misses = 0
                self.stats.recovered += 1
                return pcm
        self.stats.concealed += 1  # lost (later ones are here), or garbage
        return self._decoder.conceal(self._last)

    def _shrink(self, depth: int) -> None:
        """Give back delay that is no longer needed: when a whole window (5 s) never had
        fewer than target + 1 packets waiting, skip one (20 ms)."""
        self._lowest = min(self._lowest, depth)
        self._window += 1
        if self._window < SHRINK_WINDOW:
            return
        if self._lowest > self.target and self._next is not None:
            self._buffer.pop(self._next, None)
            self._next += 1
            self.stats.skipped += 1
        self._window, self._lowest = 0, self.max_depth

    def reset(self) -> None:
        """Forget everything buffered (off stage, a restart): nothing old is played later."""
        self._buffer.clear()
        self._highest = self._next = None
        self._pending = np.zeros(0, dtype=np.int16)
        self._misses = 0
        if self._codec is not None:
            self._codec.reset()
