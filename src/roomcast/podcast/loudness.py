"""Loudness to EBU R128: measured by ffmpeg's ebur128 filter, corrected by a linear gain and a
look-ahead true-peak limiter.

ffmpeg's two-pass `loudnorm` would do all of it but costs about 5x the time; one ebur128
measurement plus a gain and a limiter in numpy costs little more than reading the audio.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import BinaryIO

import av
import numpy as np
import numpy.typing as npt
from av.filter import Graph
from scipy.ndimage import maximum_filter1d, uniform_filter1d
from scipy.signal import firwin, upfirdn

from roomcast.media.mixer import RATE

Samples = npt.NDArray[np.float32]  # mono, -1.0 .. 1.0

OVERSAMPLE = 4  # as BS.1770's true-peak meter: inter-sample peaks show at 4x
WINDOW = 240  # 5 ms at 48 kHz: the limiter's attack and release, each side of a peak


@dataclass(frozen=True)
class Loudness:
    integrated: float  # LUFS; -inf for silence
    true_peak: float  # dBTP; -inf for silence


def db(x: float) -> float:
    return 20.0 * math.log10(x) if x > 0 else -math.inf


class Meter:
    """ffmpeg's ebur128 filter through PyAV, fed chunk by chunk (no whole file in memory)."""

    def __init__(self, *, true_peak: bool) -> None:
        self._graph = Graph()
        src = self._graph.add_abuffer(
            sample_rate=RATE, format="flt", layout="mono", time_base=Fraction(1, RATE)
        )
        meter = self._graph.add("ebur128", f"metadata=1:peak={'true' if true_peak else 'none'}")
        sink = self._graph.add("abuffersink")
        src.link_to(meter)
        meter.link_to(sink)
        self._graph.configure()
        self._pts = 0
        self._last: dict[str, str] = {}
        self._peak = 0.0

    def add(self, x: Samples) -> None:
        if len(x) == 0:
            return
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(x, dtype=np.float32)[None, :], format="flt", layout="mono"
        )
        frame.sample_rate = RATE
        frame.pts = self._pts
        self._pts += len(x)
        self._graph.push(frame)
        self._drain()

    def _drain(self) -> None:
        while True:
            try:
                out = self._graph.pull()
            except (av.BlockingIOError, av.EOFError):
                return
            meta = dict(out.metadata)
            if "lavfi.r128.I" in meta:  # the flush's last frame carries none
                self._last = meta
            self._peak = max(self._peak, float(meta.get("lavfi.r128.true_peak", 0.0)))

    def result(self) -> Loudness:
        self._graph.push(None)
        self._drain()
        integrated = float(self._last.get("lavfi.r128.I", "-inf"))
        if integrated <= -70.0:  # the meter's absolute gate: nothing above it
            integrated = -math.inf
        return Loudness(integrated, db(self._peak))


def measure(chunks: Iterable[Samples], *, true_peak: bool = False) -> Loudness:
    meter = Meter(true_peak=true_peak)
    for x in chunks:
        meter.add(x)
    return meter.result()


def measure_file(path: str | BinaryIO) -> Loudness:
    """Decode an audio file (any format ffmpeg reads) and measure it, true peak included."""
    meter = Meter(true_peak=True)
    pending: list[Samples] = []
    with av.open(path, "r") as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        for frame in container.decode(audio=0):
            pending.extend(out.to_ndarray()[0] for out in resampler.resample(frame))
            if len(pending) >= 64:  # the meter's cost is per call: feed it ~1.5 s at a time
                meter.add(np.concatenate(pending))
                pending = []
    if pending:
        meter.add(np.concatenate(pending))
    return meter.result()


def _oversampling_filter() -> npt.NDArray[np.float32]:
    # 12 taps per phase, as the true-peak meter of BS.1770-4 Annex 2
    fir: npt.NDArray[np.float32] = (
        firwin(12 * OVERSAMPLE + 1, 1.0 / OVERSAMPLE) * OVERSAMPLE
    ).astype(np.float32)
    return fir


_FIR = _oversampling_filter()
_DELAY = (len(_FIR) - 1) // 2  # in oversampled samples


def peaks(y: Samples) -> Samples:
    """Per sample, the largest magnitude among it and its 4x-oversampled neighbours."""
    up = np.abs(upfirdn(_FIR, y, OVERSAMPLE)[_DELAY : _DELAY + len(y) * OVERSAMPLE])
    peak: Samples = np.maximum(up.reshape(-1, OVERSAMPLE).max(axis=1), np.abs(y)).astype(np.float32)
    return peak


def peak_envelope(
    read: Callable[[int, int], Samples], start: int, end: int, chunk: int = RATE * 10
) -> Iterator[tuple[Samples, Samples]]:
    """Chunk by chunk: the samples and, per sample, the largest true peak within +-WINDOW.
    The limiter's gain for any target level derives from this envelope alone."""
    halo = WINDOW + _DELAY
    for a in range(start, end, chunk):
        b = min(a + chunk, end)
        lo, hi = max(start, a - halo), min(end, b + halo)
        y = read(lo, hi)
        envelope = maximum_filter1d(peaks(y), 2 * WINDOW + 1, mode="nearest")
        yield y[a - lo : b - lo], envelope[a - lo : b - lo]


def limiter_gain(envelope: Samples, gain: float, ceiling: float) -> Samples:
    """The limiter's gain curve after a linear `gain`: under the ceiling at every sample.

    `envelope` is the max over +-WINDOW of the true peak, so min(1, ceiling / (gain *
    envelope)) is the minimum over +-WINDOW of what each sample needs; a mean over +-WINDOW
    of those minima reads only values at or below what the centre sample needs.
    """
    with np.errstate(divide="ignore"):
        floor = np.minimum(1.0, ceiling / (np.float32(gain) * envelope)).astype(np.float32)
    smooth: Samples = uniform_filter1d(floor, 2 * WINDOW + 1, mode="nearest").astype(np.float32)
    return smooth


def normalized(
    read: Callable[[int, int], Samples],
    envelope: Callable[[int, int], Samples],
    start: int,
    end: int,
    gain: float,
    ceiling_dbtp: float,
    chunk: int = RATE * 10,
) -> Iterator[Samples]:
    """The samples [start, end) times `gain`, through the true-peak limiter, chunk by
    chunk; `envelope` reads the stored peak envelope for the same positions."""
    ceiling = 10.0 ** (ceiling_dbtp / 20.0)
    for a in range(start, end, chunk):
        b = min(a + chunk, end)
        lo, hi = max(start, a - WINDOW), min(end, b + WINDOW)
        g = limiter_gain(envelope(lo, hi), gain, ceiling)[a - lo : b - lo]
        yield (read(a, b) * np.float32(gain) * g).astype(np.float32)
