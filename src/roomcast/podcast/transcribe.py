"""Offline speech to text behind a small interface.

The default engine is PocketSphinx: its US English model ships inside its wheel, so nothing
is downloaded at run time. Its accuracy is modest; a deployment with a larger engine (say
faster-whisper) installed can plug it in through `Transcriber`. Rooms in a language no
engine supports get no transcript, and the episode page says so.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import av

SAMPLE_RATE = 16_000


@dataclass(frozen=True, slots=True)
class Recognized:
    start: float  # seconds from the start of the audio
    end: float
    text: str


class Transcriber(Protocol):
    name: str

    def supports(self, language: str) -> bool: ...

    def transcribe(self, audio: Path) -> list[Recognized]: ...


def pcm16k(audio: Path) -> bytes:
    """Any audio file ffmpeg reads, as 16 kHz mono 16-bit PCM (what recognisers take)."""
    out = bytearray()
    with av.open(str(audio), "r") as container:
        resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        for frame in container.decode(audio=0):
            for chunk in resampler.resample(frame):
                out += bytes(chunk.planes[0])[: chunk.samples * 2]
        for chunk in resampler.resample(None):
            out += bytes(chunk.planes[0])[: chunk.samples * 2]
    return bytes(out)


class PocketSphinx:
    """CMU PocketSphinx with its bundled en-US model: speech found by its voice activity
    detector, each stretch decoded on its own (memory stays flat over hours)."""

    name = "pocketsphinx"
    FRAMES_PER_SECOND = 100  # the decoder's frame rate for word times

    def supports(self, language: str) -> bool:
        return language.lower().split("-")[0] == "en"

    def transcribe(self, audio: Path) -> list[Recognized]:
        from pocketsphinx import Decoder, Segmenter  # a large import: only in the worker

        decoder = Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")
        words: list[Recognized] = []
        # The detector ends a stretch of speech only at a pause: a room that ended
        # mid-sentence would lose its last stretch (or all of it). A second of silence
        # after the end closes it; word times are unchanged.
        pcm = pcm16k(audio) + bytes(2 * SAMPLE_RATE)
        for stretch in Segmenter(sample_rate=SAMPLE_RATE).segment(io.BytesIO(pcm)):
            decoder.start_utt()
            decoder.process_raw(stretch.pcm, full_utt=True)
            decoder.end_utt()
            words.extend(self._words(decoder, float(stretch.start_time)))
        return words

    def _words(self, decoder: object, offset: float) -> Iterator[Recognized]:
        for seg in decoder.seg():  # type: ignore[attr-defined]
            word = str(seg.word)
            if word.startswith(("<", "[")):  # <s>, </s>, <sil>, [NOISE]
                continue
            word = word.split("(")[0]  # "the(2)": a pronunciation variant
            yield Recognized(
                offset + seg.start_frame / self.FRAMES_PER_SECOND,
                offset + (seg.end_frame + 1) / self.FRAMES_PER_SECOND,
                word,
            )


ENGINES: dict[str, type[PocketSphinx]] = {"pocketsphinx": PocketSphinx}


def engine(name: str) -> Transcriber | None:
    """The configured engine; "none" (or an unknown name) turns transcripts off."""
    cls = ENGINES.get(name)
    return cls() if cls else None
