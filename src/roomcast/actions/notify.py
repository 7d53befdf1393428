"""Telling people: notices stored once per occasion, pushed to their open sockets, and
emailed to those who confirmed an address and want that kind by email.

Giving a notice to an audience (a host's followers, an event's RSVPs) is a durable job:
queued in the transaction of what it announces, then run by the notices' lane in this
process, a thousand people per transaction. Each notice's email is a job queued in the same
transaction as the notice, with its Message-ID fixed then: a crash before the send sends it
after the restart, once; a crash during the send may send it again, as the same message.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from roomcast import mailer
from roomcast.actions.context import Context
from roomcast.bus import user_channel
from roomcast.domain import notices, tokens
from roomcast.domain.events import zone
from roomcast.domain.jobs import EMAIL, FANOUT, Job
from roomcast.domain.model import UserId
from roomcast.domain.notices import Channel, Draft, Kind, Notice, Prefs
from roomcast.store import UnitOfWork

logger = logging.getLogger(__name__)

FOLLOWERS, RSVPS, PEOPLE = "followers", "rsvps", "people"
MEMBERS, CLUB_FOLLOWERS = "members", "club_followers"
# ("followers", host id) | ("rsvps", event id) | ("people", [ids]) | ("members", club id)
# | ("club_followers", club id)
Audience = tuple[str, Any]


def prefs_of(raw: str) -> Prefs:
    try:
        said = json.loads(raw)
    except ValueError:
        said = {}
    ok = isinstance(said, dict) and all(isinstance(v, bool) for v in said.values())
    return Prefs(said if ok else {})


# ---- queueing ------------------------------------------------------------------------------


def _draft_json(draft: Draft) -> dict[str, Any]:
    d = asdict(draft)
    d["kind"] = draft.kind.value
    d["starts_at"] = draft.starts_at.isoformat() if draft.starts_at else None
    return d


def _draft_of(d: Mapping[str, Any]) -> Draft:
    at = d.get("starts_at")
    return Draft(
        **{**d, "kind": Kind(d["kind"]), "starts_at": datetime.fromisoformat(at) if at else None}
    )


async def announce(
    ctx: Context,
    uow: UnitOfWork,
    draft: Draft,
    audiences: Sequence[Audience],
    *,
    exclude: UserId | None = None,
) -> None:
    """In this unit of work: tell these audiences of `draft`, once it has committed."""
    now = ctx.clock()
    payload = {"draft": _draft_json(draft), "audiences": list(audiences), "exclude": exclude}
    await uow.jobs.add(FANOUT, None, now, now, payload)
    uow.after_commit(_wake(ctx))


def _wake(ctx: Context) -> Callable[[], Awaitable[None]]:
    """The after-commit poke of the notices' lane (new work is waiting)."""

    async def wake() -> None:
        ctx.wake_notices()

    return wake


# ---- running: the fan-out ------------------------------------------------------------------


async def _audience(uow: UnitOfWork, audiences: Sequence[Audience]) -> list[UserId]:
    found: dict[UserId, None] = {}
    for what, ref in audiences:
        if what == FOLLOWERS:
            async for batch in uow.follows.follower_ids(UserId(int(ref))):
                found.update(dict.fromkeys(batch))
        elif what == RSVPS:
            async for batch in uow.events.rsvp_ids(str(ref)):
                found.update(dict.fromkeys(batch))
        elif what == PEOPLE:
            found.update(dict.fromkeys(UserId(int(u)) for u in ref))
        elif what == MEMBERS:
            async for batch in uow.clubs.member_ids(int(ref)):
                found.update(dict.fromkeys(batch))
        elif what == CLUB_FOLLOWERS:
            async for batch in uow.clubs.follower_ids(int(ref)):
                found.update(dict.fromkeys(batch))
    return list(found)


