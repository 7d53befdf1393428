"""A task cancelled in the middle of its database work must not stall every later write.

aiosqlite cannot be trusted with a query whose task is cancelled: its connection, holding
SQLite's write lock, is left to the garbage collector, and writers wait (seen here: 3 s and
more, until a collection). Work that may be cancelled (a socket's pumps) goes through
`uncancelled`, which lets it finish in a task of its own."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from sqlalchemy import text

from roomcast.actions.context import uncancelled
from roomcast.store import Store


async def test_cancelled_callers_never_stall_the_database(tmp_path: Path) -> None:
    store = Store(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    await store.migrate()
    rng = random.Random(9)

    async def work() -> None:
        async with store.unit_of_work() as uow:
            for _ in range(10):
                await uow.session.execute(text("SELECT count(*) FROM users"))
            await uow.session.execute(text("UPDATE users SET bio = '' WHERE id = -1"))

    try:
        for _ in range(120):
            caller = asyncio.create_task(uncancelled(work()))
            await asyncio.sleep(rng.random() * 0.004)  # somewhere in the middle of it
            caller.cancel()
            await asyncio.gather(caller, return_exceptions=True)
            await asyncio.wait_for(work(), 5)  # the next writer gets in
    finally:
        await store.close()
