"""Speech quality through the real engine under packet loss: PESQ-WB, STOI, mouth-to-ear.

One speaker peer and one listener peer (aiortc, loopback) in a room of the in-process
engine. The speaker plays a speech file (espeak-ng) in real time; a seeded fraction of RTP
packets is dropped on the listener's downlink (before its receiver sees them) or, in a
separate run, on the speaker's uplink (as its transport sends them). What the listener hears
is scored against the source with PESQ-WB (ITU-T P.862.2, the `pesq` package) and STOI
(`pystoi`), beside the codec-only ceiling (the file through one Opus encode/decode at the
room's bitrate) and a wrong-signal control (a different sentence scored against the source).

Both peers model a browser, not aiortc's defaults:
- the listener decodes with media/playout.py's concealing path, on its own 20 ms clock (a
  lost packet is rebuilt from the next one's in-band FEC if it carries some, else concealed
  with Opus PLC, as Chrome's NetEq does; NetEq's time stretching is not modelled);
- the speaker encodes with libopus and, as Chrome does, adds in-band FEC only when the
  server's answer says `useinbandfec=1`, with the expected loss taken from the server's
  RTCP receiver reports (read once a second through the sender's getStats()), at the
  answer's `maxaveragebitrate` (32 kbit/s, Chrome's mono default, where it has none).

Mouth-to-ear is when a sample reaches the listener's output minus when the speaker's track
produced it (one machine clock), found by cross-correlation.

    .venv/bin/python bench/quality.py [--losses 0 2 5 10] [--seconds 8] [--hop both]
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import numpy as np
from aiortc.mediastreams import MediaStreamTrack
from pesq import pesq
from pystoi import stoi
from scipy.signal import correlate, resample_poly

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: tests' helpers

from tests.audio_probe import speech_wav
from tests.media_helpers import ClientPeer, Ear, drop_received, drop_sent, loopback_only

from common import report
from roomcast.media import LocalMediaEngine, SessionDescription, rtc_configuration
from roomcast.media import profile as profiles
from roomcast.media.opus import Decoder, Encoder
from roomcast.media.playout import FRAME

RATE = 48_000
BITRATE = 32_000  # the server's speech mixes (ROOMCAST_MEDIA_BITRATE's default)
BROWSER_BITRATE = 32_000  # what Chrome sends of mono Opus unless asked otherwise
WARMUP = 3.0  # seconds of silence first: ICE, DTLS, the first receiver reports
TEXTS = [
    "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
    "It is easy to tell the depth of a well. These days a chicken leg is a rare dish. "
    "Rice is often served in round bowls. The juice of lemons makes fine punch.",
    "A king ruled the state in the early days. The ship was torn apart on the sharp reef. "
    "Sickness kept him home the third week. The wide road shimmered in the hot sun.",
]


def load(path: Path) -> np.ndarray:
    chunks = []
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        for frame in container.decode(audio=0):
            chunks += [f.to_ndarray()[0] for f in resampler.resample(frame)]
    pcm = np.concatenate(chunks).astype(np.float64)
    pcm *= 0.5 * 32767 / max(1.0, np.abs(pcm).max())  # peaks at -6 dBFS
    return pcm.astype(np.int16)


class SpeakerTrack(MediaStreamTrack):
    """Silence for WARMUP, then the speech, then silence: pre-encoded Opus, real time."""

    kind = "audio"

    def __init__(self, speech: np.ndarray) -> None:
        super().__init__()
        lead = np.zeros(int(WARMUP * RATE), np.int16)
        self.pcm = np.concatenate([lead, speech, np.zeros(RATE, np.int16)])
        self.encoder = Encoder(1, BROWSER_BITRATE)
        self.fec = False
        self.t0: float | None = None  # loop time of sample 0
        self.n = 0

    def set_loss(self, percent: int) -> None:
        self.encoder.set_fec(self.fec, percent)

    async def recv(self) -> av.Packet:
        loop = asyncio.get_running_loop()
        if self.t0 is None:
            self.t0 = loop.time()
        else:
            self.n += FRAME
            await asyncio.sleep(max(0.0, self.t0 + self.n / RATE - loop.time()))
        chunk = self.pcm[self.n : self.n + FRAME]
        chunk = np.pad(chunk, (0, FRAME - chunk.size))
        packet = av.Packet(self.encoder.encode(chunk))
        packet.pts, packet.time_base = self.n, fractions.Fraction(1, RATE)
        return packet


async def follow_receiver_reports(peer: ClientPeer, track: SpeakerTrack) -> None:
    """As a browser's encoder does: expected loss from what the far end reports (smoothed
    as the engine smooths its listeners' reports; Chrome's own filter differs in detail)."""
    estimate, seen = 0.0, None
    while True:
        await asyncio.sleep(0.25)
        stats = await peer.transceiver.sender.getStats()
        for s in stats.values():
            new = s.type == "remote-inbound-rtp" and s.timestamp != seen  # a new report
            if new and s.fractionLost is not None:
                seen = s.timestamp
                estimate = profiles.smoothed(estimate, s.fractionLost)
                track.set_loss(profiles.expected_loss([estimate]))


async def one_run(speech: np.ndarray, hop: str, loss: float, seed: int) -> dict[str, Any]:
    loopback_only()
    engine = LocalMediaEngine(rtc_configuration([], None, None))
    rng = random.Random(seed)  # noqa: S311 - a seeded loss pattern, not a secret
    track = SpeakerTrack(speech)
    speaker, listener = ClientPeer(track), ClientPeer()

    def via(peer_id: str, can_speak: bool) -> Callable[[SessionDescription], Any]:
        async def connect(offer: SessionDescription) -> SessionDescription:
            answer = await engine.connect("q", peer_id, offer, can_speak)
            if can_speak:  # as a browser: FEC if the answer asks for it, at the rate it asks
                track.fec = "useinbandfec=1" in answer.sdp
                asked = re.search(r"maxaveragebitrate=(\d+)", answer.sdp)
                track.encoder.set_bitrate(int(asked.group(1)) if asked else BROWSER_BITRATE)
                track.set_loss(0)
            return answer

        return connect

    ear = Ear(listener)  # a browser's receive path: FEC, concealment, its own clock
    watcher: asyncio.Task[None] | None = None
    try:
        await listener.join(via("listener", False))
        await speaker.join(via("speaker", True))
        if hop == "down":
            drop_received(listener, loss, rng)
        else:
            drop_sent(speaker, loss, rng)
        watcher = asyncio.create_task(follow_receiver_reports(speaker, track))
        total = track.pcm.size / RATE
        async with asyncio.timeout(total + 30):
            while track.t0 is None or asyncio.get_running_loop().time() < track.t0 + total:
                await asyncio.sleep(0.1)
        stats = engine.stats("q")
        assert stats is not None
        uplink = engine.rooms["q"].peers["speaker"].playout.stats
        server = {k: getattr(uplink, k) for k in ("recovered", "concealed", "stretched")}
        server["expected_loss"] = stats.expected_loss
        late = stats.late_ticks
    finally:
        if watcher is not None:
            watcher.cancel()
        await ear.close()
        await asyncio.gather(speaker.close(), listener.close())
        await engine.close()
    assert track.t0 is not None and ear.t0 is not None
    heard = np.concatenate(ear.frames).astype(np.float64)
    return {
        "heard": heard,
        "offset": round((track.t0 - ear.t0) * RATE),  # where sample 0 would be with no delay
        "source": track.pcm.astype(np.float64),
        "playout": ear.playout.stats,
        "late_ticks": late,
        "server": server,
    }


def align(source: np.ndarray, heard: np.ndarray, offset: int, n: int) -> tuple[np.ndarray, int]:
    """The `n` samples of `heard` matching the source's speech, and the delay in samples."""
    start = int(WARMUP * RATE)
    ref = source[start : start + n]
    region = heard[max(0, offset + start) :]
    corr = correlate(region[: ref.size + RATE], ref, mode="valid", method="fft")
    lag = int(np.argmax(corr))
    delay = max(0, offset + start) + lag - (offset + start)
    got = region[lag : lag + ref.size]
    return np.pad(got, (0, ref.size - got.size)), delay


