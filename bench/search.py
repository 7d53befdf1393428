"""Search over many episodes, each with a synthetic transcript: how long the index takes to
build, how big it is, and how long a search takes at the API (GET /api/search, timed at a
signed-in client over loopback, one request at a time) for several kinds of query.

Transcripts are words drawn from a 5,000-word vocabulary with a Zipf-like law (as speech
is: a few words very often, most rarely), 150 words a minute, cut into captions of 14 words
as post-production cuts them; every episode's words are indexed through the same calls the
production lane makes (actions/search.py), 50 episodes a transaction.

    .venv/bin/python bench/search.py [--episodes 10000] [--minutes 10] [--requests 200]
        [--postgres | --database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo: tests' helpers

from tests.live_server import Client, LiveServer, run_server

from common import database, pct, report
from roomcast.actions import search as index
from roomcast.domain.captions import Cue
from roomcast.domain.model import RoomId, UserId
from roomcast.domain.podcasts import Episode, EpisodeStatus, TranscriptStatus
from roomcast.store.tables import RoomRow

VOCABULARY = 5000
WORDS_PER_MINUTE = 150
CUE_WORDS = 14
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def vocabulary(rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def zipf_weights(n: int) -> list[float]:
    return [1.0 / (rank + 1) for rank in range(n)]


async def seed(
    srv: LiveServer, host: int, episodes: int, minutes: int, rng: random.Random
) -> tuple[float, list[str], list[str]]:
    """The episodes and their index; returns the build time, the vocabulary and a phrase
    actually said (for phrase queries)."""
    words = vocabulary(rng)
    weights = zipf_weights(len(words))
    now = datetime.now(UTC)
    per_episode = WORDS_PER_MINUTE * minutes
    said_phrases: list[str] = []
    build = 0.0
    batch = 50
    for first in range(0, episodes, batch):
        made: list[tuple[Episode, list[Cue]]] = []
        rooms, rows = [], []
        for i in range(first, min(first + batch, episodes)):
            eid, rid = f"ep{i:06d}", f"rm{i:06d}"
            title = " ".join(rng.choices(words, weights, k=4)).capitalize()
            notes = " ".join(rng.choices(words, weights, k=30))
            spoken = rng.choices(words, weights, k=per_episode)
            cues = [
                Cue(
                    k / WORDS_PER_MINUTE * 60,
                    (k + CUE_WORDS) / WORDS_PER_MINUTE * 60,
                    None,
                    " ".join(spoken[k : k + CUE_WORDS]),
                    tuple(
                        round((k + j) / WORDS_PER_MINUTE * 60, 2)
                        for j in range(len(spoken[k : k + CUE_WORDS]))
                    ),
                )
                for k in range(0, len(spoken), CUE_WORDS)
            ]
            if i % 97 == 0:
                said_phrases.append(" ".join(spoken[100:103]))
            ep = Episode(
                id=eid,
                room_id=RoomId(rid),
                user_id=UserId(host),
                title=title,
                notes=notes,
                language="en",
                status=EpisodeStatus.PUBLISHED,
                created_at=now,
                updated_at=now,
                published_at=now,
                duration=minutes * 60.0,
                transcript=TranscriptStatus.READY,
            )
            rooms.append(
                {
                    "id": rid,
                    "host_id": host,
                    "title": title,
                    "description": "",
                    "topic": "other",
                    "language": "en",
                    "visibility": "open",
                    "state": "ended",
                    "created_at": now,
                    "ended_at": now,
                }
            )
            rows.append(ep)
            made.append((ep, cues))
        async with srv.ctx.store.unit_of_work() as uow:
            await uow.session.execute(insert(RoomRow), rooms)
            for ep in rows:
                await uow.episodes.add(ep)
        t0 = time.perf_counter()
        async with srv.ctx.store.unit_of_work() as uow:
            for ep, cues in made:
                await index.episode(uow, ep)
                await index.said(uow, ep, cues)
        build += time.perf_counter() - t0
    async with srv.ctx.store.unit_of_work() as uow:
        await uow.session.execute(text("ANALYZE"))
    return build, words, said_phrases


async def index_size(srv: LiveServer, folder: Path) -> float:
    """Megabytes: on SQLite the database file (WAL checkpointed), on PostgreSQL the
    search table with its indexes."""
    if srv.ctx.store.is_sqlite:
        return await asyncio.to_thread(_sqlite_size, folder / "rc.db")
    async with srv.ctx.store.unit_of_work() as uow:
        size = await uow.session.scalar(text("SELECT pg_total_relation_size('search_docs')"))
        return float(size or 0) / 1e6


def _sqlite_size(path: Path) -> float:
    """The database's size once its write-ahead log is checkpointed (the server is idle)."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in path.parent.glob("rc.db*")) / 1e6


async def timed(c: Client, queries: list[str]) -> tuple[list[float], int]:
    out, found = [], 0
    for q in queries:
        t0 = time.perf_counter()
        r = await c.get("/api/search", params={"q": q})
        out.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, r.text
        found += len(r.json()["results"])
    return out, found


async def run(
    episodes: int, minutes: int, requests: int, database_url: str | None
) -> dict[str, Any]:
    rng = random.Random(13)  # noqa: S311 - seeded test data
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/rc.db"
        async with run_server(Path(tmp), url) as srv, Client(srv) as viewer:
            await viewer.signup("viewer")
            before = await index_size(srv, Path(tmp))
            build, words, phrases = await seed(srv, viewer.user_id, episodes, minutes, rng)
            after = await index_size(srv, Path(tmp))
            async with srv.ctx.store.unit_of_work() as uow:
                docs = await uow.search.count()
            n = max(5, requests // 5)
            kinds = {
                "common word": [words[rng.randrange(0, 20)] for _ in range(n)],
                "rare word": [words[rng.randrange(2000, len(words))] for _ in range(n)],
                "two words": [
                    f"{words[rng.randrange(50, 500)]} {words[rng.randrange(50, 500)]} "
                    for _ in range(n)
                ],
                "phrase said": [f'"{rng.choice(phrases)}"' for _ in range(n)],
                "prefix": [words[rng.randrange(100, 1000)][:4] + "*" for _ in range(n)],
            }
            await timed(viewer, [words[0], words[1]])  # warm
            figures: dict[str, Any] = {}
            every: list[float] = []
            for name, queries in kinds.items():
                ms, found = await timed(viewer, queries)
                every += ms
                key = name.replace(" ", "_")
                figures[f"{key}_ms_p50"] = round(pct(ms, 50), 1)
                figures[f"{key}_ms_p95"] = round(pct(ms, 95), 1)
                figures[f"{key}_results_per_query"] = round(found / len(queries), 1)
    return {
        "database": "postgresql" if database_url else "sqlite",
        "episodes": episodes,
        "transcript_minutes": minutes,
        "documents": docs,
        "index_build_s": round(build, 1),
        "index_mb": round(after - before, 1),
        "all_ms_p50": round(pct(every, 50), 1),
        "all_ms_p95": round(pct(every, 95), 1),
        **figures,
        "note": "GET /api/search at a signed-in client over loopback, one at a time; "
        "results are the best 20 things (titles, then notes, then what was said)",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=10_000)
    ap.add_argument("--minutes", type=int, default=10)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--postgres", action="store_true", help="start a PostgreSQL for the run")
    a = ap.parse_args()
    with database("postgres" if a.postgres else "sqlite", a.database_url) as url:
        figures = asyncio.run(run(a.episodes, a.minutes, a.requests, url))
        report("search", figures)


if __name__ == "__main__":
    main()
