"""The notices' lane of durable jobs: fan-outs, reminders, expiry and emails, run in this
process (they take milliseconds; episodes' jobs have a runner of their own). Emails due
together go out over one SMTP connection."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from roomcast.actions import events, notify, tickets
from roomcast.actions.context import Context
from roomcast.actions.lanes import run_lane
from roomcast.domain.jobs import EMAIL, EXPIRE, FANOUT, NOTICE_KINDS, REFUND, REMIND, Job

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # fan-outs, reminders, expiry (emails: settings.email_retry_attempts)


class NoticeRunner:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._wake = asyncio.Event()
        ctx.wake_notices = self._wake.set

    async def run(self) -> None:
        batch = self.ctx.settings.mail_batch
        await run_lane(self.ctx, "notice jobs", NOTICE_KINDS, self._wake, batch, self.work)

    async def work(self, jobs: list[Job]) -> None:
        """Fan-outs, reminders and expiry one by one; the emails together, over one SMTP
        connection."""
        mails = [j for j in jobs if j.kind == EMAIL]
        for job in jobs:
            if job.kind != EMAIL:
                await self._run(job)
        if mails and self.ctx.settings.smtp_host:
            await notify.send_emails(self.ctx, mails)
        elif mails:  # email turned off since they were queued: nothing to send them with
            async with self.ctx.transaction() as uow:
                for job in mails:
                    await uow.jobs.finish(job.id, self.ctx.clock(), error="no SMTP server")

    async def _run(self, job: Job) -> None:
        now = self.ctx.clock
        try:
            if job.kind == FANOUT:
                await notify.fan_out(self.ctx, job)
            elif job.kind == REMIND:
                await events.remind(self.ctx, job)
            elif job.kind == EXPIRE:
                await events.expire(self.ctx, job)
            elif job.kind == REFUND:
                await tickets.run_refunds(self.ctx, job)
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
