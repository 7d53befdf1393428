"""Post-production of a long recording: join, trim, measure, gain, limit, MP3.

Generates a recording of speech (espeak-ng, looped with pauses and level changes) as 5 s
segments, then times `produce()` and checks the result with ffmpeg's own ebur128 meter.

    .venv/bin/python bench/postproduction.py --minutes 60
    .venv/bin/python bench/postproduction.py --minutes 3 --transcribe
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: tests' helpers

from tests.podcast_helpers import ffmpeg_r128

from common import report
from roomcast.media.mixer import RATE
from roomcast.media.recorder import SEGMENT_SECONDS, Sidecar, write_segment
from roomcast.podcast.postproduction import produce
from roomcast.podcast.transcribe import PocketSphinx

TEXT = (
    "Welcome back to the room. Today we talk about podcasts and the open web. "
    "Who owns the feed when the platform goes away? The creator should. "
    "Let us take a question from the audience, and then move on to the next topic."
)


def speech(folder: Path) -> np.ndarray:
    wav = folder / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), TEXT], check=True)
    subprocess.run(
        ["sox", str(wav), "-r", str(RATE), "-c", "1", "-b", "16", str(folder / "s48.wav")],
        check=True,
    )
    with wave.open(str(folder / "s48.wav")) as w:
        return np.frombuffer(w.readframes(w.getnframes()), np.int16)


def make_recording(folder: Path, minutes: float) -> int:
    base = speech(folder.parent)
    total = int(minutes * 60 * RATE)
    per = int(SEGMENT_SECONDS * RATE)
    rng = np.random.default_rng(7)
    loop: list[np.ndarray] = []
    while sum(len(p) for p in loop) < per * 4:
        level = rng.uniform(0.2, 0.9)  # speakers at different distances from the mic
        loop += [
            (base * level).astype(np.int16),
            np.zeros(int(rng.uniform(0.2, 1.5) * RATE), np.int16),
        ]
    pattern = np.concatenate(loop)
    folder.mkdir(parents=True)
    n = 0
    for i, a in enumerate(range(0, total, per)):
        b = min(total, a + per)
        idx = np.arange(a, b) % len(pattern)
        write_segment(folder, i, pattern[idx].tobytes(), Sidecar(speakers={"u:1": [[0, 10]]}))
        n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--transcribe", action="store_true", help="also time PocketSphinx")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rec = Path(tmp) / "rec"
        t = time.perf_counter()
        n = make_recording(rec, args.minutes)
        print(
            f"recording: {args.minutes:.0f} min in {n} segments (made in {time.perf_counter() - t:.1f} s)"
        )
        t0, c0 = time.perf_counter(), time.process_time()
        done = produce(rec, Path(tmp) / "out" / "audio.mp3")
        wall = time.perf_counter() - t0
        print(f"produce: {wall:.1f} s wall ({time.process_time() - c0:.1f} s CPU in this process)")
        print(
            f"  {done.duration / 60:.1f} min, {done.bytes / 1e6:.1f} MB, "
            f"produce() measured {done.loudness:.2f} LUFS / {done.true_peak:.2f} dBTP"
        )
        i, tp = ffmpeg_r128(done.path)
        print(f"  the MP3 by ffmpeg ebur128: {i:.1f} LUFS integrated, {tp:.1f} dBTP true peak")
        print(f"  {args.minutes * 60 / wall:.0f}x real time")
        transcribe_s = None
        if args.transcribe:
            t = time.perf_counter()
            words = PocketSphinx().transcribe(done.path)
            transcribe_s = round(time.perf_counter() - t, 1)
            print(
                f"transcript: {len(words)} words in {transcribe_s} s "
                f"({done.duration / transcribe_s:.2f}x real time)"
            )
        report(
            "postproduction",
            {
                "command": f"bench/postproduction.py --minutes {args.minutes:g}"
                + (" --transcribe" if args.transcribe else ""),
                "minutes": args.minutes,
                "wall_s": round(wall, 1),
                "mp3_mb": round(done.bytes / 1e6, 1),
                "ffmpeg_lufs": i,
                "ffmpeg_dbtp": tp,
                "realtime_x": round(args.minutes * 60 / wall),
                "transcribe_s": transcribe_s,
            },
        )


if __name__ == "__main__":
    main()
