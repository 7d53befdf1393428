"""The media engine: rooms of peers, each room mixed and encoded on its own 20 ms clock.

The control plane only calls the ``MediaEngine`` protocol. ``LocalMediaEngine`` runs it in
this process; a later engine can run the same rooms in worker processes behind the same calls.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from aiortc import RTCConfiguration, RTCSessionDescription

from roomcast.media import mixer
from roomcast.media import profile as profiles
from roomcast.media.commands import (
    CloseRoom,
    Drop,
    Mark,
    MediaCommand,
    Record,
    SetAudio,
    SetCanSpeak,
)
from roomcast.media.opus import Encoder
from roomcast.media.peer import Peer
from roomcast.media.profile import Profile
from roomcast.media.recorder import Recorder

logger = logging.getLogger(__name__)

TICK = 0.020
LEVEL_EVERY = 5  # ticks between speaking-level reports: 10 per second
LOSS_EVERY = 50  # ticks between updates of the encoders' expected loss: once a second
MAX_SDP = 20_000


class MediaError(Exception):
    """A media request was refused; ``code`` says why (bad_sdp, room_full, no_audio...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True, slots=True)
class SessionDescription:
    sdp: str
    type: str


LevelSink = Callable[[str, dict[str, float]], None]


class MediaEngine(Protocol):
    """The control plane's one seam into the media plane: typed commands (media/commands.py),
    applied after the commit that decided them, and the offer/answer exchange."""

    async def connect(
        self,
        room_id: str,
        peer_id: str,
        offer: SessionDescription,
        can_speak: bool,
        music: bool = False,
    ) -> SessionDescription: ...
    async def apply(self, command: MediaCommand) -> None: ...
    def stats(self, room_id: str) -> RoomStats | None: ...
    def clock(self) -> Mapping[str, int]: ...
    def uplinks(self) -> Mapping[str, int]: ...
    async def close(self) -> None: ...


@dataclass
class RoomStats:
    ticks: int = 0
    listener_encodes: int = 0  # encoder calls for the shared listener mix
    speaker_encodes: int = 0  # encoder calls for N-1 mixes
    late_ticks: int = 0
    expected_loss: int = 0  # percent, of the listener mix's encoder (media/profile.py)
    recovered: int = 0  # speakers' lost packets rebuilt from FEC, all peers
    concealed: int = 0  # speakers' lost packets concealed (Opus PLC), all peers
    lean_packets: int = 0  # packets sent through the lean path (rtp_out.py), all peers
    peers: int = 0
    speakers: list[str] = field(default_factory=list)


