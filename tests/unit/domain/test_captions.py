"""Captions: cues by speaker, pause and length; WebVTT and SRT escaped and labelled."""

from __future__ import annotations

from roomcast.domain import captions as p


def test_cues_split_on_speaker_pause_and_length() -> None:
    words = [p.Word(i * 0.3, i * 0.3 + 0.25, f"w{i}") for i in range(20)]
    words.append(p.Word(10.0, 10.3, "later"))  # after a pause
    speakers = {"u1": [(0.0, 3.0)], "u2": [(3.0, 12.0)]}
    cues = p.cues(words, speakers, {"u1": "Ann", "u2": "Bob"})
    assert [c.speaker for c in cues] == ["Ann", "Bob", "Bob"]
    assert cues[0].text.split() == [f"w{i}" for i in range(10)]
    assert cues[-1].text == "later"
    long = [p.Word(i * 0.2, i * 0.2 + 0.1, "x") for i in range(40)]
    assert all(len(c.text.split()) <= p.MAX_CUE_WORDS for c in p.cues(long, {}, {}))


def test_webvtt_and_srt_escape_and_label() -> None:
    cues = [p.Cue(0.0, 1.5, "A <b> & c", "x < y --> z"), p.Cue(3661.25, 3662.0, None, "end")]
    vtt = p.webvtt(cues)
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\n")
    assert "<v A b &amp; c>x &lt; y" in vtt
    assert "x &lt; y -&gt; z" in vtt
    assert "01:01:01.250 --> 01:01:02.000" in vtt
    srt = p.srt(cues)
    assert srt.startswith("1\n00:00:00,000 --> 00:00:01,500\nA <b> & c: x < y -> z\n")


def test_webvtt_reads_back() -> None:
    from roomcast.domain.captions import Cue, read_webvtt, webvtt

    cues = [
        Cue(0.0, 2.5, "Maya <M> & co", "hello there"),
        Cue(2.5, 4.0, None, "a < b & c > d"),
        Cue(3661.25, 3662.0, None, "an hour in"),
    ]
    back = read_webvtt(webvtt(cues))
    assert [(c.start, c.end, c.speaker, c.text) for c in back] == [
        (0.0, 2.5, "Maya M & co", "hello there"),
        (2.5, 4.0, None, "a < b & c > d"),
        (3661.25, 3662.0, None, "an hour in"),
    ]
    assert read_webvtt("WEBVTT\n\nnot a cue\n") == []
