"""Events and notices as tables: states, who may change them, times in zones across DST."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from roomcast.domain import events as rules
from roomcast.domain.events import Cohost, CohostState, EventDraft, EventState
from roomcast.domain.model import RoomId, Topic, UserId, Visibility
from roomcast.domain.notices import Channel, Kind, Prefs, when_text
from roomcast.errors import BadRequest, Conflict, Forbidden

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOST, OTHER = UserId(1), UserId(2)


def draft(**kw: object) -> EventDraft:
    base = EventDraft(
        "Show", "", Topic.MUSIC, "en", Visibility.OPEN, NOW + timedelta(days=1), 60, "Europe/Paris"
    )
    return replace(base, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("local", "tz", "utc"),
    [
        ("2027-03-27T18:30", "Europe/Paris", "2027-03-27T17:30"),  # CET, the day before
        ("2027-03-28T18:30", "Europe/Paris", "2027-03-28T16:30"),  # CEST from that night
        ("2027-10-31T02:30", "Europe/Paris", "2027-10-31T00:30"),  # twice: the first one
        ("2027-03-14T09:00", "America/New_York", "2027-03-14T13:00"),  # EDT
        ("2027-01-01T00:00", "Asia/Kolkata", "2026-12-31T18:30"),  # a half-hour zone
        ("2027-06-01T12:00", "UTC", "2027-06-01T12:00"),
    ],
)
def test_wall_clock_to_utc(local: str, tz: str, utc: str) -> None:
    at = rules.from_local(datetime.fromisoformat(local), tz)
    assert at == datetime.fromisoformat(utc).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("local", "tz"),
    [("2027-03-28T02:30", "Europe/Paris"), ("2027-03-14T02:15", "America/New_York")],
)
def test_a_time_skipped_by_the_clocks_is_refused(local: str, tz: str) -> None:
    with pytest.raises(BadRequest) as e:
        rules.from_local(datetime.fromisoformat(local), tz)
    assert e.value.code == "time_does_not_exist"


@pytest.mark.parametrize("tz", ["Mars/Base", "", "../etc/passwd", "x" * 65, "EST5EDT,M3.2.0"])
def test_unknown_zones(tz: str) -> None:
    assert not rules.valid_zone(tz)
    with pytest.raises(BadRequest):
        rules.zone(tz)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"starts_at": NOW - timedelta(minutes=10)}, "start_in_past"),
        ({"starts_at": NOW + timedelta(days=400)}, "start_too_far"),
        ({"minutes": 10}, "bad_length"),
        ({"minutes": 13 * 60}, "bad_length"),
        ({"time_zone": "Nowhere/City"}, "bad_time_zone"),
    ],
)
def test_schedule_refuses(change: dict[str, object], code: str) -> None:
    with pytest.raises(BadRequest) as e:
        rules.schedule("e1", HOST, draft(**change), NOW)
    assert e.value.code == code


def test_a_slow_form_still_schedules_now() -> None:
    e = rules.schedule("e1", HOST, draft(starts_at=NOW - timedelta(minutes=2)), NOW)
    assert e.state is EventState.SCHEDULED


def test_the_life_of_an_event() -> None:
    e = rules.schedule("e1", HOST, draft(), NOW)
    assert e.ends_at - e.starts_at == timedelta(minutes=60)
    assert rules.reminder_due(e) == e.starts_at - timedelta(minutes=10)
    with pytest.raises(Forbidden):
        rules.edit(e, OTHER, draft(title="Mine now"), NOW)
    with pytest.raises(Forbidden):
        rules.cancel(e, OTHER, NOW)
    with pytest.raises(Forbidden):
        rules.start(e, OTHER, RoomId("r"), NOW)
    moved = rules.edit(e, HOST, draft(starts_at=NOW + timedelta(days=2)), NOW)
    assert moved.sequence == 1 and moved.starts_at == NOW + timedelta(days=2)
    live = rules.start(moved, HOST, RoomId("r1"), NOW)  # early: fine
    assert live.state is EventState.LIVE and live.room_id == "r1" and live.sequence == 2
    for act in (
        lambda: rules.edit(live, HOST, draft(), NOW),
        lambda: rules.cancel(live, HOST, NOW),
        lambda: rules.start(live, HOST, RoomId("r2"), NOW),
    ):
        with pytest.raises(Conflict):
            act()
    assert rules.ended(live, NOW).state is EventState.ENDED


def test_late_start_until_it_expires() -> None:
    e = rules.schedule("e1", HOST, draft(starts_at=NOW + timedelta(minutes=1)), NOW)
    late = e.starts_at + timedelta(hours=1, minutes=59)
    assert not rules.expired(e, late)
    assert rules.start(e, HOST, RoomId("r"), late).state is EventState.LIVE
    too_late = e.starts_at + rules.EXPIRE_AFTER
    assert rules.expired(e, too_late)
    with pytest.raises(Conflict):
        rules.start(e, HOST, RoomId("r"), too_late)
    gone = rules.expire(e, too_late)
    assert gone.state is EventState.EXPIRED and rules.ics_status(gone) == "CANCELLED"
    cancelled = rules.cancel(e, HOST, NOW)
    assert rules.ics_status(cancelled) == "CANCELLED" and not rules.expired(cancelled, too_late)


def test_editing_without_moving_a_due_event() -> None:
    """An event a minute from starting may still get a new title (its time is kept)."""
    e = rules.schedule("e1", HOST, draft(starts_at=NOW + timedelta(minutes=1)), NOW)
    later = NOW + timedelta(minutes=3)
    assert rules.edit(e, HOST, draft(title="New", starts_at=e.starts_at), later).title == "New"


def test_cohosts() -> None:
    assert rules.check_cohosts(HOST, (OTHER, OTHER, HOST)) == (OTHER,)
    with pytest.raises(BadRequest):
        rules.check_cohosts(HOST, tuple(UserId(i) for i in range(10, 22)))
    e = rules.schedule("e1", HOST, draft(), NOW)
    with pytest.raises(Forbidden):
        rules.answer_cohost(None, True, e)
    invited = Cohost(OTHER, CohostState.INVITED)
    assert rules.answer_cohost(invited, True, e).state is CohostState.ACCEPTED
    assert rules.answer_cohost(invited, False, e).state is CohostState.DECLINED
    with pytest.raises(Conflict):
        rules.answer_cohost(invited, True, rules.cancel(e, HOST, NOW))


def test_prefs_defaults_and_choices() -> None:
    p = Prefs({})
    assert all(p.wants(k, Channel.APP) for k in Kind)
    assert p.wants(Kind.REMINDER, Channel.EMAIL) and not p.wants(Kind.LIVE, Channel.EMAIL)
    q = p.with_choice(Kind.LIVE, Channel.EMAIL, True).with_choice(Kind.REMINDER, Channel.APP, False)
    assert q.wants(Kind.LIVE, Channel.EMAIL) and not q.wants(Kind.REMINDER, Channel.APP)
    assert q.table()["reminder"] == {"app": False, "email": True}


def test_when_text_names_the_zone() -> None:
    at = rules.from_local(datetime(2027, 3, 28, 18, 30), "Europe/Paris")
    assert when_text(at.astimezone(rules.zone("Europe/Paris"))) == (
        "Sunday 28 March 2027, 18:30 (Europe/Paris)"
    )
