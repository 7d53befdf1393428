"""From a folder of recorded segments to a podcast-ready MP3 and its timeline.

join the segments (skipping corrupt ones) -> trim leading and trailing silence -> measure
loudness (ffmpeg's ebur128) -> gain to the target -> true-peak limiter -> MP3 (LAME).

Runs in a worker process (see podcasts/jobs.py): pure CPU, no database, and the output is
written to a temporary name and renamed, so running it twice is harmless.
"""

from __future__ import annotations

import io
import logging
import math
import os
import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import lameenc
import numpy as np
import numpy.typing as npt

from roomcast.files import fsync_dir
from roomcast.media.mixer import FRAME, RATE
from roomcast.media.recorder import segments, sidecar
from roomcast.podcast import loudness

logger = logging.getLogger(__name__)

SILENCE_DBFS = -50.0  # a 20 ms frame quieter than this is silence for trimming
PAD_SECONDS = 0.3  # kept around the first and last sound, so words are not clipped
MAX_CORRECTIONS = 4  # passes of gain + limiter to land on the target loudness
TOLERANCE_LU = 0.2
EXCERPT_SECONDS = 20
ENCODE_MARGIN_DB = 0.5  # the limiter's ceiling below the target: the MP3 adds peaks


class NothingRecorded(Exception):
    """No usable audio: no segments, only corrupt ones, or only silence."""


@dataclass(frozen=True)
class Options:
    target_lufs: float = -16.0
    ceiling_dbtp: float = -1.0
    bitrate: int = 96_000
    title: str = ""
    artist: str = ""


