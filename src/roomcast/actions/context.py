"""What every action needs, built once in create_app() and passed down."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from argon2 import PasswordHasher

from roomcast.bus import Bus
from roomcast.config import Settings
from roomcast.domain.ratelimit import Buckets, Limit
from roomcast.media import MediaEngine
from roomcast.payments import PaymentProvider
from roomcast.store import Store, UnitOfWork


def utcnow() -> datetime:
    return datetime.now(UTC)


T = TypeVar("T")
_running_on: set[asyncio.Future[Any]] = set()


async def uncancelled(work: Coroutine[Any, Any, T]) -> T:
    """Await `work` (actions, units of work) so that cancelling the caller does not cut it
    off: it runs to its end in a task of its own. aiosqlite cannot be trusted with a query
    whose task was cancelled (its connection, holding SQLite's write lock, is left to the
    garbage collector, and every write waits). Use it where a task may be cancelled in the
    middle of its work, e.g. a socket's pumps."""
    task = asyncio.ensure_future(work)
    _running_on.add(task)
    task.add_done_callback(_forget)
    return await asyncio.shield(task)


def _forget(task: asyncio.Future[Any]) -> None:
    _running_on.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: an error nobody awaits any more is not re-reported


@dataclass
class Context:
    settings: Settings
    store: Store
    bus: Bus
    media: MediaEngine | None = None  # None in CLI contexts, which carry no audio
    payments: PaymentProvider | None = None  # None: this server takes no payments
    clock: Callable[[], datetime] = utcnow
    monotonic: Callable[[], float] = time.monotonic
    hasher: PasswordHasher = field(init=False)  # argon2id, with the settings' cost
    # set by the job runner: new background work is waiting (no-op without a runner)
    wake_jobs: Callable[[], None] = lambda: None
    wake_notices: Callable[[], None] = lambda: None  # the same, for the notices' lane
    # chat messages and reactions per person per room, reports per person, and the limits
    # set by settings (sign-in, rooms, audio offers): see __post_init__
    limits: dict[str, Buckets] = field(
        default_factory=lambda: {
            "chat": Buckets(Limit(burst=5, per_seconds=2.0)),
            "reaction": Buckets(Limit(burst=8, per_seconds=0.25)),
            "report": Buckets(Limit(burst=5, per_seconds=600)),
            "email": Buckets(Limit(burst=5, per_seconds=600)),  # confirmation emails sent
            "follow": Buckets(Limit(burst=60, per_seconds=2.0)),  # a follow storm is slowed
            "club": Buckets(Limit(burst=5, per_seconds=600)),  # clubs made per person
        }
    )
    # what happened since start, for /metrics: room sockets opened, audio offers answered...
    counters: Counter[str] = field(default_factory=Counter)
    # verified when a username is unknown, so a wrong name costs as long as a wrong password
    dummy_hash: str = field(init=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work whose queued updates and media commands go out once it has
        committed: updates to the bus, commands to the media plane, in that order."""
        async with self.store.unit_of_work() as uow:
            yield uow
        for channel, message in uow.outbox:  # no await in between: commit order is kept
            self.bus.publish(channel, message)
        if self.media is not None:  # CLI contexts carry no audio
            for command in uow.commands:
                await self.media.apply(command)
        for effect in uow.effects:
            await effect()

    @property
    def engine(self) -> MediaEngine:
        if self.media is None:
            raise RuntimeError("this context has no media engine (a CLI context)")
        return self.media

    def __post_init__(self) -> None:
        s = self.settings
        self.hasher = PasswordHasher(
            time_cost=s.password_hash_time_cost, memory_cost=s.password_hash_memory_kib
        )
        login = Limit(s.login_burst, s.login_refill_seconds)
        rooms = Limit(s.room_burst, s.room_refill_seconds)
        self.limits.update(
            {
                "auth_ip": Buckets(login),  # every sign-in or sign-up from an address
                "auth_failed": Buckets(login),  # failed sign-ins, per username and address
                "auth_slow": Buckets(login),  # failed sign-ins per username: slows, never locks
                "room_user": Buckets(rooms),
                "room_ip": Buckets(Limit(rooms.burst * 4, rooms.per_seconds / 4)),
                "offer": Buckets(Limit(s.media_offer_burst, s.media_offer_refill_seconds)),
            }
        )
        self.dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