async def fan_out(ctx: Context, job: Job) -> None:
    draft = _draft_of(job.payload["draft"])
    async with ctx.transaction() as uow:
        people = await _audience(uow, job.payload["audiences"])
    exclude = job.payload.get("exclude")
    people = [u for u in people if u != exclude]
    for i in range(0, len(people), 1000):
        await deliver(ctx, draft, people[i : i + 1000])


async def deliver(ctx: Context, draft: Draft, people: Sequence[UserId]) -> int:
    """Give `draft` to each of `people` not told of its occasion yet: store it, queue its
    email where wanted, and (after the commit) push it to their sockets. Returns how many
    were told now."""
    now = ctx.clock()
    async with ctx.transaction() as uow:
        got = await uow.notifications.give(draft, people, now)
        if not got:
            return 0
        custom = {u: prefs_of(raw) for u, raw in (await uow.users.custom_prefs(got)).items()}
        default = Prefs({})
        quiet = [u for u in got if not custom.get(u, default).wants(draft.kind, Channel.APP)]
        if quiet:  # kept (it is what says "told once"), but not shown as new
            await uow.notifications.mark_ids_read([got[u] for u in quiet], now)
        if ctx.settings.smtp_host:
            emailed = [u for u in got if custom.get(u, default).wants(draft.kind, Channel.EMAIL)]
            addresses = await uow.users.addresses(emailed)
            host = urlsplit(ctx.settings.base_url).hostname or "roomcast"
            await uow.jobs.add_many(
                EMAIL,
                [
                    {
                        "notice": got[u],
                        "user": u,
                        "to": email,
                        "message_id": f"<notice.{got[u]}.{secrets.token_hex(6)}@{host}>",
                    }
                    for u, email in addresses.items()
                ],
                now,
            )
            if addresses:
                uow.after_commit(_wake(ctx))
        actors = await uow.users.public([draft.actor_id] if draft.actor_id else [])
        actor = actors.get(draft.actor_id) if draft.actor_id else None
        shown = set(got) - set(quiet)
        for u in shown:
            notice = Notice(
                id=got[u],
                kind=draft.kind,
                text=draft.text,
                url=draft.url,
                created_at=now,
                actor=actor,
                event_id=draft.event_id,
                starts_at=draft.starts_at,
            )
            uow.publish(user_channel(u), notice)
    ctx.counters["notices"] += len(got)
    return len(got)


# ---- running: emails -----------------------------------------------------------------------


def unsubscribe_url(ctx: Context, user: UserId, kind: str) -> str:
    token = tokens.sign(ctx.settings.secret, "unsubscribe", str(user), kind)
    return f"{ctx.settings.base_url}/email/unsubscribe?u={user}&k={kind}&t={token}"


def confirm_url(ctx: Context, user: UserId, email: str, expires: datetime) -> str:
    stamp = str(int(expires.timestamp()))
    token = tokens.sign(ctx.settings.secret, "confirm", str(user), email, stamp)
    return f"{ctx.settings.base_url}/email/confirm?u={user}&x={stamp}&t={token}"


REASONS = {
    Kind.LIVE: "you follow this person or asked to be told when this event starts",
    Kind.SCHEDULED: "you follow this person",
    Kind.REMINDER: 'you said "notify me" to this event',
    Kind.CHANGED: 'you said "notify me" to this event',
    Kind.CANCELLED: 'you said "notify me" to this event',
    Kind.COHOST: "the host invited you to co-host",
    Kind.FOLLOW: "someone followed you",
    Kind.CLUB: "you are in this club, or help run it",
    Kind.TICKET: "you have a ticket for it",
}


