"""Test-only instruments for real browsers: a WAV microphone and a meter on what a page hears.

The init script turns off getUserMedia's processing (so levels are the WAV's) and taps the
room page's <audio> element with an AnalyserNode: ``window.__probe`` holds a 10 ms RMS
envelope with timestamps. Nothing here ships in the product.
"""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np

from tests.tools import need_binary

PROBE_JS = """
(() => {
  const md = navigator.mediaDevices;
  const gum = md.getUserMedia.bind(md);
  md.getUserMedia = (c) => gum({audio: {echoCancellation: false, noiseSuppression: false,
                                        autoGainControl: false}});
  const probe = window.__probe = {t: [], rms: [], firstAudible: null, tapped: false};
  const tap = () => {
    const el = document.getElementById('room-audio');
    if (!el || !el.srcObject || probe.tapped) return;
    probe.tapped = true;
    const ctx = new AudioContext();
    ctx.resume();
    const an = ctx.createAnalyser();
    an.fftSize = 512;
    ctx.createMediaStreamSource(el.srcObject).connect(an);
    const buf = new Float32Array(an.fftSize);
    setInterval(() => {
      an.getFloatTimeDomainData(buf);
      let s = 0;
      for (let i = 0; i < buf.length; i++) s += buf[i] * buf[i];
      const rms = Math.sqrt(s / buf.length), now = performance.now();
      probe.t.push(now); probe.rms.push(rms);
      if (rms > 0.01 && probe.firstAudible === null) probe.firstAudible = now;
      if (probe.t.length > 6000) { probe.t.splice(0, 1000); probe.rms.splice(0, 1000); }
    }, 10);
  };
  setInterval(tap, 20);
})();
"""


def speech_wav(path: Path, text: str, voice: str = "en", speed: int = 160) -> Path:
    espeak = need_binary("espeak-ng")
    subprocess.run(
        [espeak, "-v", voice, "-s", str(speed), "-w", str(path), text],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return path


def wav_envelope(path: Path) -> np.ndarray:
    """10 ms RMS envelope of a 16-bit WAV, normalised to full scale."""
    with wave.open(str(path)) as w:
        assert w.getsampwidth() == 2
        x = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float64) / 32768
        x = x.reshape(-1, w.getnchannels()).mean(axis=1)
        rate = w.getframerate()
    hop = int(rate * 0.01)
    n = len(x) // hop
    return np.asarray(np.sqrt((x[: n * hop].reshape(n, hop) ** 2).mean(axis=1)))


def page_envelope(t_ms: list[float], rms: list[float], since_ms: float) -> np.ndarray:
    """The probe's samples after since_ms, on an exact 10 ms grid."""
    t, r = np.asarray(t_ms), np.asarray(rms)
    keep = t >= since_ms
    t, r = t[keep], r[keep]
    if t.size < 2:
        return np.zeros(0)
    grid = np.arange(t[0], t[-1], 10.0)
    return np.asarray(np.interp(grid, t, r))


def similarity(heard: np.ndarray, source: np.ndarray, window: int = 300) -> float:
    """Best Pearson correlation of the heard envelope with the looped source's, over lags."""
    if heard.size < window or heard.std() < 1e-4:
        return 0.0
    src = np.tile(source, 3 + window // max(1, source.size))
    seg = heard[-window:]
    best = -1.0
    for k in range(0, min(src.size - window, source.size + window)):
        part = src[k : k + window]
        if part.std() > 0:
            best = max(best, float(np.corrcoef(part, seg)[0, 1]))
    return best


async def heard_envelope(page, seconds: float) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Let the page listen for `seconds`, then return what it heard in that time."""
    import asyncio

    start = await page.evaluate("performance.now()")
    await asyncio.sleep(seconds)
    probe = await page.evaluate("({t: window.__probe.t, rms: window.__probe.rms})")
    return page_envelope(probe["t"], probe["rms"], start)
