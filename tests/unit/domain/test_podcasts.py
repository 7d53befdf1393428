"""Pure podcast rules: chapters from topics or turns, formats, publishing."""

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


def test_who_may_listen_to_an_episode() -> None:
    from roomcast.errors import NotFound

    public = episode()
    assert p.may_listen(public, None) is public  # published: anyone, like the feed
    hidden = p.publish(public, False, NOW)
    assert p.may_listen(hidden, public.user_id) is hidden  # its host
    for viewer in (None, UserId(99)):
        with pytest.raises(NotFound):
            p.may_listen(hidden, viewer)
    with pytest.raises(NotFound):
        p.may_listen(None, public.user_id)
