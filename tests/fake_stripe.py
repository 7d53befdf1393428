"""A small stand-in for Stripe's API on 127.0.0.1, for tests that go through the real
`stripe` library (only its API base is pointed here). It answers the calls Roomcast makes
with Stripe's documented object shapes (Account, AccountLink, Checkout Session, Refund),
honours idempotency keys as Stripe does (the same key: the same answer, nothing new made),
and records every request so tests can assert what was sent: amounts, currency, the
`Stripe-Account` header of a direct charge, the application fee, the idempotency key.

It also signs webhook payloads with Stripe's scheme (`t=TIMESTAMP,v1=HMAC-SHA256 of
"TIMESTAMP.PAYLOAD"` with the endpoint's secret), as Stripe's servers do.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

WEBHOOK_SECRET = "whsec_test_secret_for_roomcast"


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]  # form-encoded, flat: "line_items[0][price_data][unit_amount]"
    account: str | None  # the Stripe-Account header
    idempotency_key: str | None
    api_key: str


@dataclass
class FakeStripe:
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_next: int = 0  # answer the next N calls with a 500 (the provider is down)
    _replies: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)

    def of(self, path: str, method: str = "POST") -> list[Call]:
        return [c for c in self.calls if c.path == path and c.method == method]

    # ---- what Stripe would send us ----

    def enable(self, account: str, **extra: Any) -> dict[str, Any]:
        """The creator finished onboarding: charges and payouts enabled."""
        acct = self.accounts[account]
        acct.update(charges_enabled=True, payouts_enabled=True, details_submitted=True)
        acct["requirements"]["currently_due"] = []
        acct.update(extra)
        return acct

    def complete(self, session_id: str) -> dict[str, Any]:
        """The buyer paid at Checkout: the session as Stripe then describes it."""
        s = self.sessions[session_id]
        s.update(
            status="complete",
            payment_status="paid",
            payment_intent=s.get("payment_intent") or "pi_" + secrets.token_hex(12),
        )
        return s

    def event(
        self,
        kind: str,
        obj: dict[str, Any],
        account: str | None,
        event_id: str | None = None,
        created: int | None = None,
    ) -> bytes:
        return json.dumps(
            {
                "id": event_id or "evt_" + secrets.token_hex(12),
                "object": "event",
                "api_version": "2025-01-27.acacia",
                "created": created if created is not None else int(time.time()),
                "type": kind,
                "account": account,
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "data": {"object": obj},
            }
        ).encode()


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """The Stripe-Signature header Stripe's servers put on a webhook."""
    t = at if at is not None else int(time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def _account(account_id: str, email: str | None) -> dict[str, Any]:
    return {
        "id": account_id,
        "object": "account",
        "type": "standard",
        "email": email,
        "charges_enabled": False,
        "payouts_enabled": False,
        "details_submitted": False,
        "default_currency": "usd",
        "country": "US",
        "created": int(time.time()),
        "requirements": {
            "currently_due": ["external_account", "tos_acceptance.date"],
            "eventually_due": [],
            "past_due": [],
            "disabled_reason": "requirements.past_due",
        },
    }


def _session(p: dict[str, str], account: str | None) -> dict[str, Any]:
    sid = "cs_test_" + secrets.token_hex(16)
    amount = int(p["line_items[0][price_data][unit_amount]"])
    return {
        "id": sid,
        "object": "checkout.session",
        "mode": "payment",
        "status": "open",
        "payment_status": "unpaid",
        "payment_intent": None,
        "amount_total": amount,
        "amount_subtotal": amount,
        "currency": p["line_items[0][price_data][currency]"],
        "client_reference_id": p.get("client_reference_id"),
        "metadata": {"roomcast": p.get("metadata[roomcast]")},
        "success_url": p["success_url"],
        "cancel_url": p.get("cancel_url"),
        "expires_at": int(p["expires_at"]),
        "url": f"https://checkout.stripe.com/c/pay/{sid}",
        "livemode": False,
        "_account": account,
    }


def _nope(message: str) -> dict[str, Any]:
    """Stripe's error body for a request it refuses."""
    return {"error": {"type": "invalid_request_error", "message": message}}


def _error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "message": message}}, status_code=status)


