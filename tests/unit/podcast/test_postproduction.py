"""Post-production on real files: loudness and peaks by an independent meter (ffmpeg's
CLI), trimming, damaged segments, failing writes, and the limiter's guarantee."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from roomcast.media.mixer import FRAME, RATE
from roomcast.media.recorder import Sidecar, segments, write_segment
from roomcast.podcast import loudness, postproduction
from tests.podcast_helpers import ffmpeg_r128, ffprobe_duration


def speechlike(seconds: float, seed: int = 1) -> np.ndarray:
    """Noise bursts shaped like syllables, with sharp peaks: hard on a limiter."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    x = rng.standard_normal(n) * 0.08
    envelope = (np.sin(2 * np.pi * 3.0 * np.arange(n) / RATE) > 0.2).astype(float)
    x = x * envelope
    x[:: RATE // 7] = 0.95  # clicks: inter-sample peaks
    return (np.clip(x, -1, 1) * 32767).astype(np.int16)


def record(folder: Path, pcm: np.ndarray, seconds_per_segment: float = 5.0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    per = int(seconds_per_segment * RATE)
    for i, a in enumerate(range(0, len(pcm), per)):
        write_segment(folder, i, pcm[a : a + per].tobytes(), Sidecar())


def test_the_limiter_never_passes_the_ceiling() -> None:
    rng = np.random.default_rng(3)
    y = (rng.standard_normal(RATE * 2) * 0.5).astype(np.float32)
    ceiling = 10 ** (-1.5 / 20)
    env = loudness.maximum_filter1d(loudness.peaks(y), 2 * loudness.WINDOW + 1, mode="nearest")
    out = y * loudness.limiter_gain(env, 1.0, ceiling)
    assert float(loudness.peaks(out).max()) <= ceiling * 1.01  # 4x-oversampled peaks
    quiet = y * 0.01
    env_q = loudness.maximum_filter1d(loudness.peaks(quiet), 2 * loudness.WINDOW + 1)
    assert np.allclose(loudness.limiter_gain(env_q, 1.0, ceiling), 1.0)  # below: untouched


def test_chunked_processing_equals_the_whole() -> None:
    x = speechlike(3.0).astype(np.float32) / 32768

    def read(a: int, b: int) -> np.ndarray:
        return x[a:b]

    env = np.concatenate([e for _, e in loudness.peak_envelope(read, 0, len(x), chunk=7001)])
    whole = np.concatenate([e for _, e in loudness.peak_envelope(read, 0, len(x), chunk=len(x))])
    np.testing.assert_allclose(env, whole, rtol=1e-6)

    def envelope(a: int, b: int) -> np.ndarray:
        return env[a:b]

    small = list(loudness.normalized(read, envelope, 0, len(x), 3.0, -1.0, chunk=5003))
    big = list(loudness.normalized(read, envelope, 0, len(x), 3.0, -1.0, chunk=len(x)))
    np.testing.assert_allclose(np.concatenate(small), np.concatenate(big), rtol=1e-5, atol=1e-7)


def test_produce_trims_normalises_and_keeps_the_timeline(tmp_path: Path) -> None:
    pcm = np.concatenate(
        [np.zeros(RATE * 3, np.int16), speechlike(12.0), np.zeros(RATE * 4, np.int16)]
    )
    rec = tmp_path / "rec"
    record(rec, (pcm * 0.2).astype(np.int16))
    # a topic marked 5 s into the recording, i.e. 2 s into the sound
    side = Sidecar(speakers={"u7": [[150, 400]]}, topics=[(250, "Second")])  # frames of 20 ms
    write_segment(rec, 0, (pcm[: 5 * RATE] * 0.2).astype(np.int16).tobytes(), side)
    made = postproduction.produce(rec, tmp_path / "ep" / "audio.mp3")
    assert abs(made.duration - (12.0 + 2 * postproduction.PAD_SECONDS)) < 0.1
    assert abs(ffprobe_duration(made.path) - made.duration) < 0.1
    i, tp = ffmpeg_r128(made.path)
    assert abs(i - -16.0) <= 1.0 and tp <= -1.0, (i, tp)
    assert abs(made.loudness - i) < 0.3  # what the server stores is what apps will hear
    [(at, title)] = made.timeline.topics
    assert title == "Second" and abs(at - (5.0 - 3.0 + postproduction.PAD_SECONDS)) < 0.05
    [(a, b)] = made.timeline.speakers["u7"]
    assert abs(a - (150 * FRAME / RATE - 3.0 + postproduction.PAD_SECONDS)) < 0.05
    assert not [p for p in (tmp_path / "ep").iterdir() if p.name.startswith(".")]


def test_damaged_segments_are_skipped_not_fatal(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    record(rec, speechlike(15.0))
    done = segments(rec)
    done[1].write_bytes(b"RIFF\x00\x00garbage")  # corrupt
    done[2].write_bytes(b"")  # zero length
    made = postproduction.produce(rec, tmp_path / "audio.mp3")
    assert made.skipped == [done[1].name, done[2].name]
    assert 4.5 < made.duration < 6.0  # only the first segment was usable
    assert segments(rec) == done  # the recording is never modified


def test_nothing_usable_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(postproduction.NothingRecorded, match="Nothing was recorded"):
        postproduction.produce(empty, tmp_path / "a.mp3")
    silent = tmp_path / "silent"
    record(silent, np.zeros(RATE * 6, np.int16))
    with pytest.raises(postproduction.NothingRecorded, match="silent"):
        postproduction.produce(silent, tmp_path / "b.mp3")
    assert not list(tmp_path.glob("*.mp3")) and not list(tmp_path.glob(".*"))


def test_a_failing_write_leaves_no_half_episode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = tmp_path / "rec"
    record(rec, speechlike(8.0))
    real = postproduction.encode
    out = tmp_path / "ep" / "audio.mp3"

    def disk_full(chunks, f, options):  # type: ignore[no-untyped-def]
        real(list(chunks)[:1], f, options)
        raise OSError(28, os.strerror(28))

    monkeypatch.setattr(postproduction, "encode", disk_full)
    with pytest.raises(OSError, match="No space left"):
        postproduction.produce(rec, out)
    assert not out.exists() and not [p for p in out.parent.iterdir()]
    assert len(segments(rec)) == 2  # the recording is intact for a retry
    monkeypatch.setattr(postproduction, "encode", real)
    assert postproduction.produce(rec, out).bytes == out.stat().st_size
