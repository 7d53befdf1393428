"""WebSockets: a room's snapshot then its updates; the hallway's snapshot then its updates.

Being connected to a room's socket is being present in the room. The handler subscribes to
the bus before it takes the snapshot, so no update falls between the two (updates are
idempotent, so one that is also in the snapshot does no harm).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from starlette.websockets import WebSocketDisconnect, WebSocketState

from roomcast.actions import accounts, rooms, safety
from roomcast.actions.clubs import clubs_of
from roomcast.actions.context import Context, uncancelled
from roomcast.bus import HALLWAY, Subscription, room_channel, signals_channel, user_channel
from roomcast.domain import permissions
from roomcast.domain.identity import user_key
from roomcast.domain.model import User, UserId, Visibility
from roomcast.domain.notices import Notice
from roomcast.domain.updates import (
    AccountSuspended,
    FiltersChanged,
    HallwayRoomChanged,
    ParticipantRemoved,
    Reaction,
    RoomEnded,
    SettingsChanged,
    TicketEnded,
    Tipped,
    hides,
    seen_by,
    visible_to,
)
from roomcast.errors import RoomcastError
from roomcast.web import wire
from roomcast.web.deps import context, guest_token, viewer
from roomcast.web.schemas import NoticeOut

logger = logging.getLogger(__name__)
router = APIRouter(tags=["live"])

# Close codes (4000-4999 are the application's): clients reconnect unless told not to.
CLOSE_REPLACED = 4409  # the same person connected again elsewhere: do not reconnect
CLOSE_ENDED = 4410  # the room has ended: do not reconnect
CLOSE_REFUSED = 4403  # could not join: the error message said why; do not reconnect
CLOSE_BAD_CLIENT = 4400  # too many malformed messages
CLOSE_BEHIND = 4408  # fell behind the updates: reconnect for a fresh snapshot
CLOSE_TOO_MANY = 4429  # too many sockets from this address: try again later
MAX_BAD_MESSAGES = 20
RULES_TABLE = permissions.table()


class Ping(BaseModel):
    type: Literal["ping"]


class Leave(BaseModel):
    type: Literal["leave"]


ClientMessage = TypeAdapter[Any](Annotated[Ping | Leave, Field(discriminator="type")])


@dataclass
class Connections:
    """This process's sockets: room sockets by (room, participant key), one per person per
    room; and how many sockets each address holds, so that one address cannot take them all."""

    max_per_address: int = 100
    sockets: dict[tuple[str, str], tuple[str, WebSocket]] = field(default_factory=dict)
    per_address: dict[str, int] = field(default_factory=dict)

    def admit(self, address: str) -> bool:
        held = self.per_address.get(address, 0)
        if held >= self.max_per_address:
            return False
        self.per_address[address] = held + 1
        return True

    def gone(self, address: str) -> None:
        held = self.per_address.get(address, 0) - 1
        if held > 0:
            self.per_address[address] = held
        else:
            self.per_address.pop(address, None)

    async def claim(self, room_id: str, key: str, connection_id: str, ws: WebSocket) -> None:
        old = self.sockets.get((room_id, key))
        self.sockets[(room_id, key)] = (connection_id, ws)
        if old is not None and old[1] is not ws:
            await _close(
                old[1],
                CLOSE_REPLACED,
                {"type": "replaced", "message": "You joined this room from another window."},
            )

    def release(self, room_id: str, key: str, connection_id: str) -> None:
        current = self.sockets.get((room_id, key))
        if current is not None and current[0] == connection_id:
            del self.sockets[(room_id, key)]


async def _close(ws: WebSocket, code: int, final: dict[str, Any] | None = None) -> None:
    if ws.application_state is not WebSocketState.CONNECTED:
        return
    try:
        if final is not None:
            await ws.send_json(final)
        await ws.close(code)
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # already gone


def same_origin(ws: WebSocket, public_url: str) -> bool:
    """Browsers always send Origin on WebSockets: refuse other sites' pages (CSWSH)."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True  # not a browser: cookies are the caller's own
    netloc = urlsplit(origin).netloc
    return netloc in {ws.headers.get("host", ""), urlsplit(public_url).netloc}


Encode = Callable[[object], dict[str, Any] | None]


async def _pump(ws: WebSocket, sub: Subscription, encode: Encode) -> int:
    """Forward messages until we fall behind. `encode` returns None for what this viewer
    skips; returns a close code for what ends the socket."""
    async for message in sub:
        encoded = encode(message)
        if encoded is not None:
            await ws.send_json(encoded)
        if isinstance(message, AccountSuspended):
            return CLOSE_REFUSED
    return CLOSE_BEHIND


