"""'X is live' to many followers: how long until every follower's notice is stored and
pushed to the connected ones, and whether a live room's 20 ms audio clock noticed.

A real server in this process (SQLite, or --database-url), N followers of one host (rows
inserted directly: argon2 for 10,000 accounts would take the benchmark's whole minute),
S of them connected on their notices socket (/api/me/live), and another room live with a
speaker (aiortc, a tone) and a listener so its mixer runs. The host starts a room; we time
until the store holds N notices for it, and each socket's push; meanwhile a 20 ms probe on
the event loop (the one the media clock shares) records how late each of its wake-ups is.

    .venv/bin/python bench/notify.py [--followers 10000] [--sockets 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
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

from tests.live_server import Client, LiveServer, run_server
from tests.media_helpers import ToneTrack, loopback_only
from tests.podcast_helpers import speak_in

from common import pct, report
from roomcast.store.tables import FollowRow, NotificationRow, SessionRow, UserRow


async def add_followers(srv: LiveServer, host_id: int, n: int, sockets: int) -> list[str]:
    """N accounts following the host; session tokens for the first `sockets` of them."""
    now = datetime.now(UTC)
    tokens: list[str] = []
    async with srv.ctx.store.unit_of_work() as uow:
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


async def listen(srv: LiveServer, token: str, ready: asyncio.Event, got: list[float]) -> None:
    url = srv.url.replace("http", "ws", 1) + "/api/me/live"
    async with connect(
        url, additional_headers={"Cookie": f"rc_session={token}"}, origin=srv.url
    ) as ws:  # type: ignore[arg-type]
        await ws.recv()  # the snapshot
        ready.set()
        while True:
            if '"notice"' in str(await ws.recv()):
                got.append(time.monotonic())
                return


async def probe(lags: list[float], stop: asyncio.Event) -> None:
    """Wake every 20 ms, as the media clock does, and record how late each wake-up is."""
    loop = asyncio.get_running_loop()
    due = loop.time()
    while not stop.is_set():
        due += 0.02
        await asyncio.sleep(max(0.0, due - loop.time()))
        lags.append((loop.time() - due) * 1000)
        due = max(due, loop.time())


async def run(followers: int, sockets: int, database_url: str | None) -> dict[str, object]:
    loopback_only()
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/rc.db"
        async with (
            run_server(Path(tmp), url, max_sockets_per_address=sockets + 50) as srv,
            Client(srv) as host,
            Client(srv) as other,
            Client(srv) as ear_client,
        ):
            await host.signup("star")
            await other.signup("other")
            await ear_client.signup("ear")
            sockets = min(sockets, followers)
            tokens = await add_followers(srv, host.user_id, followers, sockets)
            # another live room with a speaker and a listener: its mixer runs meanwhile
            room = (await other.start_room("Already live"))["room"]["id"]
            presence = AsyncExitStack()
            for c in (other, ear_client):
                ws = await presence.enter_async_context(c.live(f"/api/rooms/{room}/live"))
                await ws.recv()
            mouth = await speak_in(other, room, ToneTrack(440))
            ear = await speak_in(ear_client, room, ToneTrack(0))
            stats = srv.ctx.engine.stats(room)
            late_before = stats.late_ticks if stats else 0
            pushed: list[float] = []
            readies = [asyncio.Event() for _ in tokens]
            tasks = [
                asyncio.create_task(listen(srv, t, r, pushed))
                for t, r in zip(tokens, readies, strict=True)
            ]
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
            await asyncio.sleep(1.0)  # let the mix settle
            lags: list[float] = []
            stop = asyncio.Event()
            prober = asyncio.create_task(probe(lags, stop))
            await asyncio.sleep(0.5)
            base_lags = len(lags)

            t0 = time.monotonic()
            started = await host.start_room("Big news")
            occasion = f"live:{started['room']['id']}"
            stored_at = None
            async with asyncio.timeout(120):
                while stored_at is None:
                    async with srv.ctx.store.unit_of_work() as uow:
                        n = await uow.session.scalar(
                            select(func.count())
                            .select_from(NotificationRow)
                            .where(NotificationRow.occasion == occasion)
                        )
                    if n == followers:
                        stored_at = time.monotonic()
                    else:
                        await asyncio.sleep(0.01)
                while len(pushed) < len(tokens):
                    await asyncio.sleep(0.01)
            await asyncio.sleep(0.3)
            stop.set()
            await prober
            stats = srv.ctx.engine.stats(room)
            late_after = stats.late_ticks if stats else 0
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.gather(mouth.close(), ear.close())
            await presence.aclose()
    during = lags[base_lags:]
    push_ms = [(t - t0) * 1000 for t in pushed]
    return {
        "database": "postgresql" if database_url else "sqlite",
        "followers": followers,
        "sockets": len(tokens),
        "stored_all_ms": round((stored_at - t0) * 1000, 1),
        "pushed_ms_p50": round(pct(push_ms, 50), 1),
        "pushed_ms_max": round(max(push_ms), 1) if push_ms else None,
        "loop_lag_ms_p50_during": round(pct(during, 50), 2),
        "loop_lag_ms_p99_during": round(pct(during, 99), 2),
        "loop_lag_ms_max_during": round(max(during), 2) if during else None,
        "media_late_ticks": late_after - late_before,
        "note": "from POST /api/rooms (host goes live) to N stored notices / each socket's "
        "push; loop lag: a 20 ms timer on the event loop the media clock shares "
        "(late_ticks counts the mixer's own stalls over 200 ms)",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--followers", type=int, default=10_000)
    ap.add_argument("--sockets", type=int, default=200)
    ap.add_argument("--database-url", default=None)
    a = ap.parse_args()
    report("notify", asyncio.run(run(a.followers, a.sockets, a.database_url)))


if __name__ == "__main__":
    main()
