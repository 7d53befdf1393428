"""The notices' lane of durable jobs: fan-outs, reminders, expiry and emails, run in this
process (they take milliseconds; episodes' jobs have a runner of their own). Emails due
together go out over one SMTP connection."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import timedelta

from roomcast.actions import events, notify
from roomcast.actions.context import Context
from roomcast.domain.jobs import EMAIL, EXPIRE, FANOUT, NOTICE_KINDS, REMIND, Job

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # fan-outs, reminders, expiry (emails: settings.email_retry_attempts)
IDLE_SECONDS = 30.0


class NoticeRunner:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._wake = asyncio.Event()
        ctx.wake_notices = self._wake.set

    async def run(self) -> None:
        async with self.ctx.transaction() as uow:
            n = await uow.jobs.requeue_running(self.ctx.clock(), NOTICE_KINDS)
        if n:
            logger.warning("requeued %d notice job(s) interrupted by a restart", n)
        while True:
            self._wake.clear()  # before looking: a poke from now on is not lost
            try:
                if await self.step():
                    continue
                async with self.ctx.transaction() as uow:
                    due = await uow.jobs.next_due(NOTICE_KINDS)
                wait = IDLE_SECONDS
                if due is not None:
                    wait = min(wait, max(0.05, (due - self.ctx.clock()).total_seconds()))
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("notice runner failed; retrying")
                await asyncio.sleep(5)

    async def step(self) -> bool:
        """Run what is due now; False when nothing was."""
        async with self.ctx.transaction() as uow:
            jobs = await uow.jobs.claim(
                self.ctx.clock(), NOTICE_KINDS, self.ctx.settings.mail_batch
            )
        if not jobs:
            return False
        mails = [j for j in jobs if j.kind == EMAIL]
        for job in jobs:
            if job.kind != EMAIL:
                await self._run(job)
        if mails:
            if self.ctx.settings.smtp_host:
                await notify.send_emails(self.ctx, mails)
            else:  # email turned off since they were queued: nothing to send them with
                async with self.ctx.transaction() as uow:
                    for job in mails:
                        await uow.jobs.finish(job.id, self.ctx.clock(), error="no SMTP server")
        return True

    async def _run(self, job: Job) -> None:
        now = self.ctx.clock
        try:
            if job.kind == FANOUT:
                await notify.fan_out(self.ctx, job)
            elif job.kind == REMIND:
                await events.remind(self.ctx, job)
            elif job.kind == EXPIRE:
                await events.expire(self.ctx, job)
            else:
                raise ValueError(f"unknown job kind {job.kind!r}")
        except Exception as e:
            logger.exception("job %s (%s) failed", job.id, job.kind)
            async with self.ctx.transaction() as uow:
                if job.attempts >= MAX_ATTEMPTS:
                    await uow.jobs.finish(job.id, now(), error=str(e)[:500])
                else:
                    retry = now() + timedelta(
                        seconds=self.ctx.settings.job_retry_seconds * job.attempts
                    )
                    await uow.jobs.finish(job.id, now(), error=str(e)[:500], retry_at=retry)
            return
        async with self.ctx.transaction() as uow:
            await uow.jobs.finish(job.id, now())