@dataclass
class RoomSocket:
    """One room socket's viewer: what they may see changes when they block or are blocked."""

    ctx: Context
    ws: WebSocket
    room_id: str
    user: User | None
    guest: str
    key: str = ""
    hidden: frozenset[UserId] = frozenset()

    async def snapshot(self, snap: Any) -> None:
        """The room as this viewer sees it, with who they are and the rules of the stage
        (what each role may do: the page shows only that)."""
        self.hidden = await uncancelled(safety.hidden_from(self.ctx, self.user))
        body = wire.dump(wire.room_snapshot, visible_to(snap, self.hidden))
        await self.ws.send_json(
            {
                "type": "snapshot",
                "you": self.key,
                "rules": RULES_TABLE,
                "host_grace_seconds": self.ctx.settings.host_grace_seconds,
                "snapshot": body,
            }
        )

    async def pump(self, sub: Subscription) -> int:
        """The room's updates as this viewer sees them, until the room ends for them."""
        me = self.user.id if self.user else None
        async for message in sub:
            if isinstance(message, FiltersChanged):
                if me in message.users:  # a block between them and someone: refilter
                    try:
                        fresh = await uncancelled(rooms.snapshot(self.ctx, self.room_id, self.user))
                    except RoomcastError:
                        return CLOSE_REFUSED
                    await self.snapshot(fresh)
                continue
            if isinstance(message, TicketEnded):
                if message.key == self.key:  # refunded: no ticket, no audio
                    await self.ws.send_json(
                        {
                            "type": "error",
                            "code": "ticket_required",
                            "message": "Your ticket was refunded: this room needs a ticket.",
                        }
                    )
                    return CLOSE_REFUSED
                continue
            update = seen_by(message, me)  # type: ignore[arg-type]
            if not hides(update, self.hidden):
                await self.ws.send_json(
                    {"type": "update", "update": wire.dump(wire.room_update, update)}
                )
            if isinstance(update, RoomEnded):
                return CLOSE_ENDED
            if isinstance(update, ParticipantRemoved) and update.key == self.key:
                return CLOSE_REFUSED
            if isinstance(update, SettingsChanged) and not update.settings.guests and not me:
                await self.ws.send_json(
                    {
                        "type": "error",
                        "code": "sign_in_required",
                        "message": "This room is now for signed-in listeners: sign in to stay.",
                    }
                )
                return CLOSE_REFUSED
        return CLOSE_BEHIND


def _update(adapter: Any) -> Encode:
    def encode(m: object) -> dict[str, Any] | None:
        return {"type": "update", "update": wire.dump(adapter, m)}

    return encode


def _hallway_update(clubs: frozenset[int]) -> Encode:
    """The hallway's updates this viewer may see: a members-only room's only for members
    of its club (who were, when the socket opened)."""
    encode = _update(wire.hallway_update)

    def for_viewer(m: object) -> dict[str, Any] | None:
        hidden = (
            isinstance(m, HallwayRoomChanged)
            and m.room.visibility is Visibility.MEMBERS
            and (m.room.club is None or m.room.club.id not in clubs)
        )
        return None if hidden else encode(m)

    return for_viewer


def _personal(message: object) -> dict[str, Any] | None:
    """A room socket's share of the person's own messages: a suspension ends it; notices
    are for their notices socket."""
    if isinstance(message, AccountSuspended):
        return {"type": "error", "code": "suspended", "message": message.message}
    return None


def _notice(message: object) -> dict[str, Any] | None:
    if isinstance(message, Notice):
        body = NoticeOut.of(message).model_dump(mode="json")
        return {"type": "update", "update": {"type": "notice", "notice": body}}
    if isinstance(message, AccountSuspended):
        return {"type": "error", "code": "suspended", "message": message.message}
    return None


def _signal(message: object) -> dict[str, Any]:
    if isinstance(message, Reaction):
        return {"type": "reaction", "key": message.key, "emoji": message.emoji}
    if isinstance(message, Tipped):
        return {
            "type": "tip",
            "giver": message.giver.display_name,
            "speaker": message.speaker.display_name,
            "speaker_key": user_key(message.speaker.id),
        }
    return {"type": "levels", "levels": message}


async def _read(ws: WebSocket) -> int:
    """Answer pings; return on leave or disconnect; close a client that only sends garbage."""
    bad = 0
    while True:
        try:
            raw = await ws.receive_text()
        except (WebSocketDisconnect, RuntimeError):
            return 1000
        except KeyError:  # a binary frame: receive_text() finds no "text"
            raw = ""
        try:
            msg = ClientMessage.validate_json(raw)
        except ValidationError:
            bad += 1
            await ws.send_json(
                {
                    "type": "error",
                    "code": "bad_message",
                    "message": 'Expected {"type": "ping"} or {"type": "leave"}.',
                }
            )
            if bad >= MAX_BAD_MESSAGES:
                return CLOSE_BAD_CLIENT
            continue
        if isinstance(msg, Leave):
            return 1000
        await ws.send_json({"type": "pong"})


