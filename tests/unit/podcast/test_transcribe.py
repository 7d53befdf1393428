"""Speech to text (PocketSphinx, its model from its wheel) on real speech from espeak-ng."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from roomcast.podcast.transcribe import PocketSphinx, engine
from tests.audio_probe import speech_wav

SPEECH = "Welcome to the show. Today we talk about podcasts and the open web."


def _cut_to_the_speech(src: Path, dst: Path) -> Path:
    """The speech with no silence before or after it: a room that ended mid-sentence."""
    with wave.open(str(src)) as w:
        rate, pcm = w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), np.int16)
    loud = np.flatnonzero(np.abs(pcm) > 1000)
    with wave.open(str(dst), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm[loud[0] : loud[-1]].tobytes())
    return dst


FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_speech_that_runs_to_the_very_end_is_transcribed() -> None:
    """An episode made by the browser test (a WAV microphone in Chromium): 10.9 s of speech
    from the first moment to the last, the room ended mid-sentence. PocketSphinx's voice
    activity detector closes a stretch only at a pause, so it found nothing at all here."""
    words = PocketSphinx().transcribe(FIXTURES / "room_ended_mid_sentence.mp3")
    assert len(words) >= 10
    assert {"show", "today", "web", "audience"} & {w.text for w in words}
    assert all(0 <= w.start < w.end <= 11.5 for w in words)
    assert words == sorted(words, key=lambda w: w.start)


def test_speech_with_pauses_and_an_abrupt_end(tmp_path: Path) -> None:
    wav = _cut_to_the_speech(
        speech_wav(tmp_path / "s.wav", SPEECH, "en-us", 140), tmp_path / "c.wav"
    )
    words = PocketSphinx().transcribe(wav)
    assert len(words) >= 5 and "open" in {w.text for w in words}


def test_engines() -> None:
    found = engine("pocketsphinx")
    assert found is not None and found.supports("en-GB") and not found.supports("fr")
    assert engine("none") is None