async def _compose(ctx: Context, job: Job) -> mailer.Mail | None:
    """The message a queued email job stands for, or None when it should no longer go
    (the address changed or was refused, the person said no to this kind)."""
    p = job.payload
    user_id, to, message_id = UserId(int(p["user"])), str(p["to"]), str(p["message_id"])
    base = ctx.settings.base_url
    async with ctx.transaction() as uow:
        user = await uow.users.get(user_id)
        contact = await uow.users.contact(user_id)
        if user is None or user.suspended or contact.email != to:
            return None
        if "confirm" in p:  # the confirmation link itself goes to an unconfirmed address
            expires = datetime.fromisoformat(p["expires"])
            link = confirm_url(ctx, user_id, to, expires)
            text = (
                f"Hi {user.display_name},\n\nConfirm that this is your address for Roomcast "
                f"emails (reminders and notices you choose):\n\n{link}\n\nThe link works "
                "for 3 days. If you did not ask for this, ignore this email: nothing will "
                "be sent to you.\n"
            )
            return mailer.Mail(to, "Confirm your email for Roomcast", text, message_id, ctx.clock())
        if not contact.reachable:
            return None
        notice = await uow.notifications.by_id(user_id, int(p["notice"]))
        prefs = prefs_of(await uow.users.prefs(user_id))
    if notice is None or not prefs.wants(notice.kind, Channel.EMAIL):
        return None
    lines = [f"Hi {user.display_name},", "", notice.text + "."]
    if notice.starts_at is not None:
        local = notice.starts_at.astimezone(zone(user.time_zone))
        lines.append(f"When: {notices.when_text(local)}")
    unsubscribe = unsubscribe_url(ctx, user_id, notice.kind.value)
    lines += [
        "",
        f"Open it: {base}{notice.url}",
        "",
        "-- ",
        f"You get this email because {REASONS[notice.kind]}.",
        f"Stop emails like this one: {unsubscribe}",
        f"Choose what Roomcast emails you: {base}/settings#notifications",
    ]
    return mailer.Mail(
        to, notice.text, "\n".join(lines) + "\n", message_id, ctx.clock(), unsubscribe
    )


async def send_emails(ctx: Context, jobs: Sequence[Job]) -> None:
    """Send a batch of email jobs over one SMTP connection; each job is finished as soon as
    its outcome is known."""
    now = ctx.clock
    mails: list[mailer.Mail] = []
    job_of: dict[str, Job] = {}
    for job in jobs:
        mail = await _compose(ctx, job)
        if mail is None:
            async with ctx.transaction() as uow:
                await uow.jobs.finish(job.id, now())
            continue
        mails.append(mail)
        job_of[mail.message_id] = job

    async def told(mail: mailer.Mail, outcome: mailer.Outcome) -> None:
        job = job_of[mail.message_id]
        async with ctx.transaction() as uow:
            if outcome is mailer.Outcome.SENT:
                await uow.jobs.finish(job.id, now())
                ctx.counters["emails_sent"] += 1
            elif outcome is mailer.Outcome.REFUSED:
                await uow.jobs.finish(job.id, now(), error="undeliverable")
                await uow.users.refuse_email(mail.to, now())
                ctx.counters["emails_refused"] += 1
            elif job.attempts >= ctx.settings.email_retry_attempts:
                await uow.jobs.finish(job.id, now(), error="gave up: the SMTP server is down")
            else:
                delay = ctx.settings.job_retry_seconds * 2 ** (job.attempts - 1)
                retry = now() + timedelta(seconds=min(delay, 3600))
                await uow.jobs.finish(job.id, now(), error="SMTP unavailable", retry_at=retry)

    if mails:
        await mailer.send(ctx.settings, mails, told)


async def queue_confirmation(ctx: Context, uow: UnitOfWork, user: UserId, email: str) -> None:
    now = ctx.clock()
    host = urlsplit(ctx.settings.base_url).hostname or "roomcast"
    payload = {
        "confirm": True,
        "user": user,
        "to": email,
        "expires": (now + timedelta(days=3)).isoformat(),
        "message_id": f"<confirm.{user}.{secrets.token_hex(8)}@{host}>",
    }
    await uow.jobs.add(EMAIL, None, now, now, payload)
    uow.after_commit(_wake(ctx))