class RoomMedia:
    """One room's peers and its clock. Owns the tick task; close() stops it."""

    def __init__(
        self,
        room_id: str,
        audio: tuple[Profile, Profile],
        levels: LevelSink,
        clock: Counter[str] | None = None,
    ) -> None:
        self.id = room_id
        # every room's ticks and how many came late, for /metrics: the rooms' clocks share
        # one event loop, so whatever holds it up (a long query, a collection) shows here
        self.clock: Counter[str] = clock if clock is not None else Counter()
        self.peers: dict[str, Peer] = {}
        self.profiles = audio  # (speech, music): speech until told otherwise
        self.profile = audio[0]
        self.listener_encoder = self._encoder()
        self.stats = RoomStats()
        self._levels = levels
        self._level_peak: dict[str, float] = {}
        self.recorder: Recorder | None = None
        # peers whose offer is being answered: False once dropped meanwhile (left, removed)
        self.pending: dict[str, bool] = {}
        # what the control plane last said of each peer's microphone, connected or not: a
        # (re)connecting peer takes it, whatever order a reconnect and a stage change come in
        self.desired: dict[str, bool] = {}
        self._last_levels: dict[str, float] = {}
        self._task = asyncio.create_task(self._run(), name=f"media-room-{room_id}")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        start, n, base = loop.time(), 0, 0
        try:
            while True:
                n += 1
                delay = start + n * TICK - loop.time()
                if delay < -0.2:  # stalled (a long GC, a busy machine): restart the clock,
                    self.stats.late_ticks += 1  # its frame count (RTP time) moving on by the
                    base += round((loop.time() - start) / TICK)  # time that passed, never back
                    start, n = loop.time(), 1
                    delay = TICK
                await asyncio.sleep(max(0.0, delay))
                late = loop.time() - start - n * TICK
                self.clock["ticks"] += 1
                if late > TICK:  # a frame or more behind: a listener's jitter buffer drains
                    self.clock["ticks_late_20ms"] += 1
                    if late > 5 * TICK:
                        self.clock["ticks_late_100ms"] += 1
                self.tick(base + n)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("room %s media clock failed", self.id)

    def _encoder(self, loss: int = 0, fec: bool = True) -> Encoder:
        encoder = Encoder(self.profile.channels, self.profile.bitrate, music=self.profile.music)
        self._expect(encoder, loss, fec)
        return encoder

    def _expect(self, encoder: Encoder, loss: int, fec: bool = True) -> None:
        encoder.set_fec(fec, loss)
        bitrate = self.profile.bitrate_for(loss if fec else 0)
        if bitrate != encoder.bitrate:
            encoder.set_bitrate(bitrate)

    def tick(self, n: int) -> None:
        """Mix one frame: only peers that may speak are read, everyone gets their mix."""
        self.stats.ticks += 1
        speakers = [p for p in self.peers.values() if p.can_speak]
        frames = {}
        for p in speakers:
            frame = p.playout.take()  # decoded, rebuilt from FEC or concealed; None: silent
            if frame is not None:
                frames[p.id] = frame
        channels = self.profile.channels
        result = mixer.mix(frames, channels)
        if self.recorder is not None:  # as listeners hear it
            self.recorder.add(mixer.downmix(result.listeners, channels), result.levels)
        if n % LOSS_EVERY == 0:
            self._follow_loss(speakers)
        pts = n * mixer.FRAME
        if len(speakers) < len(self.peers):
            payload = self.listener_encoder.encode(result.listeners)  # once, for everyone
            self.stats.listener_encodes += 1
            for p in self.peers.values():
                if not p.can_speak:
                    p.deliver(payload, pts)
        for p in speakers:
            if p.encoder is None:
                p.encoder = self._encoder(profiles.expected_loss([p.loss]), p.fec)
            own = result.minus_one.get(p.id, result.listeners)
            p.deliver(p.encoder.encode(own), pts)
            self.stats.speaker_encodes += 1
        self._report_levels(n, result.levels)

    def _follow_loss(self, speakers: list[Peer]) -> None:
        """Once a second: the encoders expect the loss their listeners report (RTCP)."""
        listening = [p.loss for p in self.peers.values() if not p.can_speak]
        loss = profiles.expected_loss(listening)
        if loss != self.stats.expected_loss:
            self._expect(self.listener_encoder, loss)
            self.stats.expected_loss = loss
        for p in speakers:
            if p.encoder is not None:
                self._expect(p.encoder, profiles.expected_loss([p.loss]), p.fec)

    def set_music(self, music: bool) -> None:
        """Speech or music from the next frame: encoders and decoders in the new shape."""
        chosen = self.profiles[1] if music else self.profiles[0]
        if chosen == self.profile:
            return
        self.profile = chosen
        self.listener_encoder = self._encoder(self.stats.expected_loss)
        for p in self.peers.values():
            p.set_profile(chosen)

    def _report_levels(self, n: int, levels: dict[str, float]) -> None:
        for k, v in levels.items():
            self._level_peak[k] = max(v, self._level_peak.get(k, 0.0))
        if n % LEVEL_EVERY == 0:
            peaks, self._level_peak = self._level_peak, {}
            speaking = {k: round(v, 2) for k, v in peaks.items() if v > 0.05}
            if speaking or self._last_levels:  # once more when all fall silent: rings off
                self._levels(self.id, speaking)
            self._last_levels = speaking

    async def stop_recording(self) -> list[Path]:
        recorder, self.recorder = self.recorder, None
        return await asyncio.to_thread(recorder.close) if recorder else []

    async def close(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self.stop_recording()
        peers, self.peers = list(self.peers.values()), {}
        await asyncio.gather(*(p.close() for p in peers), return_exceptions=True)


class LocalMediaEngine:
    """Every room in this process, on this event loop."""

    def __init__(
        self,
        config: RTCConfiguration,
        *,
        bitrate: int = 32_000,
        music_bitrate: int = 128_000,
        max_peers_per_room: int = 300,
        connect_timeout: float = 20.0,
        levels: LevelSink | None = None,
    ) -> None:
        self.config = config
        self.audio = (profiles.speech(bitrate), profiles.music(music_bitrate))
        self.max_peers = max_peers_per_room
        self.connect_timeout = connect_timeout
        self.rooms: dict[str, RoomMedia] = {}
        self._clock: Counter[str] = Counter()
        # tests only: awaited after an offer is answered, before the peer is registered
        self.before_register: Callable[[str, str], Awaitable[None]] | None = None
        self._levels: LevelSink = levels or (lambda room_id, levels: None)

    def clock(self) -> Mapping[str, int]:
        """Ticks of every room since start, and how many were late by 20 ms and 100 ms."""
        return dict(self._clock)

    def uplinks(self) -> Mapping[str, int]:
        """Speakers' packets of the peers connected now: decoded, rebuilt from FEC, concealed,
        frames concealed while waiting for a late one, late (dropped), skipped."""
        totals: Counter[str] = Counter()
        for room in self.rooms.values():
            for p in room.peers.values():
                s = p.playout.stats
                totals.update(
                    decoded=s.decoded,
                    recovered=s.recovered,
                    concealed=s.concealed,
                    stretched=s.stretched,
                    late=s.late,
                    skipped=s.skipped,
                )
        return dict(totals)

    def _room(self, room_id: str) -> RoomMedia:
        room = self.rooms.get(room_id)
        if room is None:
            room = self.rooms[room_id] = RoomMedia(room_id, self.audio, self._levels, self._clock)
        return room

    async def connect(
        self,
        room_id: str,
        peer_id: str,
        offer: SessionDescription,
        can_speak: bool,
        music: bool = False,
    ) -> SessionDescription:
        """Answer a peer's offer. A reconnect's offer is answered before the old connection
        is closed, so a bad offer never cuts working audio; one offer per peer at a time.
        `music`: the room's stored audio setting, taken by the room's first peer."""
        check_offer(offer)
        room = self._room(room_id)
        if not room.peers and not room.pending:  # the first peer brings the stored setting;
            room.set_music(music)  # later changes come as SetAudio, in commit order
        if peer_id in room.pending:
            raise MediaError("offer_pending", "Your audio is connecting already; wait for it.")
        others = len(room.peers) + len(room.pending) - (peer_id in room.peers)
        if others >= self.max_peers:
            raise MediaError("room_full", "This room is full. Try again later.")
        room.pending[peer_id] = True
        room.desired.setdefault(peer_id, can_speak)
        peer = Peer(peer_id, self.config, can_speak, room.profile)
        try:
            answer = await peer.answer(
                RTCSessionDescription(offer.sdp, offer.type), lambda p: self._forget(room_id, p)
            )
            if self.before_register is not None:
                await self.before_register(room_id, peer_id)
        except Exception as e:  # aiortc raises ValueError and friends on bad SDP
            await peer.close()
            raise MediaError("bad_sdp", f"Could not use this offer: {e}") from e
        finally:
            wanted = room.pending.pop(peer_id, False)
        if self.rooms.get(room_id) is not room:  # the room closed meanwhile
            await peer.close()
            raise MediaError("room_closed", "This room has ended.")
        if not wanted:  # they left or were removed while it was being answered
            await peer.close()
            raise MediaError("gone", "You are no longer in this room.")
        old = room.peers.get(peer_id)
        peer.set_profile(room.profile)  # the room's setting may have changed meanwhile
        peer.set_can_speak(room.desired.get(peer_id, can_speak))  # the latest word wins
        room.peers[peer_id] = peer
        room.stats.peers = len(room.peers)
        if old is not None:
            await old.close()
        peer.reap_after(self.connect_timeout, lambda p: self._forget(room_id, p))
        return SessionDescription(answer.sdp, answer.type)

    def _forget(self, room_id: str, peer: Peer) -> None:
        room = self.rooms.get(room_id)
        if room is not None and room.peers.get(peer.id) is peer:
            del room.peers[peer.id]
            task = asyncio.create_task(peer.close())
            _background.add(task)
            task.add_done_callback(_background.discard)

    async def apply(self, command: MediaCommand) -> None:
        """Do what the control plane decided. Idempotent: applying a command twice, or to a
        room or peer that is gone, changes nothing more."""
        match command:
            case SetCanSpeak(room_id=room_id, peer_id=peer_id, can_speak=can_speak):
                self.set_can_speak(room_id, peer_id, can_speak)
            case Drop(room_id=room_id, peer_id=peer_id):
                await self.drop(room_id, peer_id)
            case CloseRoom(room_id=room_id):
                await self.close_room(room_id)
            case Record(room_id=room_id, folder=folder):
                await self.record(room_id, Path(folder) if folder is not None else None)
            case Mark(room_id=room_id, topic=topic):
                self.mark(room_id, topic)
            case SetAudio(room_id=room_id, music=music):
                room = self.rooms.get(room_id)
                if room is not None:
                    room.set_music(music)

    def set_can_speak(self, room_id: str, peer_id: str, can_speak: bool) -> None:
        room = self.rooms.get(room_id)
        if room is None:
            return
        room.desired[peer_id] = can_speak  # also for a peer still connecting: it takes this
        peer = room.peers.get(peer_id)
        if peer is not None:
            peer.set_can_speak(can_speak)

    async def drop(self, room_id: str, peer_id: str) -> None:
        room = self.rooms.get(room_id)
        if room is None:
            return
        room.desired.pop(peer_id, None)  # a later join starts from what is stored then
        if peer_id in room.pending:
            room.pending[peer_id] = False  # its connection, being answered, will not register
        peer = room.peers.pop(peer_id, None)
        if peer is not None:
            await peer.close()

    async def close_room(self, room_id: str) -> None:
        room = self.rooms.pop(room_id, None)
        if room is not None:
            await room.close()

    async def record(self, room_id: str, folder: Path | None) -> list[Path]:
        """Start recording the room's mix into `folder`, or stop (None) and return the
        finished segments. Starting again in the same folder continues the recording."""
        if folder is None:
            stopping = self.rooms.get(room_id)
            return await stopping.stop_recording() if stopping else []
        room = self._room(room_id)
        if room.recorder is None or room.recorder.folder != folder:
            await room.stop_recording()
            room.recorder = await asyncio.to_thread(Recorder, folder)
        return []

    def mark(self, room_id: str, topic: str) -> None:
        """A new topic starts now in the room's recording (nothing if not recording)."""
        room = self.rooms.get(room_id)
        if room is not None and room.recorder is not None:
            room.recorder.mark(topic)

    def stats(self, room_id: str) -> RoomStats | None:
        room = self.rooms.get(room_id)
        if room is None:
            return None
        room.stats.peers = len(room.peers)
        room.stats.speakers = [p.id for p in room.peers.values() if p.can_speak]
        peers = room.peers.values()
        room.stats.lean_packets = sum(p.lean_packets for p in peers)
        room.stats.recovered = sum(p.playout.stats.recovered for p in peers)
        room.stats.concealed = sum(p.playout.stats.concealed for p in peers)
        return room.stats

    async def close(self) -> None:
        rooms, self.rooms = list(self.rooms.values()), {}
        await asyncio.gather(*(r.close() for r in rooms), return_exceptions=True)


_background: set[asyncio.Task[None]] = set()


def check_offer(offer: SessionDescription) -> None:
    if offer.type != "offer":
        raise MediaError("bad_sdp", "Expected an SDP offer.")
    if len(offer.sdp) > MAX_SDP:
        raise MediaError("bad_sdp", f"The offer is larger than {MAX_SDP} bytes.")
    media = [line for line in offer.sdp.splitlines() if line.startswith("m=")]
    if not any(m.startswith("m=audio ") for m in media):
        raise MediaError("no_audio", "The offer has no audio section.")
    if len(media) > 2:
        raise MediaError("bad_sdp", "The offer has too many media sections.")
