"""Publish/subscribe for updates after commit. In-process now; Redis behind this API later.

A slow subscriber never blocks a publisher: its queue is bounded and, when full, it is marked
overflowed and closed, so its client reconnects and starts again from a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

logger = logging.getLogger(__name__)

_CLOSED = object()


class Subscription:
    def __init__(self, channel: str, maxsize: int) -> None:
        self.channel = channel
        self.overflowed = False
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize)

    def _put(self, message: object) -> None:
        if self.overflowed:
            return
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed = True
            logger.warning("subscriber to %s fell behind; closing it", self.channel)
            self._queue.get_nowait()  # make room for the close marker
            self._queue.put_nowait(_CLOSED)

    def close(self) -> None:
        self._put(_CLOSED)

    async def get(self) -> object | None:
        """The next message, or None once the subscription is closed."""
        message = await self._queue.get()
        return None if message is _CLOSED else message

    def __aiter__(self) -> AsyncIterator[object]:
        return self._iter()

    async def _iter(self) -> AsyncIterator[object]:
        while (message := await self.get()) is not None:
            yield message


class Bus:
    def __init__(self, queue_size: int = 1000) -> None:
        self._subs: defaultdict[str, set[Subscription]] = defaultdict(set)
        self._queue_size = queue_size

    def publish(self, channel: str, message: object) -> None:
        for sub in tuple(self._subs.get(channel, ())):
            sub._put(message)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        sub = Subscription(channel, self._queue_size)
        self._subs[channel].add(sub)
        try:
            yield sub
        finally:
            self._subs[channel].discard(sub)
            if not self._subs[channel]:
                del self._subs[channel]


def room_channel(room_id: str) -> str:
    return f"room:{room_id}"


def signals_channel(room_id: str) -> str:
    """Ephemeral signals (speaking levels from the media engine, emoji reactions): never
    stored, never in snapshots."""
    return f"signals:{room_id}"


def user_channel(user_id: int) -> str:
    """Messages for one person's open sockets (e.g. their account was suspended)."""
    return f"user:{user_id}"


HALLWAY = "hallway"
