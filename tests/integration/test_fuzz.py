"""Garbage into every documented endpoint: always a clear 4xx (or a 2xx), never a 500."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.live_server import Client, LiveServer, run_server

STRINGS = [
    "",
    " ",
    "a",
    "x" * 5000,
    "\x00",
    "\u202e\u0000evil",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00",
    "😀" * 50,
    "null",
    "' OR 1=1 --",
    "\ud800",
]


def garbage(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return rng.choice(STRINGS)
    if kind == 1:
        return rng.choice([0, -1, 2**63, -(2**70), 1e308, 3.5])
    if kind == 2:
        return rng.choice([True, False, None])
    if kind in (3, 4, 5):
        return "".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randrange(0, 40)))
    if kind in (6, 7):
        keys = [
            "title",
            "username",
            "password",
            "display_name",
            "bio",
            "topic",
            "language",
            "visibility",
            "description",
            "current_password",
            "new_password",
            "x",
        ]
        return {rng.choice(keys): garbage(rng, depth + 1) for _ in range(rng.randrange(0, 6))}
    return [garbage(rng, depth + 1) for _ in range(rng.randrange(0, 4))]


def path_value(rng: random.Random) -> str:
    value = str(garbage(rng)) if rng.random() < 0.7 else rng.choice(STRINGS)
    return quote(value.encode("utf-8", "surrogatepass").decode("utf-8", "replace"), safe="") or "x"


async def fuzz(
    c: Client, rng: random.Random, paths: dict[str, Any], real: dict[str, str], login: str
) -> int:
    """Garbage into each operation of `paths`, 15 times; path parameters are garbage, or
    now and then a real id (`real`). Returns how many requests were made."""
    seen = 0
    for path, ops in paths.items():
        for method in ops:
            for i in range(15):
                url = path
                for name, value in real.items():
                    if "{" + name + "}" in url:
                        url = url.replace(
                            "{" + name + "}", value if i % 5 == 0 else path_value(rng)
                        )
                for name in ("room_id", "username", "event_id", "sale_id", "ticket_id"):
                    url = url.replace("{" + name + "}", path_value(rng))
                body = garbage(rng)
                raw = json.dumps(body).encode() if i % 4 else rng.randbytes(rng.randrange(0, 200))
                r = await c.http.request(
                    method.upper(),
                    url,
                    content=raw,
                    headers={
                        "content-type": "application/json",
                        "x-csrf-token": c.http.cookies.get("rc_csrf") or "",
                    },
                )
                seen += 1
                assert r.status_code < 500, (method, url, raw[:200], r.text[:500])
                if r.status_code >= 400 and url.startswith("/api"):
                    assert r.json()["error"]["message"], r.text
                if url.endswith("/logout") and r.status_code == 200:
                    await c.post(
                        "/api/auth/login", {"username": login, "password": "correct horse"}
                    )
    return seen


async def test_fuzz_every_operation(server: LiveServer) -> None:
    rng = random.Random(20261125)
    async with Client(server) as c:
        await c.signup("fuzzer")
        room = (await c.start_room("Fuzzed"))["room"]
        spec = (await c.get("/openapi.json")).json()
        seen = await fuzz(c, rng, spec["paths"], {"room_id": room["id"]}, "fuzzer")
        assert seen > 120
        assert (await c.get("/healthz")).status_code == 200


async def test_fuzz_paid_rooms(tmp_path: Path) -> None:
    """The same, for paid rooms, on a server that takes payments (the local provider) with
    a seller, a ticketed event, a ticket and a ticketed live room to aim at."""
    rng = random.Random(20261201)
    async with (
        run_server(
            tmp_path / "data",
            f"sqlite+aiosqlite:///{tmp_path / 'rc.db'}",
            dev=True,
            payments="local",
        ) as srv,
        Client(srv) as c,
        Client(srv) as buyer,
    ):
        await c.signup("seller")
        await buyer.signup("buyer")
        await c.post("/api/me/payments/connect")
        await c.post("/api/me/payments/refresh")
        at = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        tickets = {"price": 500, "currency": "usd", "capacity": 3}
        event = await c.post("/api/events", {"title": "E", "starts_at": at, "tickets": tickets})
        event_id = event.json()["id"]
        room = (await c.start_room("Paid", tickets=tickets))["room"]
        url = (await buyer.post(f"/api/events/{event_id}/checkout")).json()["url"]
        await buyer.post(f"/api/pay/local/{url.rsplit('/', 1)[1]}/pay")
        ticket = (await buyer.get("/api/me/tickets")).json()["tickets"][0]["ticket"]
        spec = (await c.get("/openapi.json")).json()["paths"]
        paid = {
            p: ops
            for p, ops in spec.items()
            if any(w in p for w in ("sale", "ticket", "tip", "payments", "checkout"))
        }
        real = {
            "event_id": event_id,
            "room_id": room["id"],
            "sale_id": str(ticket["sale_id"]),
            "ticket_id": str(ticket["id"]),
            "username": "seller",
        }
        for who, name in ((c, "seller"), (buyer, "buyer")):
            assert await fuzz(who, rng, paid, real, name) > 100
        assert (await c.get("/healthz")).status_code == 200
        # whatever the garbage did (the seller may refund, the buyer buy again), the sale
        # still adds up: never more seats than it has, money only for paid tickets
        report = (await c.get(f"/api/sales/{ticket['sale_id']}/report")).json()
        assert report["sold"] + report["held"] <= 3 and report["sale"]["seats_left"] >= 0
        assert report["gross"] == 500 * report["sold"]


async def test_pages_and_files_take_any_name(server: LiveServer) -> None:
    """Pages people type (not in the OpenAPI description): a NUL or garbage in the path is
    a 404 page, never a 500 (PostgreSQL refuses NUL outright)."""
    async with Client(server) as c:
        for value in STRINGS[1:]:
            part = quote(value.encode("utf-8", "surrogatepass").decode("utf-8", "replace"), safe="")
            for path in (
                "/u/{}",
                "/shows/{}",
                "/shows/{}/feed.xml",
                "/shows/{}/artwork.jpg",
                "/episodes/{}",
                "/episodes/{}/audio.mp3",
                "/r/{}",
            ):
                r = await c.get(path.format(part or "x"))
                assert r.status_code in (404, 422), (path, value, r.status_code, r.text[:300])
