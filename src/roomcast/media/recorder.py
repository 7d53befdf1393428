"""Crash-safe recording of a room's mix: short finished segments, each written durably.

The room's clock hands every 20 ms mix to `Recorder.add()` (cheap: an append). When a
segment is full (5 s by default) its bytes go to one writer thread, which writes them to a
temporary file, fsyncs it, renames it into place and fsyncs the folder. A segment is
therefore either complete on disk or absent: a SIGKILL loses at most the segment being
filled. Segments are 16-bit mono 48 kHz WAV files named by their index, so a recording is
the sorted list of `seg-*.wav` files in its folder, readable by anything.

Beside each segment, written just before it, a `seg-*.json` sidecar holds the segment's
timeline: when each speaker was speaking (runs of 20 ms frames, from the mixer's levels)
and the topics a host marked. Post-production turns these into chapters and speaker labels.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import wave
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roomcast.files import write_durably
from roomcast.media.mixer import FRAME, RATE, Pcm

logger = logging.getLogger(__name__)

SEGMENT_SECONDS = 5.0
SPEAKING = 0.3  # mixer level (about -42 dBFS) above which a frame counts as speech


@dataclass
class Sidecar:
    """One segment's timeline, in frames from the segment's start."""

    speakers: dict[str, list[list[int]]] = field(default_factory=dict)  # key -> [start, end)
    topics: list[tuple[int, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"speakers": self.speakers, "topics": [list(t) for t in self.topics]}

    @classmethod
    def from_json(cls, data: Any) -> Sidecar:
        """Parse leniently: a damaged sidecar costs labels, never the recording."""
        side = cls()
        if not isinstance(data, dict):
            return side
        speakers = data.get("speakers")
        if isinstance(speakers, dict):
            for key, runs in speakers.items():
                if isinstance(runs, list):
                    side.speakers[str(key)] = [
                        [int(a), int(b)]
                        for a, b in (r for r in runs if isinstance(r, list) and len(r) == 2)
                        if isinstance(a, int) and isinstance(b, int) and 0 <= a < b
                    ]
        topics = data.get("topics")
        if isinstance(topics, list):
            side.topics = [
                (t[0], t[1])
                for t in topics
                if isinstance(t, list)
                and len(t) == 2
                and isinstance(t[0], int)
                and isinstance(t[1], str)
            ]
        return side


def write_segment(folder: Path, index: int, pcm: bytes, side: Sidecar | None = None) -> Path:
    """Write one finished segment (its sidecar first) atomically and durably; returns its
    path. A segment exists once its WAV does; a sidecar without one is ignored."""
    if side is not None:
        data = json.dumps(side.to_json()).encode()
        write_durably(folder / f"seg-{index:06d}.json", data, sync_dir=False)
    wav = io.BytesIO()
    with wave.open(wav, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm)
    return write_durably(folder / f"seg-{index:06d}.wav", wav.getvalue())


def segments(folder: Path) -> list[Path]:
    """A recording's finished segments, in order (temporary leftovers are ignored)."""
    return sorted(folder.glob("seg-*.wav"))


def sidecar(segment: Path) -> Sidecar:
    """The timeline written beside a segment; empty when missing or unreadable."""
    try:
        return Sidecar.from_json(json.loads(segment.with_suffix(".json").read_bytes()))
    except (OSError, ValueError):
        return Sidecar()


def discard_partial(folder: Path) -> int:
    """Remove half-written temporary files left by a crash; returns how many."""
    leftovers = list(folder.glob(".seg-*.tmp"))
    for p in leftovers:
        p.unlink(missing_ok=True)
    return len(leftovers)


class Recorder:
    """Collects one room's mix and writes finished segments in the background."""

    def __init__(self, folder: Path, segment_seconds: float = SEGMENT_SECONDS) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        discard_partial(folder)
        self.frames_per_segment = max(1, round(segment_seconds * RATE / FRAME))
        self._index = len(segments(folder))  # a resumed recording continues after the last
        self._buffer: list[bytes] = []
        self._side = Sidecar()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recorder")
        self._pending: list[Future[Path]] = []
        self._lock = threading.Lock()
        self.errors = 0

    def add(self, mix: Pcm, levels: Mapping[str, float] | None = None) -> None:
        """Called on the room's clock with each 20 ms mix and the speakers' levels."""
        at = len(self._buffer)
        for key, value in (levels or {}).items():
            if value >= SPEAKING:
                runs = self._side.speakers.setdefault(key, [])
                if runs and runs[-1][1] == at:
                    runs[-1][1] = at + 1
                else:
                    runs.append([at, at + 1])
        self._buffer.append(mix.tobytes())
        if len(self._buffer) >= self.frames_per_segment:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        pcm, self._buffer = b"".join(self._buffer), []
        side, self._side = self._side, Sidecar()
        index, self._index = self._index, self._index + 1
        future = self._writer.submit(write_segment, self.folder, index, pcm, side)
        future.add_done_callback(self._done)
        with self._lock:
            self._pending = [f for f in self._pending if not f.done()] + [future]

    def mark(self, topic: str) -> None:
        """A host moved on to a new topic: a chapter starts here."""
        self._side.topics.append((len(self._buffer), topic))

    def _done(self, future: Future[Path]) -> None:
        error = future.exception()
        if error is not None:  # a full disk, say: keep recording, say so loudly
            self.errors += 1
            logger.error("recording segment lost in %s: %s", self.folder, error)

    def close(self) -> list[Path]:
        """Write what is buffered and wait for the writer; returns the finished segments."""
        self._flush()
        self._writer.shutdown(wait=True)
        return segments(self.folder)
