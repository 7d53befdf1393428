"""'X is live' to many followers: how long until every follower's notice is stored and
pushed to the connected ones, and whether a live room's 20 ms audio clock noticed.

The real server as its own process (`roomcast serve`: SQLite, or --database-url), N
followers of one host (rows inserted directly: argon2 for 10,000 accounts would take the
benchmark's whole minute), S of them connected on their notices socket (/api/me/live), and
another room live with a speaker (aiortc, a tone) and a listener so its mixer runs. The
host starts a room; we time until the store holds N notices for it, and each socket's push;
the server's /metrics says how many of its rooms' 20 ms ticks came late meanwhile (by more
than a frame, and by more than 100 ms).

    .venv/bin/python bench/notify.py [--followers 10000] [--sockets 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import re
import secrets
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: tests' helpers

from tests.live_server import Client, Endpoint, server_process
from tests.media_helpers import ToneTrack, loopback_only
from tests.podcast_helpers import speak_in

from common import database, pct, report
from roomcast.store import Store
from roomcast.store.tables import FollowRow, NotificationRow, SessionRow, UserRow


async def add_followers(store: Store, host_id: int, n: int, sockets: int) -> list[str]:
    """N accounts following the host; session tokens for the first `sockets` of them."""
    now = datetime.now(UTC)
    tokens: list[str] = []
    async with store.unit_of_work() as uow:
        s = uow.session
        first = int(await s.scalar(select(func.max(UserRow.id))) or 0) + 1
        rows = [
            {
                "id": first + i,
                "username": f"fan{i}",
                "display_name": f"Fan {i}",
                "bio": "",
                "password_hash": "!",  # cannot sign in: never a valid argon2 hash
                "is_admin": False,
                "created_at": now,
            }
            for i in range(n)
        ]
        for i in range(0, n, 1000):
            await s.execute(insert(UserRow), rows[i : i + 1000])
        follows = [
            {"follower_id": first + i, "followee_id": host_id, "created_at": now} for i in range(n)
        ]
        for i in range(0, n, 1000):
            await s.execute(insert(FollowRow), follows[i : i + 1000])
        for i in range(sockets):
            token = secrets.token_urlsafe(32)
            tokens.append(token)
            s.add(
                SessionRow(
                    id=hashlib.sha256(token.encode()).hexdigest(),
                    user_id=first + i,
                    created_at=now,
                    expires_at=now + timedelta(days=1),
                )
            )
    return tokens


async def listen(
    srv: Endpoint, token: str, ready: asyncio.Event, got: list[float], done: asyncio.Event
) -> None:
    """One follower's notices socket: the time its notice arrives. It stays open until the
    end, as a browser's would (closing 200 sockets at once is a burst of its own)."""
    url = srv.url.replace("http", "ws", 1) + "/api/me/live"
    async with connect(
        url, additional_headers={"Cookie": f"rc_session={token}"}, origin=srv.url
    ) as ws:  # type: ignore[arg-type]
        await ws.recv()  # the snapshot
        ready.set()
        while '"notice"' not in str(await ws.recv()):
            pass
        got.append(time.monotonic())
        await done.wait()


async def clock(c: Client) -> dict[str, int]:
    """The server's media clock counters (its /metrics)."""
    text = (await c.get("/metrics")).text
    found = re.findall(r'roomcast_media_ticks_total\{kind="(\w+)"\} (\d+)', text)
    return {k: int(v) for k, v in found}


async def run(followers: int, sockets: int, database_url: str | None) -> dict[str, object]:
    loopback_only()
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/rc.db"
        store = Store(url)
        sockets = min(sockets, followers)
        async with (
            server_process(
                Path(tmp) / "data",
                url,
                max_sockets_per_address=str(sockets + 50),
                media_host_addresses='["127.0.0.1"]',
            ) as (
                srv,
                _,
            ),
            Client(srv) as host,
            Client(srv) as other,
            Client(srv) as ear_client,
        ):
            await host.signup("star")
            await other.signup("other")
            await ear_client.signup("ear")
            tokens = await add_followers(store, host.user_id, followers, sockets)
            # another live room with a speaker and a listener: its mixer runs meanwhile
            room = (await other.start_room("Already live"))["room"]["id"]
            presence = AsyncExitStack()
            for c in (other, ear_client):
                ws = await presence.enter_async_context(c.live(f"/api/rooms/{room}/live"))
                await ws.recv()
            mouth = await speak_in(other, room, ToneTrack(440))
            ear = await speak_in(ear_client, room, ToneTrack(0))
            pushed: list[float] = []
            readies = [asyncio.Event() for _ in tokens]
            finished = asyncio.Event()
            tasks = [
                asyncio.create_task(listen(srv, t, r, pushed, finished))
                for t, r in zip(tokens, readies, strict=True)
            ]
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
            await asyncio.sleep(2.0)  # let the mix settle
            quiet0 = await clock(host)
            await asyncio.sleep(2.0)  # the clock at rest, for comparison
            before = await clock(host)

            t0 = time.monotonic()
            started = await host.start_room("Big news")
            occasion = f"live:{started['room']['id']}"
            stored_at = None
            async with asyncio.timeout(120):
                while stored_at is None:
                    async with store.unit_of_work() as uow:
                        n = await uow.session.scalar(
                            select(func.count())
                            .select_from(NotificationRow)
                            .where(NotificationRow.occasion == occasion)
                        )
                    if n == followers:
                        stored_at = time.monotonic()
                    else:
                        await asyncio.sleep(0.02)
                while len(pushed) < len(tokens):
                    await asyncio.sleep(0.01)
            await asyncio.sleep(0.3)
            after = await clock(host)
            finished.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.gather(mouth.close(), ear.close())
            await presence.aclose()
        await store.close()

    def delta(a: dict[str, int], b: dict[str, int], k: str) -> int:
        return b.get(k, 0) - a.get(k, 0)

    push_ms = [(t - t0) * 1000 for t in pushed]
    return {
        "database": "postgresql" if database_url else "sqlite",
        "followers": followers,
        "sockets": len(tokens),
        "stored_all_ms": round((stored_at - t0) * 1000, 1),
        "pushed_ms_p50": round(pct(push_ms, 50), 1),
        "pushed_ms_max": round(max(push_ms), 1) if push_ms else None,
        "ticks_during": delta(before, after, "ticks"),
        "ticks_late_20ms_during": delta(before, after, "ticks_late_20ms"),
        "ticks_late_100ms_during": delta(before, after, "ticks_late_100ms"),
        "ticks_at_rest": delta(quiet0, before, "ticks"),
        "ticks_late_20ms_at_rest": delta(quiet0, before, "ticks_late_20ms"),
        "note": "from POST /api/rooms (host goes live) to N stored notices / each socket's "
        "push; ticks: the server's rooms' 20 ms media clock (its /metrics) from just before "
        "the room starts until every notice is pushed, and over 2 s at rest before",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--followers", type=int, default=10_000)
    ap.add_argument("--sockets", type=int, default=200)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--postgres", action="store_true", help="start a PostgreSQL for the run")
    a = ap.parse_args()
    with database("postgres" if a.postgres else "sqlite", a.database_url) as url:
        report("notify", asyncio.run(run(a.followers, a.sockets, url)))


if __name__ == "__main__":
    main()
