"""Pure podcast rules: chapters from topics or turns, captions, formats, publishing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from roomcast.domain import podcasts as p
from roomcast.domain.model import RoomId, UserId
from roomcast.errors import Conflict, Forbidden

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def episode(status: p.EpisodeStatus = p.EpisodeStatus.PUBLISHED) -> p.Episode:
    return p.Episode(
        id="e1",
        room_id=RoomId("r1"),
        user_id=UserId(1),
        title="T",
        notes="",
        language="en",
        status=status,
        created_at=NOW,
        updated_at=NOW,
        published_at=NOW if status is p.EpisodeStatus.PUBLISHED else None,
    )


def test_topics_make_chapters_and_an_early_first_topic_opens_the_show() -> None:
    got = p.chapters([(0.4, "Intro"), (95.0, "Q&A")], {}, {}, "Title")
    assert got == [p.Chapter(0.0, "Intro"), p.Chapter(95.0, "Q&A")]
    got = p.chapters([(60.0, "Later")], {}, {}, "Title")
    assert got == [p.Chapter(0.0, "Title"), p.Chapter(60.0, "Later")]
    assert p.chapters([(60.0, "A"), (60.0, "B")], {}, {}, "T")[-1].title == "B"


def test_without_topics_long_speaker_turns_make_chapters() -> None:
    speakers = {
        "u1": [(0.0, 20.0), (20.5, 50.0), (120.0, 125.0)],  # a long turn, then a short one
        "u2": [(50.0, 110.0)],
    }
    got = p.chapters([], speakers, {"u1": "Ann", "u2": "Bob"}, "Title")
    assert got == [p.Chapter(0.0, "Ann"), p.Chapter(50.0, "Bob")]
    assert p.chapters([], {}, {}, "Title") == [p.Chapter(0.0, "Title")]


def test_chapters_json_is_podcasting_2_0() -> None:
    doc = p.chapters_json([p.Chapter(0.0, "A"), p.Chapter(12.5, "B")], "Show")
    assert doc == {
        "version": "1.2.0",
        "title": "Show",
        "chapters": [{"startTime": 0.0, "title": "A"}, {"startTime": 12.5, "title": "B"}],
    }


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


def test_duration_text() -> None:
    assert p.duration_text(0) == "00:00:00"
    assert p.duration_text(3725.6) == "01:02:06"


def test_publishing_rules() -> None:
    with pytest.raises(Conflict):
        p.publish(episode(p.EpisodeStatus.PROCESSING), True, NOW)
    hidden = p.publish(episode(), False, NOW)
    assert hidden.status is p.EpisodeStatus.UNPUBLISHED and hidden.published_at == NOW
    later = datetime(2026, 12, 1, tzinfo=UTC)
    again = p.publish(hidden, True, later)
    assert again.is_public and again.published_at == NOW  # first publication date kept


def test_only_the_owner_may_change() -> None:
    from roomcast.domain.model import User

    other = User(UserId(2), "b", "B", "", False, NOW)
    with pytest.raises(Forbidden):
        p.check_owner(episode(), other)
