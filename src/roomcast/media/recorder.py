"""Crash-safe recording of a room's mix: short finished segments, each written durably.

The room's clock hands every 20 ms mix to `Recorder.add()` (cheap: an append). When a
segment is full (5 s by default) its bytes go to one writer thread, which writes them to a
temporary file, fsyncs it, renames it into place and fsyncs the folder. A segment is
therefore either complete on disk or absent: a SIGKILL loses at most the segment being
filled. Segments are 16-bit mono 48 kHz WAV files named by their index, so a recording is
the sorted list of `seg-*.wav` files in its folder, readable by anything.
"""

from __future__ import annotations

import logging
import os
import threading
import wave
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from roomcast.media.mixer import FRAME, RATE, Pcm

logger = logging.getLogger(__name__)

SEGMENT_SECONDS = 5.0


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_segment(folder: Path, index: int, pcm: bytes) -> Path:
    """Write one finished segment atomically and durably; returns its path."""
    final = folder / f"seg-{index:06d}.wav"
    tmp = folder / f".seg-{index:06d}.wav.tmp"
    with open(tmp, "wb") as f:
        with wave.open(f, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(pcm)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, final)
    _fsync_dir(folder)
    return final


def segments(folder: Path) -> list[Path]:
    """A recording's finished segments, in order (temporary leftovers are ignored)."""
    return sorted(folder.glob("seg-*.wav"))


def discard_partial(folder: Path) -> int:
    """Remove half-written temporary files left by a crash; returns how many."""
    leftovers = list(folder.glob(".seg-*.wav.tmp"))
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
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recorder")
        self._pending: list[Future[Path]] = []
        self._lock = threading.Lock()
        self.errors = 0

    def add(self, mix: Pcm) -> None:
        """Called on the room's clock with each 20 ms mix."""
        self._buffer.append(mix.tobytes())
        if len(self._buffer) >= self.frames_per_segment:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        pcm, self._buffer = b"".join(self._buffer), []
        index, self._index = self._index, self._index + 1
        future = self._writer.submit(write_segment, self.folder, index, pcm)
        future.add_done_callback(self._done)
        with self._lock:
            self._pending = [f for f in self._pending if not f.done()] + [future]

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
