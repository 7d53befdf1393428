from __future__ import annotations

import numpy as np

from roomcast.media.mixer import FRAME, SILENCE, level, mix


def tone(freq: float, amp: float = 0.3, seed: int = 0) -> np.ndarray:
    t = np.arange(FRAME) / 48_000
    return (amp * 32767 * np.sin(2 * np.pi * freq * t + seed)).astype(np.int16)


def test_listeners_hear_everyone_speakers_hear_the_others() -> None:
    a, b, c = tone(300), tone(500), tone(700)
    m = mix({"a": a, "b": b, "c": c})
    np.testing.assert_array_equal(m.listeners, a.astype(np.int32) + b + c)
    np.testing.assert_array_equal(m.minus_one["a"], b.astype(np.int32) + c)
    np.testing.assert_array_equal(m.minus_one["c"], a.astype(np.int32) + b)
    assert set(m.levels) == {"a", "b", "c"} and all(0.7 < v < 0.85 for v in m.levels.values())


def test_clipping_instead_of_wrapping() -> None:
    loud = np.full(FRAME, 30000, dtype=np.int16)
    m = mix({"a": loud, "b": loud})
    assert m.listeners.max() == 32767 and m.listeners.dtype == np.int16
    assert m.minus_one["a"].max() == 30000


def test_nobody_speaking_is_silence() -> None:
    m = mix({})
    assert not m.listeners.any() and m.minus_one == {} and m.levels == {}
    assert level(SILENCE) == 0.0


def test_level_scale() -> None:
    assert level(tone(440, amp=1.0)) > 0.95
    assert 0.3 < level(tone(440, amp=0.02)) < 0.7
    assert level(np.full(FRAME, 10, dtype=np.int16)) == 0.0
