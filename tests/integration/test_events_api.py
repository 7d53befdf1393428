"""People and events over the real API, on SQLite and PostgreSQL: follows, scheduling in
time zones, co-host consent, who may edit, start, RSVPs, one notice per occasion, calendars."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from lxml import etree
from sqlalchemy import func, insert, select

from roomcast.store.tables import NotificationRow, RsvpRow, UserRow
from tests.live_server import Client, LiveServer, LiveSocket

_open: list[Client] = []


@pytest.fixture(autouse=True)
async def _close_clients() -> AsyncIterator[None]:
    yield
    while _open:
        await _open.pop().__aexit__()


async def people(server: LiveServer, *names: str, tz: str = "Europe/Paris") -> list[Client]:
    clients = []
    for n in names:
        c = Client(server)
        await c.__aenter__()
        _open.append(c)
        if n:
            await c.signup(n, time_zone=tz)
        clients.append(c)
    return clients


def local_in(tz: str, delta: timedelta) -> str:
    """A wall-clock time in `tz`, `delta` from now, as a form sends it."""
    return (
        (datetime.now(UTC) + delta)
        .astimezone(ZoneInfo(tz))
        .replace(tzinfo=None)
        .isoformat(timespec="minutes")
    )


def next_spring_forward(now: datetime) -> date:
    """The next last Sunday of March at least two days away (Europe's clocks go forward)."""
    for year in (now.year, now.year + 1):
        day = date(year, 3, 31)
        day -= timedelta(days=(day.weekday() + 1) % 7)
        if day > (now + timedelta(days=2)).date():
            return day
    raise AssertionError("unreachable")


async def schedule(c: Client, **extra: Any) -> dict[str, Any]:
    body = {
        "title": "Post-match show",
        "topic": "sports",
        "starts_at": local_in("Europe/Paris", timedelta(days=2)),
        **extra,
    }
    r = await c.post("/api/events", body)
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


async def notice(ws: LiveSocket, kind: str, timeout: float = 10) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            m = await ws.recv(timeout)
            if m["type"] == "update" and m["update"]["notice"]["kind"] == kind:
                return m["update"]["notice"]  # type: ignore[no-any-return]


async def test_follow_and_be_told_live(server: LiveServer) -> None:
    maya, sam, guest = await people(server, "maya", "sam", "")
    r = await sam.put("/api/users/maya/follow")
    assert r.status_code == 200 and r.json() == {
        "followers": 1,
        "following": 0,
        "you_follow": True,
        "follows_you": False,
    }
    assert (await sam.put("/api/users/maya/follow")).json()["followers"] == 1  # idempotent
    assert (await maya.put("/api/users/maya/follow")).status_code == 400  # not oneself
    assert (await sam.put("/api/users/nobody/follow")).status_code == 404
    assert (await guest.put("/api/users/maya/follow")).status_code == 401
    r = await maya.get("/api/users/maya/followers")
    assert [p["username"] for p in r.json()["people"]] == ["sam"]
    r = await maya.get("/api/users/sam/following")
    assert [p["username"] for p in r.json()["people"]] == ["maya"]
    async with sam.live("/api/me/live") as ws:
        hello = await ws.recv()
        assert hello == {"type": "snapshot", "unread": 0}
        room = await maya.start_room("Morning show")
        got = await notice(ws, "live")
        assert got["text"] == "maya is live: Morning show"
        assert got["url"] == f"/r/{room['room']['id']}"
    r = await sam.get("/api/me/notifications")
    assert r.json()["unread"] == 1
    assert (await sam.post("/api/me/notifications/read", {})).json() == {"unread": 0}
    # maya was told she has a follower, once
    r = await maya.get("/api/me/notifications")
    assert [n["kind"] for n in r.json()["notices"]] == ["follow"]
    # a block ends the follow, and the blocked cannot follow again
    assert (await maya.post("/api/users/sam/block")).status_code == 200
    assert (await maya.get("/api/users/maya/follows")).json()["followers"] == 0
    assert (await sam.put("/api/users/maya/follow")).status_code == 403


async def test_a_block_ends_rsvps_and_hides_the_event(server: LiveServer) -> None:
    maya, sam = await people(server, "maya", "sam")
    ev = await schedule(maya)
    await sam.put(f"/api/events/{ev['id']}/rsvp", {"going": True})
    assert (await maya.post("/api/users/sam/block")).status_code == 200
    assert (await maya.get(f"/api/events/{ev['id']}")).json()["going"] == 0
    assert (await sam.get(f"/api/events/{ev['id']}")).status_code == 404
    r = await sam.put(f"/api/events/{ev['id']}/rsvp", {"going": True})
    assert r.status_code == 404


async def test_schedule_edit_cancel_and_consent(server: LiveServer) -> None:
    maya, sam, ann = await people(server, "maya", "sam", "ann")
    ev = await schedule(maya, cohosts=["sam"], minutes=90)
    assert ev["state"] == "scheduled" and ev["time_zone"] == "Europe/Paris"
    assert ev["cohosts"] == [{"username": "sam", "display_name": "sam", "state": "invited"}]
    eid = ev["id"]
    # only the host edits, cancels, starts
    body = {"title": "Changed", "starts_at": ev["starts_at"]}
    for path, payload in ((f"/api/events/{eid}", body),):
        assert (await sam.put(path, payload)).status_code == 403
    assert (await sam.post(f"/api/events/{eid}/cancel")).status_code == 403
    assert (await sam.post(f"/api/events/{eid}/start")).status_code == 403
    # only the invited answer
    assert (await ann.post(f"/api/events/{eid}/cohost", {"accept": True})).status_code == 403
    r = await sam.post(f"/api/events/{eid}/cohost", {"accept": True})
    assert r.status_code == 200 and r.json()["invitation"] == "accepted"
    # RSVP, and the going count
    r = await ann.put(f"/api/events/{eid}/rsvp", {"going": True})
    assert r.json()["rsvped"] is True and r.json()["going"] == 1
    # the host moves it: the RSVP is told
    moved = await maya.put(
        f"/api/events/{eid}",
        {"title": "Post-match show", "starts_at": local_in("Europe/Paris", timedelta(days=3))},
    )
    assert moved.status_code == 200, moved.text
    assert [c["username"] for c in moved.json()["cohosts"]] == ["sam"]  # left out: kept
    async with asyncio.timeout(10):
        while True:
            kinds = [n["kind"] for n in (await ann.get("/api/me/notifications")).json()["notices"]]
            if "changed" in kinds:
                break
            await asyncio.sleep(0.05)
    # cancel: STATUS:CANCELLED in its calendar file, the RSVP told, no more edits
    r = await maya.post(f"/api/events/{eid}/cancel")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    ics = Calendar.from_ical((await ann.get(f"/e/{eid}/event.ics")).content)
    (entry,) = ics.walk("VEVENT")
    assert str(entry["status"]) == "CANCELLED" and int(entry["sequence"]) == 2
    assert (await maya.post(f"/api/events/{eid}/start")).status_code == 409
    assert (await maya.put(f"/api/events/{eid}", body)).status_code == 409
    async with asyncio.timeout(10):  # the RSVP and the co-host are told it is off
        for c in (ann, sam):
            while "cancelled" not in [
                n["kind"] for n in (await c.get("/api/me/notifications")).json()["notices"]
            ]:
                await asyncio.sleep(0.05)


async def test_start_makes_the_room_with_cohosts_and_tells_once(server: LiveServer) -> None:
    maya, sam, ann = await people(server, "maya", "sam", "ann")
    await ann.put("/api/users/maya/follow")
    ev = await schedule(maya, cohosts=["sam"])
    eid = ev["id"]
    await sam.post(f"/api/events/{eid}/cohost", {"accept": True})
    await ann.put(f"/api/events/{eid}/rsvp", {"going": True})
    async with ann.live("/api/me/live") as ws:
        await ws.recv()
        r = await maya.post(f"/api/events/{eid}/start")
        assert r.status_code == 201, r.text
        room_id = r.json()["room"]["id"]
        got = await notice(ws, "live")
        assert got["url"] == f"/r/{room_id}"
    r = await ann.get("/api/me/notifications")
    live = [n for n in r.json()["notices"] if n["kind"] == "live"]
    assert len(live) == 1  # a follower who RSVP'd hears once that it started
    assert (await maya.get(f"/api/events/{eid}")).json()["state"] == "live"
    # the co-host who accepted is a moderator on joining
    async with sam.live(f"/api/rooms/{room_id}/live") as ws:
        snap = await ws.recv()
        me = next(p for p in snap["snapshot"]["participants"] if p["key"] == snap["you"])
        assert me["role"] == "moderator"
    # the room ends: so does the event
    await maya.post(f"/api/rooms/{room_id}/end")
    assert (await maya.get(f"/api/events/{eid}")).json()["state"] == "ended"


async def test_times_and_zones(server: LiveServer) -> None:
    (maya,) = await people(server, "maya", tz="America/New_York")
    # a wall-clock time in the host's zone, stored in UTC, across a DST change: the next
    # spring-forward Sunday in Paris (the last of March), evening and 02:30 (skipped)
    day = next_spring_forward(datetime.now(UTC))
    r = await maya.post(
        "/api/events",
        {"title": "DST", "starts_at": f"{day}T18:30", "time_zone": "Europe/Paris"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["starts_at"] == f"{day}T16:30:00Z"  # CEST from that morning: UTC+2
    before = (
        await maya.post(
            "/api/events",
            {
                "title": "Eve",
                "starts_at": f"{day - timedelta(days=1)}T18:30",
                "time_zone": "Europe/Paris",
            },
        )
    ).json()
    assert before["starts_at"] == f"{day - timedelta(days=1)}T17:30:00Z"  # still CET: UTC+1
    r = await maya.post(
        "/api/events",
        {"title": "Gap", "starts_at": f"{day}T02:30", "time_zone": "Europe/Paris"},
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "time_does_not_exist"
    # the ICS carries the zone and the same instant
    (entry,) = Calendar.from_ical((await maya.get(f"/e/{before['id']}/event.ics")).content).walk(
        "VEVENT"
    )
    assert str(entry["dtstart"].params["TZID"]) == "Europe/Paris"
    assert entry.decoded("dtstart").astimezone(UTC) == datetime.fromisoformat(before["starts_at"])
    cases = [
        ({"starts_at": "2020-01-01T10:00"}, "start_in_past"),
        ({"starts_at": "2099-01-01T10:00"}, "start_too_far"),
    ]
    for extra, code in cases:
        r = await maya.post("/api/events", {"title": "X", **extra})
        assert r.status_code == 400 and r.json()["error"]["code"] == code, r.text
    for bad in ("Mars/Olympus", "../../etc/passwd", "", "x" * 80, "UTC\x00"):
        r = await maya.post(
            "/api/events", {"title": "X", "starts_at": "2027-01-01T10:00", "time_zone": bad}
        )
        assert r.status_code == 422, (bad, r.text)
    assert (await maya.put("/api/me/time-zone", {"time_zone": "Asia/Kolkata"})).status_code == 200
    assert (await maya.put("/api/me/time-zone", {"time_zone": "Nowhere"})).status_code == 422


async def test_private_calendar(server: LiveServer) -> None:
    maya, ann = await people(server, "maya", "ann")
    await ann.put("/api/users/maya/follow")
    ev = await schedule(maya)
    cal = (await ann.get("/api/me/calendar")).json()
    path = cal["url"].removeprefix(server.url)
    (stranger,) = await people(server, "")
    r = await stranger.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    (entry,) = Calendar.from_ical(r.content).walk("VEVENT")
    assert str(entry["uid"]).startswith(f"event-{ev['id']}@")
    assert entry.decoded("dtstart").astimezone(UTC) == datetime.fromisoformat(ev["starts_at"])
    renewed = (await ann.post("/api/me/calendar/renew")).json()
    assert renewed["url"] != cal["url"]
    assert (await ann.get(path)).status_code == 404  # the old URL is revoked
    assert (await ann.get(renewed["url"].removeprefix(server.url))).status_code == 200


PODCAST = "https://podcastindex.org/namespace/1.0"


async def live_items(c: Client, username: str) -> list[Any]:
    r = await c.get(f"/shows/{username}/feed.xml")
    assert r.status_code == 200
    items: list[Any] = etree.fromstring(r.content).xpath(
        "//podcast:liveItem", namespaces={"podcast": PODCAST}
    )
    return items


async def test_feed_live_item_pending_live_ended(server: LiveServer) -> None:
    maya, app = await people(server, "maya", "")
    ev = await schedule(maya, title="Album launch", minutes=45)
    await schedule(maya, title="Secret", visibility="link")  # link-only: not in the feed
    (item,) = await live_items(app, "maya")
    start, end = datetime.fromisoformat(item.get("start")), datetime.fromisoformat(item.get("end"))
    assert item.get("status") == "pending" and item.findtext("title") == "Album launch"
    assert start == datetime.fromisoformat(ev["starts_at"])
    assert end - start == timedelta(minutes=45)
    guid = item.findtext("guid")
    assert guid == f"roomcast:event:{ev['id']}"
    r = await maya.post(f"/api/events/{ev['id']}/start")
    room_id = r.json()["room"]["id"]
    (item,) = await live_items(app, "maya")
    assert item.get("status") == "live" and item.findtext("guid") == guid  # the same item
    assert item.xpath("podcast:contentLink/@href", namespaces={"podcast": PODCAST}) == [
        f"{server.url}/r/{room_id}"
    ]
    await maya.post(f"/api/rooms/{room_id}/end")
    (item,) = await live_items(app, "maya")
    assert item.get("status") == "ended" and item.findtext("guid") == guid


async def test_expiry_runs_in_the_server(server: LiveServer) -> None:
    """An event nobody started 2 h after its time expires (its job, run by the real
    notices lane): rows written as they would be three hours after scheduling."""
    (maya,) = await people(server, "maya")
    ev = await schedule(maya)
    now = datetime.now(UTC)
    async with server.ctx.transaction() as uow:
        event = await uow.events.get(ev["id"], for_update=True)
        assert event is not None
        past = replace(event, starts_at=now - timedelta(hours=3))
        await uow.events.save(past)
        payload = {"event": event.id, "starts_at": past.starts_at.isoformat()}
        await uow.jobs.add("expire", None, now, now, payload)
    server.ctx.wake_notices()
    async with asyncio.timeout(10):
        while (await maya.get(f"/api/events/{ev['id']}")).json()["state"] != "expired":
            await asyncio.sleep(0.05)
    r = await maya.post(f"/api/events/{ev['id']}/start")
    assert r.status_code == 409 and r.json()["error"]["code"] == "event_over"


async def test_parallel_copies_never_500(server: LiveServer) -> None:
    maya, sam = await people(server, "maya", "sam")
    ev = await schedule(maya)
    eid = ev["id"]
    starts = await asyncio.gather(*(maya.post(f"/api/events/{eid}/start") for _ in range(10)))
    codes = sorted(r.status_code for r in starts)
    assert codes.count(201) == 1 and set(codes) <= {201, 409}, codes
    follows = await asyncio.gather(*(sam.put("/api/users/maya/follow") for _ in range(10)))
    assert {r.status_code for r in follows} <= {200, 409}, [r.text for r in follows]
    assert (await maya.get("/api/users/maya/follows")).json()["followers"] == 1
    ev2 = await schedule(maya, title="Another")
    rsvps = await asyncio.gather(
        *(sam.put(f"/api/events/{ev2['id']}/rsvp", {"going": True}) for _ in range(10))
    )
    assert {r.status_code for r in rsvps} <= {200, 409}
    assert (await sam.get(f"/api/events/{ev2['id']}")).json()["going"] == 1
    async with asyncio.timeout(10):
        while True:  # the one follow, told once, however many copies came
            kinds = [n["kind"] for n in (await maya.get("/api/me/notifications")).json()["notices"]]
            if "follow" in kinds:
                break
            await asyncio.sleep(0.05)
    assert kinds.count("follow") == 1


async def test_bad_input(server: LiveServer) -> None:
    maya, sam = await people(server, "maya", "sam")
    for body in (
        {"title": "", "starts_at": local_in("UTC", timedelta(days=1))},
        {"title": "X"},  # no start
        {"title": "X", "starts_at": "tomorrow"},
        {"title": "X", "starts_at": local_in("UTC", timedelta(days=1)), "minutes": 5},
        {"title": "X", "starts_at": local_in("UTC", timedelta(days=1)), "cohosts": ["a b"]},
        {"title": "X\u202e", "starts_at": local_in("UTC", timedelta(days=1))},
        {"title": "X", "starts_at": local_in("UTC", timedelta(days=1)), "extra": 1},
    ):
        r = await maya.post("/api/events", body)
        assert r.status_code == 422, (body, r.text)
    r = await maya.post(
        "/api/events",
        {"title": "X", "starts_at": local_in("UTC", timedelta(days=1)), "cohosts": ["nobody"]},
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "user_not_found"
    for path in ("/api/events/nope", "/e/nope/event.ics", "/api/events/a%00b"):
        assert (await sam.get(path)).status_code in (404, 422), path
    assert (await sam.get("/calendar/1/forged.ics")).status_code == 404
    assert (await sam.get("/calendar/99999/x.ics")).status_code == 404
    r = await sam.put("/api/me/notifications/prefs", {"prefs": {"bogus": {"app": True}}})
    assert r.status_code == 422
    r = await sam.post("/api/me/notifications/read", {"ids": list(range(600))})
    assert r.status_code == 422
    # a follow storm from one account is slowed, with Retry-After
    others = await people(server, *[f"pal{i}" for i in range(3)])
    del others
    codes = []
    for i in range(70):
        codes.append((await sam.put(f"/api/users/pal{i % 3}/follow")).status_code)
    assert 429 in codes and set(codes) <= {200, 429}


async def test_ten_thousand_rsvps_are_reminded(server: LiveServer) -> None:
    """The reminder of an event with 10,000 RSVPs (rows inserted directly) reaches each of
    them once, through the real job."""
    (maya,) = await people(server, "maya")
    ev = await schedule(maya)
    now = datetime.now(UTC)
    async with server.ctx.store.unit_of_work() as uow:
        s = uow.session
        first = int(await s.scalar(select(func.max(UserRow.id))) or 0) + 1
        n = 10_000
        await s.execute(
            insert(UserRow),
            [
                {
                    "id": first + i,
                    "username": f"fan{i}",
                    "display_name": f"Fan {i}",
                    "bio": "",
                    "password_hash": "!",
                    "is_admin": False,
                    "created_at": now,
                }
                for i in range(n)
            ],
        )
        await s.execute(
            insert(RsvpRow),
            [{"event_id": ev["id"], "user_id": first + i, "created_at": now} for i in range(n)],
        )
        payload = {"event": ev["id"], "starts_at": ev["starts_at"].replace("Z", "+00:00")}
        await uow.jobs.add("remind", None, now, now, payload)
        await uow.jobs.add("remind", None, now, now, payload)  # run twice: told once
    server.ctx.wake_notices()
    assert (await maya.get(f"/api/events/{ev['id']}")).json()["going"] == n
    async with asyncio.timeout(60):
        while True:
            async with server.ctx.store.unit_of_work() as uow:
                told = await uow.session.scalar(
                    select(func.count())
                    .select_from(NotificationRow)
                    .where(NotificationRow.kind == "reminder")
                )
                jobs = await uow.jobs.counts("remind")
            if jobs.get("done") == 2:
                break
            await asyncio.sleep(0.1)
    assert told == n
