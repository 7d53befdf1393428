"""The real server, in-process on 127.0.0.1, and clients that talk to it like browsers do."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from roomcast.actions.context import Context
from roomcast.config import Settings
from roomcast.media import SessionDescription
from roomcast.web.app import create_app

SECRET = "test-secret-key-that-is-long-enough-0123456789"
# argon2id at OWASP's minimum (the settings' floor): a real hash, 6x quicker than the default
CHEAPEST_SAFE_HASHING: dict[str, Any] = {
    "password_hash_memory_kib": 19456,
    "password_hash_time_cost": 2,
}


@dataclass
class Endpoint:
    url: str

    @property
    def ws_url(self) -> str:
        return "ws" + self.url[4:]


@dataclass
class LiveServer(Endpoint):
    ctx: Context
    app: Any


@asynccontextmanager
async def run_server(
    data_dir: Path, database_url: str, **overrides: Any
) -> AsyncIterator[LiveServer]:
    # IPPROTO_TCP, as `roomcast serve` binds it: asyncio then sets TCP_NODELAY on each
    # connection (without it every response with a body waits 40 ms for a delayed ACK)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        database_url=database_url,
        secret_key=SECRET,
        public_url=f"http://127.0.0.1:{port}",
        port=port,
        **{**CHEAPEST_SAFE_HASHING, **overrides},
    )
    app = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(
            app, log_config=None, ws_max_size=64 * 1024, timeout_graceful_shutdown=2, lifespan="on"
        )
    )
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(400):
        if server.started or task.done():
            break
        await asyncio.sleep(0.025)
    if not server.started:
        sock.close()
        await task  # raises the startup error
        raise RuntimeError("server did not start")
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app.state.ctx, app)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)
        sock.close()


@asynccontextmanager
async def server_process(
    data_dir: Path, database_url: str, **settings: str
) -> AsyncIterator[tuple[Endpoint, asyncio.subprocess.Process]]:
    """The real server as its own process (`roomcast serve`), to be killed with SIGKILL."""
    env = {
        **os.environ,
        **{f"ROOMCAST_{k.upper()}": v for k, v in settings.items()},
        "ROOMCAST_DATA_DIR": str(data_dir),
        "ROOMCAST_DATABASE_URL": database_url,
        "ROOMCAST_SECRET_KEY": SECRET,
        "ROOMCAST_HOST_GRACE_SECONDS": "600",
        **{f"ROOMCAST_{k.upper()}": str(v) for k, v in CHEAPEST_SAFE_HASHING.items()},
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "roomcast",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert line.startswith(b"LISTENING "), line
        yield Endpoint(line.split()[1].decode()), proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


class Client:
    """A browser-like client: cookie jar, CSRF header copied from the cookie, JSON errors."""

    def __init__(self, server: Endpoint) -> None:
        self.server = server
        self.http = httpx.AsyncClient(base_url=server.url, timeout=15)

    async def __aenter__(self) -> Client:
        await self.http.get("/api/csrf")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"x-csrf-token": self.http.cookies.get("rc_csrf") or ""}
        headers.update(extra or {})
        return headers

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.http.get(path, **kw)

    async def post(
        self, path: str, json: Any = None, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        return await self.http.post(path, json=json, headers=self._headers(headers), **kw)

    async def patch(self, path: str, json: Any = None, **kw: Any) -> httpx.Response:
        return await self.http.patch(path, json=json, headers=self._headers(None), **kw)

    async def put(
        self, path: str, json: Any = None, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        return await self.http.put(path, json=json, headers=self._headers(headers), **kw)

    async def delete(self, path: str, **kw: Any) -> httpx.Response:
        return await self.http.delete(path, headers=self._headers(None), **kw)

    async def signup(
        self, username: str, password: str = "correct horse", **extra: str
    ) -> dict[str, Any]:
        r = await self.post(
            "/api/auth/signup", {"username": username, "password": password, **extra}
        )
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        self.user_id = int(body["user"]["id"])
        return body

    async def start_room(self, title: str = "Morning show", **extra: Any) -> dict[str, Any]:
        r = await self.post("/api/rooms", {"title": title, "topic": "tech", **extra})
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body

    @asynccontextmanager
    async def live(
        self, path: str, origin: str | None = None, headers: dict[str, str] | None = None
    ) -> AsyncIterator[LiveSocket]:
        cookies = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        headers = {**({"Cookie": cookies} if cookies else {}), **(headers or {})}
        async with connect(
            self.server.ws_url + path,
            additional_headers=headers,
            origin=origin or self.server.url,
            open_timeout=10,
            max_queue=None,  # tests read selectively: never let unread levels stall the close
        ) as ws:  # type: ignore[arg-type]
            yield LiveSocket(ws)


class LiveSocket:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def recv(self, timeout: float = 10) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), timeout)
        message: dict[str, Any] = json.loads(raw)
        return message

    async def send(self, message: Any) -> None:
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))

    async def next_update(
        self, predicate: Any = lambda u: True, timeout: float = 10
    ) -> dict[str, Any]:
        return (await self.updates_until(predicate, timeout))[-1]

    async def updates_until(self, predicate: Any, timeout: float = 10) -> list[dict[str, Any]]:
        """Collect update payloads until one satisfies predicate (inclusive)."""
        got: list[dict[str, Any]] = []
        async with asyncio.timeout(timeout):
            while True:
                msg = await self.recv(timeout)
                if msg["type"] != "update":
                    continue
                got.append(msg["update"])
                if predicate(msg["update"]):
                    return got


def via(
    client: Client, room_id: str
) -> Callable[[SessionDescription], Awaitable[SessionDescription]]:
    """WebRTC signalling for a test peer: its offer goes to the room's media endpoint."""

    async def connect(offer: SessionDescription) -> SessionDescription:
        r = await client.post(f"/api/rooms/{room_id}/media", {"sdp": offer.sdp, "type": offer.type})
        assert r.status_code == 200, r.text
        return SessionDescription(r.json()["sdp"], r.json()["type"])

    return connect
