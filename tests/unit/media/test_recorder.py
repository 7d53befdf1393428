"""The segmented recorder on real files: complete segments, nothing half-written, errors kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from roomcast.media import recorder as rec
from roomcast.media.mixer import FRAME, RATE


def tone_frames(seconds: float, freq: float = 440.0) -> list[np.ndarray]:
    n = int(seconds * RATE / FRAME)
    t = np.arange(n * FRAME) / RATE
    pcm = (0.3 * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)
    return [pcm[i * FRAME : (i + 1) * FRAME] for i in range(n)]


def read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, RATE)
        return np.frombuffer(w.readframes(w.getnframes()), np.int16)


def test_segments_hold_exactly_what_was_recorded(tmp_path: Path) -> None:
    frames = tone_frames(12.0)
    r = rec.Recorder(tmp_path, segment_seconds=5.0)
    for f in frames:
        r.add(f)
    done = r.close()
    assert [p.name for p in done] == ["seg-000000.wav", "seg-000001.wav", "seg-000002.wav"]
    assert [len(read(p)) / RATE for p in done] == [5.0, 5.0, 2.0]
    np.testing.assert_array_equal(np.concatenate([read(p) for p in done]), np.concatenate(frames))
    assert r.errors == 0


def test_a_resumed_recording_continues_and_leftovers_go(tmp_path: Path) -> None:
    first = rec.Recorder(tmp_path, segment_seconds=1.0)
    for f in tone_frames(2.0):
        first.add(f)
    first.close()
    (tmp_path / ".seg-000002.wav.tmp").write_bytes(b"half a segment")  # a crash mid-write
    second = rec.Recorder(tmp_path, segment_seconds=1.0)
    for f in tone_frames(1.0):
        second.add(f)
    names = [p.name for p in second.close()]
    assert names == ["seg-000000.wav", "seg-000001.wav", "seg-000002.wav"]
    assert not list(tmp_path.glob(".seg-*"))


def test_a_failing_disk_loses_a_segment_not_the_recording(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = rec.write_segment
    calls = {"n": 0}

    def flaky(folder: Path, index: int, pcm: bytes, side: rec.Sidecar | None = None) -> Path:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real(folder, index, pcm, side)

    monkeypatch.setattr(rec, "write_segment", flaky)
    r = rec.Recorder(tmp_path, segment_seconds=1.0)
    for f in tone_frames(3.0):
        r.add(f)
    done = r.close()
    assert r.errors == 1
    assert [p.name for p in done] == ["seg-000000.wav", "seg-000002.wav"]


def test_sigkill_keeps_every_finished_segment(tmp_path: Path) -> None:
    """A real process records in real time and is killed: what was finished is on disk."""
    script = textwrap.dedent(f"""
        import sys, time
        import numpy as np
        from pathlib import Path
        from roomcast.media.recorder import Recorder
        r = Recorder(Path({str(tmp_path)!r}), segment_seconds=0.5)
        frame = (np.ones(960) * 1000).astype(np.int16)
        start = time.monotonic()
        print("started", flush=True)
        n = 0
        while True:
            n += 1
            r.add(frame)
            time.sleep(max(0, start + n * 0.02 - time.monotonic()))
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, env={**os.environ}
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"started"
    time.sleep(2.6)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    done = rec.segments(tmp_path)
    assert len(done) >= 3  # ~2.6 s recorded: at most the segment being filled is lost
    for p in done:
        assert len(read(p)) == RATE // 2  # each one complete
    rec.discard_partial(tmp_path)
    assert not list(tmp_path.glob(".seg-*"))


def test_sidecars_hold_speaker_runs_and_topics(tmp_path: Path) -> None:
    r = rec.Recorder(tmp_path, segment_seconds=1.0)  # 50 frames per segment
    frames = tone_frames(1.5)
    for i, f in enumerate(frames):
        talking = 10 <= i < 20 or 45 <= i < 60  # the second run spans two segments
        r.add(f, {"u1": 0.8 if talking else 0.0, "u2": 0.1})  # u2: below speech
        if i == 30:
            r.mark("Second topic")
    done = r.close()
    first, second = rec.sidecar(done[0]), rec.sidecar(done[1])
    assert first.speakers == {"u1": [[10, 20], [45, 50]]}
    assert first.topics == [(31, "Second topic")]  # from the next frame on
    assert second.speakers == {"u1": [[0, 10]]} and second.topics == []


def test_a_damaged_sidecar_costs_labels_not_the_recording(tmp_path: Path) -> None:
    r = rec.Recorder(tmp_path, segment_seconds=1.0)
    for f in tone_frames(1.0):
        r.add(f, {"u1": 0.9})
    [seg] = r.close()
    seg.with_suffix(".json").write_text('{"speakers": {"u1": [[5, 2], "x", [1]]}, "topics": 7')
    assert rec.sidecar(seg) == rec.Sidecar()
    seg.with_suffix(".json").write_text("{not json")
    assert rec.sidecar(seg) == rec.Sidecar()
    seg.with_suffix(".json").unlink()
    assert rec.sidecar(seg) == rec.Sidecar()
