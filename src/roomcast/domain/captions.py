"""Captions from a transcript: words grouped into cues by speaker and pause, written as
WebVTT (with voice names) and SRT. Pure."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from roomcast.domain.podcasts import MERGE_GAP_SECONDS, Span, speaker_at, turns

MAX_CUE_SECONDS = 6.0
MAX_CUE_WORDS = 14


@dataclass(frozen=True, slots=True)
class Word:
    start: float
    end: float
    text: str


@dataclass(frozen=True, slots=True)
class Cue:
    start: float
    end: float
    speaker: str | None
    text: str
    times: tuple[float, ...] = ()  # each word's start: search links to the word said


def cues(
    words: Sequence[Word],
    speakers: Mapping[str, Sequence[Span]],
    names: Mapping[str, str],
) -> list[Cue]:
    """Group recognised words into captions: a new cue at a change of speaker, a pause,
    or when a cue grows past MAX_CUE_SECONDS or MAX_CUE_WORDS."""
    floor = turns(speakers)
    out: list[Cue] = []
    group: list[Word] = []
    who: str | None = None

    def flush() -> None:
        if group:
            key = speaker_at(group[0].start, group[-1].end, floor) if floor else None
            name = names.get(key) if key else None
            text = " ".join(w.text for w in group)
            times = tuple(round(w.start, 2) for w in group)
            out.append(Cue(group[0].start, group[-1].end, name, text, times))

    for w in words:
        here = speaker_at(w.start, w.end, floor) if floor else None
        if group and (
            here != who
            or w.start - group[-1].end > MERGE_GAP_SECONDS
            or w.end - group[0].start > MAX_CUE_SECONDS
            or len(group) >= MAX_CUE_WORDS
        ):
            flush()
            group = []
        if not group:
            who = here
        group.append(w)
    flush()
    return out


def _stamp(t: float, sep: str) -> str:
    ms = max(0, round(t * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _clean(text: str) -> str:
    # a cue's text may not hold a blank line or "-->"; voice names may not hold ">"
    return " ".join(text.replace("-->", "->").split())


def webvtt(cues: Sequence[Cue]) -> str:
    lines = ["WEBVTT", ""]
    for i, c in enumerate(cues, 1):
        lines.append(str(i))
        lines.append(f"{_stamp(c.start, '.')} --> {_stamp(c.end, '.')}")
        text = _clean(c.text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if c.speaker:
            speaker = _clean(c.speaker.replace("<", "").replace(">", "")).replace("&", "&amp;")
            text = f"<v {speaker}>{text}"
        lines += [text, ""]
    return "\n".join(lines)


def srt(cues: Sequence[Cue]) -> str:
    lines: list[str] = []
    for i, c in enumerate(cues, 1):
        lines.append(str(i))
        lines.append(f"{_stamp(c.start, ',')} --> {_stamp(c.end, ',')}")
        text = _clean(c.text)
        lines += [f"{_clean(c.speaker)}: {text}" if c.speaker else text, ""]
    return "\n".join(lines)


_TIMING = re.compile(r"^(\d+):(\d{2}):(\d{2})\.(\d{3}) --> (\d+):(\d{2}):(\d{2})\.(\d{3})")
_VOICE = re.compile(r"^<v ([^>]*)>")


def read_webvtt(vtt: str) -> list[Cue]:
    """The cues of a WebVTT file as `webvtt` writes it (for rebuilding the search index
    from transcripts kept on disk; their words' own times are not in the file)."""

    def seconds(h: str, m: str, s: str, ms: str) -> float:
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    out: list[Cue] = []
    for block in vtt.replace("\r\n", "\n").split("\n\n"):
        lines = block.strip().splitlines()
        at = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        if at is None:
            continue
        t = _TIMING.match(lines[at])
        assert t is not None
        text = " ".join(lines[at + 1 :])
        voice = _VOICE.match(text)
        speaker = html.unescape(voice.group(1)) if voice else None
        text = html.unescape(_VOICE.sub("", text))
        if text.strip():
            out.append(Cue(seconds(*t.groups()[:4]), seconds(*t.groups()[4:]), speaker, text))
    return out
