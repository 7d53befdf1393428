"""The hallway for a viewer who follows 500 people and is in 20 clubs, among 10,000 rooms
and events: how long the server takes to render it (GET /, the page with Upcoming,
followed hosts first, trending), and the live rooms ranked for the viewer (GET /api/rooms:
followed on stage, then clubs, then topics, then heat; domain/discovery.py).

Rows are inserted directly (2,000 hosts, 200 clubs; rooms ended over the last month, some
live with people in them, a third of them club rooms; events over the next two weeks); the
viewer is a real signed-in client.

    .venv/bin/python bench/hallway.py [--items 10000] [--follows 500] [--live 50]
        [--clubs 20] [--requests 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: tests' helpers

from tests.live_server import Client, LiveServer, run_server

from common import database, pct, report
from roomcast.store.tables import (
    ClubMemberRow,
    ClubRow,
    EventRow,
    FollowRow,
    ParticipantRow,
    RoomRow,
    UserRow,
)

HOSTS = 2000
CLUBS = 200
TOPICS = ["sports", "music", "culture", "tech", "news", "comedy", "other"]


async def seed(
    srv: LiveServer, viewer: int, items: int, follows: int, live: int, clubs: int
) -> None:
    rng = random.Random(7)  # noqa: S311 - seeded test data, not secrets
    now = datetime.now(UTC)
    async with srv.ctx.store.unit_of_work() as uow:
        s = uow.session
        first = int(await s.scalar(select(func.max(UserRow.id))) or 0) + 1
        hosts = list(range(first, first + HOSTS))
        await s.execute(
            insert(UserRow),
            [
                {
                    "id": h,
                    "username": f"host{h}",
                    "display_name": f"Host {h}",
                    "bio": "",
                    "password_hash": "!",
                    "is_admin": False,
                    "created_at": now,
                }
                for h in hosts
            ],
        )
        await s.execute(
            insert(FollowRow),
            [
                {"follower_id": viewer, "followee_id": h, "created_at": now}
                for h in rng.sample(hosts, follows)
            ],
        )
        club_ids = list(range(1, CLUBS + 1))
        await s.execute(
            insert(ClubRow),
            [
                {
                    "id": c,
                    "handle": f"club{c}",
                    "handle_key": f"club{c}",
                    "name": f"Club {c}",
                    "description": "",
                    "topic": rng.choice(TOPICS),
                    "language": "en",
                    "join_policy": "open",
                    "hosting": "members",
                    "invite_nonce": "x",
                    "created_by": hosts[0],
                    "created_at": now,
                    "updated_at": now,
                }
                for c in club_ids
            ],
        )
        await s.execute(
            insert(ClubMemberRow),
            [
                {"club_id": c, "user_id": viewer, "role": "member", "joined_at": now}
                for c in rng.sample(club_ids, min(clubs, CLUBS))
            ],
        )
        rooms, events, present = [], [], []
        for i in range(items):
            host, topic = rng.choice(hosts), rng.choice(TOPICS)
            if i % 2 == 0:  # a room: ended, or (a few) live
                is_live = i // 2 < live
                start = now - timedelta(minutes=rng.uniform(1, 60 * 24 * 30))
                rooms.append(
                    {
                        "id": f"r{i}",
                        "host_id": host,
                        "title": f"Room {i}",
                        "description": "",
                        "topic": topic,
                        "language": "en",
                        "visibility": "open",
                        "state": "live" if is_live else "ended",
                        "created_at": start,
                        "started_at": start,
                        "ended_at": None if is_live else start + timedelta(hours=1),
                        "end_reason": None if is_live else "host_ended",
                        "club_id": rng.choice(club_ids) if i % 3 == 0 else None,
                    }
                )
                if is_live:  # the host and a few listeners, in it now
                    people = {host, *rng.sample(hosts, rng.randint(0, 30))}
                    present += [
                        {
                            "room_id": f"r{i}",
                            "key": f"u{u}",
                            "user_id": u,
                            "role": "host" if u == host else "listener",
                            "present": True,
                            "joined_at": start,
                        }
                        for u in people
                    ]
            else:  # an event over the next two weeks
                start = now + timedelta(minutes=rng.uniform(5, 60 * 24 * 14))
                events.append(
                    {
                        "id": f"e{i}",
                        "host_id": host,
                        "title": f"Event {i}",
                        "description": "",
                        "topic": topic,
                        "language": "en",
                        "visibility": "open",
                        "record": False,
                        "starts_at": start,
                        "minutes": 60,
                        "time_zone": "Europe/Paris",
                        "state": "scheduled",
                        "sequence": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        for i in range(0, len(rooms), 1000):
            await s.execute(insert(RoomRow), rooms[i : i + 1000])
        for i in range(0, len(events), 1000):
            await s.execute(insert(EventRow), events[i : i + 1000])
        for i in range(0, len(present), 1000):
            await s.execute(insert(ParticipantRow), present[i : i + 1000])
        await s.execute(
            text("UPDATE users SET topics = :t WHERE id = :v"),
            {"t": '["music", "tech"]', "v": viewer},
        )
    async with srv.ctx.store.unit_of_work() as uow:
        # planner statistics, as autovacuum (PostgreSQL) keeps them on a server that has run
        # a while: a table filled a moment ago has none
        await uow.session.execute(text("ANALYZE"))


async def timed(c: Client, path: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = await c.get(path)
        out.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.text
    return out


async def run(
    items: int, follows: int, live: int, clubs: int, requests: int, database_url: str | None
) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/rc.db"
        async with run_server(Path(tmp), url) as srv, Client(srv) as viewer:
            await viewer.signup("viewer")
            await seed(srv, viewer.user_id, items, min(follows, HOSTS), live, clubs)
            await timed(viewer, "/", 5)  # warm caches, templates
            page = await timed(viewer, "/", requests)
            rooms = await timed(viewer, "/api/rooms", max(5, requests // 4))
            body = (await viewer.get("/")).text
    return {
        "database": "postgresql" if database_url else "sqlite",
        "items": items,
        "follows": follows,
        "live_rooms": live,
        "clubs_of_viewer": clubs,
        "requests": requests,
        "page_ms_p50": round(pct(page, 50), 1),
        "page_ms_p95": round(pct(page, 95), 1),
        "ranked_live_list_ms_p50": round(pct(rooms, 50), 1),
        "ranked_live_list_ms_p95": round(pct(rooms, 95), 1),
        "upcoming_cards": body.count('class="event-card"'),
        "note": "GET / (signed in: upcoming events of 7 days, followed hosts first, "
        "trending, latest episodes) and GET /api/rooms (the live rooms ranked for the "
        "viewer), timed at the client over loopback, one request at a time",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=10_000)
    ap.add_argument("--follows", type=int, default=500)
    ap.add_argument("--live", type=int, default=50)
    ap.add_argument("--clubs", type=int, default=20, help="clubs the viewer is in")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--postgres", action="store_true", help="start a PostgreSQL for the run")
    a = ap.parse_args()
    with database("postgres" if a.postgres else "sqlite", a.database_url) as url:
        figures = asyncio.run(run(a.items, a.follows, a.live, a.clubs, a.requests, url))
        report("hallway", figures)


if __name__ == "__main__":
    main()
