"""Pure numpy mixing on 20 ms frames: one mix for listeners, N-1 mixes for speakers, levels.

Only frames handed in are mixed; the engine hands in frames of peers whose can_speak flag is
set and nothing else, which is where "only speakers reach the mix" is enforced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

RATE = 48_000
FRAME = 960  # samples per 20 ms at 48 kHz
Pcm = npt.NDArray[np.int16]

SILENCE: Pcm = np.zeros(FRAME, dtype=np.int16)
SILENCE.flags.writeable = False
_SILENCE_STEREO: Pcm = np.zeros(2 * FRAME, dtype=np.int16)  # interleaved, music rooms
_SILENCE_STEREO.flags.writeable = False


@dataclass(frozen=True, slots=True)
class Mix:
    listeners: Pcm  # everyone who may speak
    minus_one: dict[str, Pcm]  # per speaker: everyone but themself
    levels: dict[str, float]  # per speaker: 0.0 (silence) .. 1.0 (full scale), perceptual


def _clip(x: npt.NDArray[np.int32]) -> Pcm:
    return np.clip(x, -32768, 32767).astype(np.int16)


def level(frame: Pcm) -> float:
    """RMS mapped from -60..0 dBFS onto 0..1, so quiet speech still lights the ring."""
    rms = float(np.sqrt(np.mean(np.square(frame, dtype=np.float64)))) / 32768.0
    if rms <= 1e-3:
        return 0.0
    return min(1.0, (20.0 * float(np.log10(rms)) + 60.0) / 60.0)


def mix(frames: Mapping[str, Pcm], channels: int = 1) -> Mix:
    """Mix one frame per speaker (FRAME samples per channel, interleaved). A speaker with no
    frame this tick is simply silent."""
    if not frames:
        return Mix(SILENCE if channels == 1 else _SILENCE_STEREO, {}, {})
    stacked = np.stack([f.astype(np.int32) for f in frames.values()])
    total = stacked.sum(axis=0)
    minus_one = {k: _clip(total - stacked[i]) for i, k in enumerate(frames)}
    levels = {k: level(f) for k, f in frames.items()}
    return Mix(_clip(total), minus_one, levels)


def downmix(frame: Pcm, channels: int) -> Pcm:
    """Mono from interleaved channels (the recording is mono in music rooms too)."""
    if channels == 1:
        return frame
    mono: Pcm = frame.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return mono