def _app(fake: FakeStripe) -> Starlette:
    async def handle(request: Request) -> JSONResponse:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        form.update(dict(request.query_params))
        call = Call(
            request.method,
            request.url.path,
            form,
            request.headers.get("stripe-account"),
            request.headers.get("idempotency-key"),
            request.headers.get("authorization", "").removeprefix("Bearer "),
        )
        fake.calls.append(call)
        if fake.fail_next > 0:
            fake.fail_next -= 1
            return _error(500, "Stripe is having a bad day.", "api_error")
        key = f"{call.account}:{call.idempotency_key}" if call.idempotency_key else None
        if key and key in fake._replies:  # Stripe replays the first answer for a key
            status, body = fake._replies[key]
            return JSONResponse(body, status_code=status)
        status, body = _answer(fake, call, request.path_params)
        if key and request.method == "POST":
            fake._replies[key] = (status, body)
        return JSONResponse(body, status_code=status)

    return Starlette(
        routes=[
            Route("/v1/accounts", handle, methods=["POST"]),
            Route("/v1/accounts/{id}", handle, methods=["GET"]),
            Route("/v1/account_links", handle, methods=["POST"]),
            Route("/v1/checkout/sessions", handle, methods=["POST"]),
            Route("/v1/checkout/sessions/{id}/expire", handle, methods=["POST"]),
            Route("/v1/refunds", handle, methods=["POST"]),
        ]
    )


def _answer(fake: FakeStripe, call: Call, path: dict[str, str]) -> tuple[int, dict[str, Any]]:
    p = call.params
    match call.path:
        case "/v1/accounts":
            acct = _account("acct_" + secrets.token_hex(8), p.get("email"))
            fake.accounts[acct["id"]] = acct
            return 200, acct
        case "/v1/account_links":
            if p.get("account") not in fake.accounts:
                return 404, {
                    "error": {"type": "invalid_request_error", "message": "No such account"}
                }
            return 200, {
                "object": "account_link",
                "created": int(time.time()),
                "expires_at": int(time.time()) + 300,
                "url": f"https://connect.stripe.com/setup/s/{p['account']}/{secrets.token_hex(6)}",
            }
        case "/v1/checkout/sessions":
            if call.account not in fake.accounts:
                return 400, {
                    "error": {"type": "invalid_request_error", "message": "No such account"}
                }
            s = _session(p, call.account)
            fake.sessions[s["id"]] = s
            return 200, {k: v for k, v in s.items() if not k.startswith("_")}
        case "/v1/refunds":
            pi = p.get("payment_intent")
            paid = [s for s in fake.sessions.values() if s.get("payment_intent") == pi]
            if not paid or paid[0]["_account"] != call.account:
                return 404, {
                    "error": {"type": "invalid_request_error", "message": "No such payment_intent"}
                }
            refund = {
                "id": "re_" + secrets.token_hex(12),
                "object": "refund",
                "amount": paid[0]["amount_total"],
                "currency": paid[0]["currency"],
                "payment_intent": pi,
                "status": "succeeded",
            }
            fake.refunds[refund["id"]] = refund
            return 200, refund
    if call.path.startswith("/v1/accounts/"):
        acct = fake.accounts.get(path["id"])
        return (200, acct) if acct else (404, _nope("No such account"))
    if call.path.endswith("/expire"):
        s = fake.sessions.get(path["id"])
        if s is None or s["status"] != "open":
            return 400, {
                "error": {"type": "invalid_request_error", "message": "Session is not open"}
            }
        s["status"] = "expired"
        return 200, {k: v for k, v in s.items() if not k.startswith("_")}
    return 404, _nope("Unknown path")


@asynccontextmanager
async def fake_stripe() -> AsyncIterator[FakeStripe]:
    fake = FakeStripe()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    fake.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(_app(fake), log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.025)
    try:
        yield fake
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()