def scores(ref48: np.ndarray, deg48: np.ndarray) -> tuple[float, float]:
    ref, deg = resample_poly(ref48, 1, 3), resample_poly(deg48, 1, 3)
    peak = max(1.0, np.abs(ref).max())
    ref, deg = ref / peak, deg / peak
    return float(pesq(16_000, ref, deg, "wb")), float(stoi(ref, deg, 16_000))


def codec_only(speech: np.ndarray) -> np.ndarray:
    enc, dec = Encoder(1, BITRATE), Decoder(1)
    pad = np.pad(speech, (0, FRAME - speech.size % FRAME))
    out = np.concatenate(
        [dec.decode(enc.encode(pad[i : i + FRAME])) for i in range(0, pad.size, FRAME)]
    )
    lag = int(
        np.argmax(correlate(out[: speech.size].astype(float), speech.astype(float)[:RATE], "valid"))
    )
    return out[lag : lag + speech.size].astype(np.float64)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--losses", type=float, nargs="+", default=[0, 2, 5, 10], help="percent")
    parser.add_argument("--seconds", type=float, default=0, help="cut the speech (0: all of it)")
    parser.add_argument("--hop", choices=["down", "up", "both"], default="both")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        speech = load(speech_wav(Path(tmp) / "a.wav", TEXTS[0]))
        other = load(speech_wav(Path(tmp) / "b.wav", TEXTS[1], voice="en-us"))
    if args.seconds:
        speech = speech[: int(args.seconds * RATE)]
    other = np.resize(other, speech.size)
    ceiling = scores(speech.astype(float), codec_only(speech))
    control = scores(speech.astype(float), other.astype(float))
    print(f"speech: {speech.size / RATE:.1f} s; libopus {BITRATE // 1000} kbit/s")
    print(f"codec only: PESQ-WB {ceiling[0]:.2f}, STOI {ceiling[1]:.3f}")
    print(f"wrong signal (control): PESQ-WB {control[0]:.2f}, STOI {control[1]:.3f}")
    hops = ["down", "up"] if args.hop == "both" else [args.hop]
    rows: list[dict[str, Any]] = []
    base_delay: float | None = None
    print(
        "hop   loss  PESQ-WB  STOI   delay_ms  listener: recovered concealed stretched skipped"
        "  server: recovered concealed stretched  late_ticks"
    )
    for hop in hops:
        for loss in args.losses:
            if loss == 0 and hop == "up" and "down" in hops:
                continue  # the same run as 0 % down
            t = time.perf_counter()
            run = asyncio.run(one_run(speech, hop, loss / 100, args.seed))
            got, delay = align(run["source"], run["heard"], run["offset"], speech.size)
            p, s = scores(speech.astype(float), got)
            delay_ms = 1000 * delay / RATE
            if loss == 0:
                base_delay = delay_ms
            st = run["playout"]
            row = {
                "hop": "none" if loss == 0 else hop,
                "loss_pct": loss,
                "pesq_wb": round(p, 2),
                "stoi": round(s, 3),
                "delay_ms": round(delay_ms, 1),
                "delay_growth_ms": None if base_delay is None else round(delay_ms - base_delay, 1),
                "listener_recovered": st.recovered,
                "listener_concealed": st.concealed,
                "listener_stretched": st.stretched,
                "server_recovered": run["server"]["recovered"],
                "server_concealed": run["server"]["concealed"],
                "server_stretched": run["server"]["stretched"],
                "late_ticks": run["late_ticks"],
                "run_s": round(time.perf_counter() - t, 1),
            }
            rows.append(row)
            print(
                f"{row['hop']:5} {loss:4g}%  {p:7.2f}  {s:5.3f}  {delay_ms:8.1f}  "
                f"{st.recovered:19d} {st.concealed:9d} {st.stretched:9d} {st.skipped:7d}"
                f"  {run['server']['recovered']:17d} {run['server']['concealed']:9d}"
                f" {run['server']['stretched']:9d}"
                f"  {run['late_ticks']:10d}"
            )
    report(
        "quality",
        {
            "command": "bench/quality.py "
            + " ".join(
                [f"--losses {' '.join(f'{x:g}' for x in args.losses)}", f"--hop {args.hop}"]
                + ([f"--seconds {args.seconds:g}"] if args.seconds else [])
            ),
            "speech_s": round(speech.size / RATE, 1),
            "bitrate": BITRATE,
            "codec_only": {"pesq_wb": round(ceiling[0], 2), "stoi": round(ceiling[1], 3)},
            "wrong_signal": {"pesq_wb": round(control[0], 2), "stoi": round(control[1], 3)},
            "runs": rows,
        },
    )


if __name__ == "__main__":
    main()