@dataclass(frozen=True)
class Timeline:
    """When each speaker (by the media plane's peer key) spoke, and the topics marked,
    in seconds from the start of the finished audio."""

    speakers: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    topics: list[tuple[float, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Produced:
    path: Path
    bytes: int
    duration: float  # seconds of audio in the MP3
    loudness: float  # LUFS integrated, measured on the MP3
    true_peak: float  # dBTP, measured on the MP3
    skipped: list[str]  # segments that could not be read
    timeline: Timeline


@dataclass
class Joined:
    """The readable segments joined into one raw 16-bit file, read through a memmap."""

    raw: Path
    samples: npt.NDArray[np.int16]
    offsets: list[tuple[Path, int]]  # each segment used and where it starts, in samples
    skipped: list[str]


def _read_segment(path: Path) -> bytes:
    with wave.open(str(path), "rb") as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, RATE):
            raise wave.Error(f"unexpected format in {path.name}")
        data = w.readframes(w.getnframes())
    if len(data) % 2:
        raise wave.Error(f"truncated data in {path.name}")
    return data


def join(folder: Path, work: Path) -> Joined:
    offsets: list[tuple[Path, int]] = []
    skipped: list[str] = []
    raw = work / ".joined.raw"
    position = 0
    with open(raw, "wb") as out:
        for seg in segments(folder):
            try:
                data = _read_segment(seg)
            except (OSError, EOFError, wave.Error) as e:
                logger.warning("skipping unreadable segment %s: %s", seg, e)
                skipped.append(seg.name)
                continue
            if not data:
                skipped.append(seg.name)
                continue
            offsets.append((seg, position))
            out.write(data)
            position += len(data) // 2
    if position == 0:
        raw.unlink(missing_ok=True)
        raise NothingRecorded("Nothing was recorded.")
    return Joined(raw, np.memmap(raw, dtype=np.int16, mode="r"), offsets, skipped)


def sound_bounds(x: npt.NDArray[np.int16]) -> tuple[int, int] | None:
    """First and last sample of sound (frames above SILENCE_DBFS), padded; None if silent."""
    frames = len(x) // FRAME
    threshold = (10 ** (SILENCE_DBFS / 20) * 32768) ** 2
    loud: list[int] = []
    step = 3000  # frames per chunk: a minute at a time
    for a in range(0, frames, step):
        b = min(a + step, frames)
        block = x[a * FRAME : b * FRAME].astype(np.float32).reshape(b - a, FRAME)
        power = np.mean(np.square(block), axis=1)
        hits = np.flatnonzero(power > threshold)
        if len(hits):
            if not loud:
                loud.append(a + int(hits[0]))
            loud[1:] = [a + int(hits[-1])]
    if not loud:
        return None
    pad = int(PAD_SECONDS * RATE)
    first, last = loud[0], loud[-1]
    return max(0, first * FRAME - pad), min(len(x), (last + 1) * FRAME + pad)


def timeline(joined: Joined, start: int, end: int) -> Timeline:
    """The sidecars' frame runs, placed on the finished audio's clock."""
    speakers: dict[str, list[tuple[float, float]]] = {}
    topics: list[tuple[float, str]] = []
    duration = (end - start) / RATE

    def clock(offset: int, frames: int) -> float:
        return min(duration, max(0.0, (offset + frames * FRAME - start) / RATE))

    for seg, offset in joined.offsets:
        side = sidecar(seg)
        for key, runs in side.speakers.items():
            for a, b in runs:
                span = (clock(offset, a), clock(offset, b))
                if span[1] > span[0]:
                    speakers.setdefault(key, []).append(span)
        topics.extend((clock(offset, f), title) for f, title in side.topics)
    return Timeline(speakers, topics)


def _gain(db: float) -> float:
    return float(10 ** (db / 20))


def _pcm16(x: loudness.Samples) -> bytes:
    return bytes(np.clip(np.rint(x * 32767.0), -32768, 32767).astype("<i2").tobytes())


def _encoder(options: Options) -> lameenc.Encoder:
    # lameenc: LAME built with its optimisations, about 3x faster than the LAME inside
    # PyAV's wheels. Quality 7 ("fast, good") halves the time again; fine for speech.
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(options.bitrate // 1000)
    encoder.set_in_sample_rate(RATE)
    encoder.set_channels(1)
    encoder.set_quality(7)
    return encoder


def encode(chunks: Iterable[loudness.Samples], out: BinaryIO, options: Options) -> None:
    encoder = _encoder(options)
    for x in chunks:
        out.write(encoder.encode(_pcm16(x)))
    out.write(encoder.flush())


def encode_loss(excerpts: Iterable[loudness.Samples], options: Options) -> float:
    """How much loudness (LU) the encode takes from this programme: LAME drops masked
    content, a few tenths of a LU for speech. Measured on excerpts, to aim the gain."""
    pcm = np.concatenate(list(excerpts))
    mp3 = io.BytesIO()
    encode([pcm], mp3, options)
    mp3.seek(0)
    before, after = loudness.measure([pcm]), loudness.measure_file(mp3)
    loss = before.integrated - after.integrated
    return loss if math.isfinite(loss) and abs(loss) < 3.0 else 0.0


def produce(folder: Path, out: Path, options: Options | None = None) -> Produced:
    """Make `out` (an MP3) from the recording in `folder`. Raises NothingRecorded."""
    options = options or Options()
    out.parent.mkdir(parents=True, exist_ok=True)
    joined = join(folder, out.parent)
    try:
        x = joined.samples
        bounds = sound_bounds(x)
        if bounds is None:
            raise NothingRecorded("The recording is silent.")
        start, end = bounds

        def read(a: int, b: int) -> loudness.Samples:
            return (x[a:b].astype(np.float32) / np.float32(32768)).astype(np.float32)

        # one analysis pass: the loudness, and the peak envelope the limiter works from
        envelope_file = out.parent / ".envelope.raw"
        env = np.memmap(envelope_file, dtype=np.float32, mode="w+", shape=(end - start,))
        meter, at = loudness.Meter(true_peak=False), 0
        for y, e in loudness.peak_envelope(read, start, end):
            meter.add(y)
            env[at : at + len(e)] = e
            at += len(e)
        measured = meter.result()

        def envelope(a: int, b: int) -> loudness.Samples:
            return np.asarray(env[a - start : b - start])

        def normalized(gain_db: float, ceiling: float) -> Iterator[loudness.Samples]:
            return loudness.normalized(read, envelope, start, end, _gain(gain_db), ceiling)

        ceiling = options.ceiling_dbtp - ENCODE_MARGIN_DB
        gain_db = options.target_lufs - measured.integrated
        if not math.isfinite(gain_db):
            gain_db = 0.0
        # the encode loses loudness (masked content goes): measure how much on excerpts,
        # and aim above the target by that
        n, chunk = end - start, EXCERPT_SECONDS * RATE
        picks = [start + int(n * f) for f in (0.2, 0.5, 0.8)] if n > 4 * chunk else [start]
        excerpts = [
            next(loudness.normalized(read, envelope, a, b, _gain(gain_db), ceiling, chunk))
            for a, b in ((p, min(end, p + chunk)) for p in picks)
        ]
        aim = options.target_lufs + encode_loss(excerpts, options)
        # the limiter lowers loudness too, more as the gain grows: step by the secant
        slope, last = 1.0, None
        for _ in range(MAX_CORRECTIONS):
            error = aim - loudness.measure(normalized(gain_db, ceiling)).integrated
            if not math.isfinite(error) or abs(error) < TOLERANCE_LU:
                break
            if last is not None and last[1] != error:
                slope = min(4.0, max(1.0, (gain_db - last[0]) / (last[1] - error)))
            last = (gain_db, error)
            gain_db += error * slope
        tmp = out.with_name(f".{out.name}.tmp")
        with open(tmp, "wb") as f:
            encode(normalized(gain_db, ceiling), f, options)
            f.flush()
            os.fsync(f.fileno())
        final = loudness.measure_file(str(tmp))
        os.replace(tmp, out)
        fsync_dir(out.parent)
        return Produced(
            path=out,
            bytes=out.stat().st_size,
            duration=(end - start) / RATE,
            loudness=final.integrated,
            true_peak=final.true_peak,
            skipped=joined.skipped,
            timeline=timeline(joined, start, end),
        )
    finally:
        del joined.samples
        for leftover in (
            joined.raw,
            out.parent / ".envelope.raw",
            out.with_name(f".{out.name}.tmp"),
        ):
            leftover.unlink(missing_ok=True)