async def _serve(ws: WebSocket, *pumps: Coroutine[Any, Any, int]) -> None:
    tasks = [asyncio.create_task(p) for p in pumps]
    tasks.append(asyncio.create_task(_read(ws)))
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        first = done.pop()
        code = first.result() if not first.exception() else 1011
    except (WebSocketDisconnect, RuntimeError, OSError):
        code = 1000
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    await _close(ws, code)


@asynccontextmanager
async def _admitted(ws: WebSocket, ctx: Context) -> AsyncIterator[bool]:
    """Accept the socket; False (after telling the client) when its address holds too many
    already. Real audiences share NAT addresses: the cap is a setting."""
    connections: Connections = ws.app.state.connections
    address = ws.client.host if ws.client else "unknown"
    await ws.accept()
    if not connections.admit(address):
        await _close(
            ws,
            CLOSE_TOO_MANY,
            {
                "type": "error",
                "code": "too_many_connections",
                "message": "Too many connections from your network. Close a tab and retry.",
            },
        )
        yield False
        return
    try:
        yield True
    finally:
        connections.gone(address)


@router.websocket("/api/rooms/{room_id}/live")
async def room_live(ws: WebSocket, room_id: str) -> None:
    ctx = context(ws)
    if not same_origin(ws, ctx.settings.base_url):
        await ws.close(CLOSE_REFUSED)
        return
    async with _admitted(ws, ctx) as admitted:
        if admitted:
            ctx.counters["room_sockets"] += 1
            await _room_socket(ws, ctx, room_id[:64])


async def _room_socket(ws: WebSocket, ctx: Context, room_id: str) -> None:
    user = await viewer(ws)
    guest = guest_token(ws) or secrets.token_urlsafe(12)  # non-browser clients: one per socket
    connection_id = secrets.token_hex(8)
    connections: Connections = ws.app.state.connections
    view = RoomSocket(ctx, ws, room_id, user, guest)
    personal = user_channel(user.id) if user else f"user:guest:{connection_id}"
    async with (
        ctx.bus.subscribe(room_channel(room_id)) as sub,
        ctx.bus.subscribe(signals_channel(room_id)) as signals,
        ctx.bus.subscribe(personal) as mine,
    ):
        try:
            snap, me = await rooms.join(ctx, room_id, user, guest, connection_id)
        except RoomcastError as e:
            code = CLOSE_ENDED if e.http_status == 410 else CLOSE_REFUSED
            await _close(ws, code, {"type": "error", **e.to_dict()})
            return
        view.key = me.key
        try:
            await connections.claim(room_id, me.key, connection_id, ws)
            await view.snapshot(snap)
            await _serve(
                ws, view.pump(sub), _pump(ws, signals, _signal), _pump(ws, mine, _personal)
            )
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass
        finally:
            connections.release(room_id, me.key, connection_id)
            try:
                await uncancelled(rooms.leave(ctx, room_id, me.key, connection_id))
            except Exception:  # the store may be closing at shutdown; restart recovery cleans up
                logger.exception("could not record %s leaving room %s", me.key, room_id)


@router.websocket("/api/me/live")
async def my_live(ws: WebSocket) -> None:
    """A signed-in person's own socket, open on every page: a snapshot with the unread
    count, then an update for each new notice as it is given (the bell counts them)."""
    ctx = context(ws)
    if not same_origin(ws, ctx.settings.base_url):
        await ws.close(CLOSE_REFUSED)
        return
    user = await viewer(ws)
    async with _admitted(ws, ctx) as admitted:
        if not admitted:
            return
        if user is None:
            await _close(
                ws,
                CLOSE_REFUSED,
                {"type": "error", "code": "not_authenticated", "message": "Sign in first."},
            )
            return
        async with ctx.bus.subscribe(user_channel(user.id)) as mine:
            try:
                unread, _ = await uncancelled(accounts.notices_of(ctx, user, limit=0))
                await ws.send_json({"type": "snapshot", "unread": unread})
                await _serve(ws, _pump(ws, mine, _notice))
            except (WebSocketDisconnect, RuntimeError, OSError):
                pass


@router.websocket("/api/hallway/live")
async def hallway_live(ws: WebSocket) -> None:
    ctx = context(ws)
    if not same_origin(ws, ctx.settings.base_url):
        await ws.close(CLOSE_REFUSED)
        return
    user = await viewer(ws)
    async with _admitted(ws, ctx) as admitted, ctx.bus.subscribe(HALLWAY) as sub:
        if not admitted:
            return
        try:
            snap = await rooms.hallway(ctx, user)
            clubs = await clubs_of(ctx, user)
            await ws.send_json(
                {"type": "snapshot", "snapshot": wire.dump(wire.hallway_snapshot, snap)}
            )
            await _serve(ws, _pump(ws, sub, _hallway_update(clubs)))
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass
