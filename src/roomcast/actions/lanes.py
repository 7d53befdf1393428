"""One loop for every lane of durable jobs (domain/jobs.py): at startup take back the jobs
a dead process left running, then run what is due, and sleep until the next job is due or
someone queues one (the lane's wake event)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress

from roomcast.actions.context import Context
from roomcast.domain.jobs import Job

logger = logging.getLogger(__name__)

IDLE_SECONDS = 30.0  # look for due jobs at least this often


async def run_lane(
    ctx: Context,
    name: str,
    kinds: Sequence[str],
    wake: asyncio.Event,
    batch: int,
    work: Callable[[list[Job]], Awaitable[None]],
) -> None:
    """Claim up to `batch` due jobs of `kinds` at a time and hand them to `work`, forever
    (until cancelled). `work` finishes each job it is given."""
    async with ctx.transaction() as uow:
        n = await uow.jobs.requeue_running(ctx.clock(), kinds)
    if n:
        logger.warning("%s: requeued %d job(s) interrupted by a restart", name, n)
    while True:
        wake.clear()  # before looking: a poke from now on is not lost
        try:
            async with ctx.transaction() as uow:
                claimed = await uow.jobs.claim(ctx.clock(), kinds, batch)
                due = None if claimed else await uow.jobs.next_due(kinds)
            if claimed:
                await work(claimed)
                continue
            wait = IDLE_SECONDS
            if due is not None:
                wait = min(wait, max(0.05, (due - ctx.clock()).total_seconds()))
            with suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), wait)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("%s failed; retrying", name)
            await asyncio.sleep(5)
