"""Paid rooms over the real API, on SQLite and PostgreSQL, through the real `stripe`
library with only its API base pointed at a fake Stripe on 127.0.0.1 (tests/fake_stripe.py):
creators connect, Checkout sessions are direct charges with the operator's fee, tickets come
from signed webhooks only (once, whatever is delivered again or forged), no ticket no audio
at every door, the last seats raced for, refunds on cancel, comp codes, paid replays in
buyers' private feeds, tips."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from websockets.exceptions import ConnectionClosed

from roomcast.store.tables import TicketRow
from tests.fake_stripe import WEBHOOK_SECRET, FakeStripe, fake_stripe, sign
from tests.integration.test_clubs_api import _items
from tests.integration.test_email import confirm_address, mail_settings
from tests.integration.test_events_api import _open, local_in
from tests.live_server import Client, LiveServer, run_server, via
from tests.media_helpers import ClientPeer, ToneTrack, loopback_only, record_all, tone_power
from tests.podcast_helpers import record_tone, speak_in
from tests.smtp_helpers import Inbox, smtp_server, text_of

FEE_PERCENT = 10.0


@pytest.fixture
async def stripe() -> AsyncIterator[FakeStripe]:
    async with fake_stripe() as fake:
        yield fake


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
async def paid(
    tmp_path: Path, database_url: str, stripe: FakeStripe, inbox: Inbox
) -> AsyncIterator[LiveServer]:
    """The server with Stripe as its payment provider, a 10 % platform fee, and email."""
    async with run_server(
        tmp_path / "data",
        database_url,
        payments="stripe",
        stripe_secret_key="sk_test_roomcast",
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe.url,
        platform_fee_percent=FEE_PERCENT,
        sweep_seconds=0.1,
        login_burst=40,
        login_refill_seconds=1,
        room_burst=20,
        **mail_settings(inbox),
    ) as srv:
        yield srv
    while _open:
        await _open.pop().__aexit__()


async def clients(server: LiveServer, *names: str) -> list[Client]:
    out = []
    for n in names:
        c = Client(server)
        await c.__aenter__()
        _open.append(c)
        if n:
            await c.signup(n, time_zone="Europe/Paris")
        out.append(c)
    return out


async def connected(c: Client, stripe: FakeStripe, **account: Any) -> str:
    """`c` connects Stripe and finishes onboarding; returns their account id."""
    r = await c.post("/api/me/payments/connect")
    assert r.status_code == 200, r.text
    assert r.json()["url"].startswith("https://connect.stripe.com/setup/")
    acct = stripe.of("/v1/account_links")[-1].params["account"]
    stripe.enable(acct, **account)
    r = await c.post("/api/me/payments/refresh")
    assert r.status_code == 200 and r.json()["charges_enabled"], r.text
    return acct


async def paid_event(host: Client, **tickets: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    body = {
        "title": "Masterclass",
        "topic": "music",
        "starts_at": local_in("Europe/Paris", timedelta(hours=2)),
        "record": True,
        "tickets": {"price": 1500, "currency": "eur", **tickets},
    }
    r = await host.post("/api/events", body)
    assert r.status_code == 201, r.text
    event = r.json()
    sale = (await host.get(f"/api/events/{event['id']}/sale")).json()
    return event, sale


async def deliver(c: Client, payload: bytes, signature: str | None) -> int:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["stripe-signature"] = signature
    r = await c.http.post("/api/payments/stripe/webhook", content=payload, headers=headers)
    return r.status_code


def buy(sale: dict[str, Any]) -> str:
    """Where to buy a ticket: the event's or room's checkout (a sale's page URL names it)."""
    kind, thing = sale["url"].removeprefix("/").split("/")
    return f"/api/{'events' if kind == 'e' else 'rooms'}/{thing}/checkout"


async def checkout(c: Client, sale: dict[str, Any]) -> str:
    r = await c.post(buy(sale))
    assert r.status_code == 201, r.text
    url: str = r.json()["url"]
    return url


async def pay(c: Client, stripe: FakeStripe, url: str) -> tuple[bytes, str]:
    """Stripe's side of a payment at `url`: the signed checkout.session.completed."""
    session = stripe.complete(url.rsplit("/", 1)[1])
    payload = stripe.event("checkout.session.completed", session, session["_account"])
    assert await deliver(c, payload, sign(payload)) == 204
    return payload, sign(payload)


async def refunds(stripe: FakeStripe, n: int) -> list[Any]:
    """The first `n` refunds Stripe was asked for (they are made by a background job)."""
    async with asyncio.timeout(10):
        while len(stripe.of("/v1/refunds")) < n:
            await asyncio.sleep(0.05)
    return stripe.of("/v1/refunds")


async def tickets_in(server: LiveServer, state: str) -> int:
    async with server.ctx.store.unit_of_work() as uow:
        n = await uow.session.scalar(
            select(func.count()).select_from(TicketRow).where(TicketRow.state == state)
        )
    return int(n or 0)


async def test_checkout_is_a_direct_charge_and_the_webhook_issues_one_ticket(
    paid: LiveServer, stripe: FakeStripe
) -> None:
    maya, sam, latecomer = await clients(paid, "maya", "sam", "late")
    # no account yet, or one not ready: nothing to sell with
    event = {
        "title": "Early",
        "starts_at": local_in("Europe/Paris", timedelta(hours=1)),
        "tickets": {"price": 1500, "currency": "eur"},
    }
    r = await maya.post("/api/events", event)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "seller_not_ready")
    await maya.post("/api/me/payments/connect")
    [created] = stripe.of("/v1/accounts")
    assert created.params["type"] == "standard" and created.api_key == "sk_test_roomcast"
    link = stripe.of("/v1/account_links")[-1].params
    assert link["type"] == "account_onboarding"
    assert link["return_url"].endswith("/settings/payments?connect=done")
    status = (await maya.post("/api/me/payments/refresh")).json()
    assert status["connected"] and not status["charges_enabled"]
    assert "external_account" in status["requirements_due"]
    assert (await maya.post("/api/events", event)).status_code == 409
    acct = await connected(maya, stripe)
    status = (await maya.get("/api/me/payments")).json()
    assert status["payouts_enabled"] and status["requirements_due"] == []
    assert status["fee_percent"] == FEE_PERCENT

    ev, sale = await paid_event(maya, capacity=10)
    assert sale["price_text"] == "€15.00" and sale["seats_left"] == 10 and sale["on_sale"]
    url = await checkout(sam, sale)
    assert url.startswith("https://checkout.stripe.com/c/pay/cs_test_")
    [call] = stripe.of("/v1/checkout/sessions")
    p = call.params
    assert call.account == acct  # Stripe-Account: a direct charge on the creator's account
    assert p["line_items[0][price_data][unit_amount]"] == "1500"
    assert p["line_items[0][price_data][currency]"] == "eur"
    assert p["payment_intent_data[application_fee_amount]"] == "150"
    assert p["mode"] == "payment" and call.idempotency_key
    assert 30 * 60 <= int(p["expires_at"]) - time.time() <= 33 * 60
    ticket_id = int(p["client_reference_id"].removeprefix("ticket:"))
    # back from Checkout before Stripe said anything: no ticket yet, only a held seat
    page = await sam.get(f"/tickets/{ticket_id}?checkout=done")
    assert page.status_code == 200
    mine = (await sam.get(f"/api/tickets/{ticket_id}")).json()
    assert mine["state"] == "held" and not mine["valid"]
    assert (await sam.get(f"/api/events/{ev['id']}/sale")).json()["seats_left"] == 9
    # a second checkout while the first is open is refused; so are others' tickets
    r = await sam.post(buy(sale))
    assert r.json()["error"]["code"] == "checkout_open"
    assert (await maya.get(f"/api/tickets/{ticket_id}")).status_code == 404
    assert (await maya.post(buy(sale))).json()["error"]["code"] == ("own_sale")

    # forged, stale, unsigned or altered webhooks: 400, nothing issued
    session = stripe.complete(url.rsplit("/", 1)[1])
    payload = stripe.event("checkout.session.completed", session, acct)
    for bad in (
        sign(payload, "whsec_someone_else"),
        sign(payload, at=int(time.time()) - 600),
        "t=1,v1=00",
        None,
    ):
        assert await deliver(sam, payload, bad) == 400
    assert await deliver(sam, payload.replace(b"1500", b"1"), sign(payload)) == 400
    assert (await sam.get(f"/api/tickets/{ticket_id}")).json()["state"] == "held"
    # the signed event, delivered three times, then a later event for the same payment
    for _ in range(3):
        assert await deliver(sam, payload, sign(payload)) == 204
    late = stripe.event("checkout.session.async_payment_succeeded", session, acct)
    assert await deliver(sam, late, sign(late)) == 204
    assert await tickets_in(paid, "paid") == 1
    mine = (await sam.get(f"/api/tickets/{ticket_id}")).json()
    assert mine["state"] == "paid" and mine["valid"] and mine["amount_text"] == "€15.00"
    assert (await sam.post(buy(sale))).json()["error"]["code"] == ("already_have_ticket")
    report = (await maya.get(f"/api/sales/{sale['id']}/report")).json()
    assert (report["sold"], report["gross"], report["fees"], report["net"]) == (1, 1500, 150, 1350)
    assert report["net_text"] == "€13.50"
    assert [b["buyer"]["username"] for b in report["buyers"]] == ["sam"]
    assert (await sam.get(f"/api/sales/{sale['id']}/report")).status_code == 403
    listed = (await sam.get("/api/me/tickets")).json()["tickets"]
    assert [t["sale"]["title"] for t in listed] == ["Masterclass"]
    # sales close when it starts ("before"): too late, and nobody is sent to pay
    assert (await maya.post(f"/api/events/{ev['id']}/start")).status_code == 201
    r = await latecomer.post(buy(sale))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "sales_closed")
    assert len(stripe.of("/v1/checkout/sessions")) == 1


async def test_zero_decimal_currencies_and_bad_prices(paid: LiveServer, stripe: FakeStripe) -> None:
    maya, sam = await clients(paid, "maya", "sam")
    await connected(maya, stripe)
    _, sale = await paid_event(maya, price=500, currency="JPY")
    assert sale["price_text"] == "¥500" and sale["currency"] == "jpy"
    await checkout(sam, sale)
    p = stripe.of("/v1/checkout/sessions")[-1].params
    assert p["line_items[0][price_data][unit_amount]"] == "500"
    assert p["payment_intent_data[application_fee_amount]"] == "50"
    base = {"title": "Bad", "starts_at": local_in("Europe/Paris", timedelta(hours=1))}
    for tickets, status, code in (
        ({"price": -100, "currency": "usd"}, 422, "invalid_request"),
        ({"price": 0, "currency": "usd"}, 422, "invalid_request"),
        ({"price": 10, "currency": "usd"}, 400, "amount_too_small"),
        ({"price": 10_000_000, "currency": "usd"}, 400, "amount_too_large"),
        ({"price": 1.5, "currency": "usd"}, 422, "invalid_request"),
        ({"price": "500", "currency": "usd"}, 422, "invalid_request"),
        ({"price": 500, "currency": "xyz"}, 400, "unsupported_currency"),
        ({"price": 500, "currency": "us"}, 422, "invalid_request"),
        ({"price": 500, "currency": "usd", "capacity": 0}, 422, "invalid_request"),
        ({"price": 500, "currency": "usd", "window": "replay"}, 400, "replay_needs_recording"),
        ({"price": 500, "currency": "usd", "window": "forever"}, 422, "invalid_request"),
    ):
        r = await maya.post("/api/events", {**base, "tickets": tickets})
        assert r.status_code == status, (tickets, r.text)
        assert r.json()["error"]["code"] == code, (tickets, r.text)
    # a room started now sells while it is live (or for its replay too), never "before"
    now = {"price": 500, "currency": "usd"}
    r = await maya.post("/api/rooms", {"title": "Now", "tickets": {**now, "window": "before"}})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "sales_closed")
    room = (await maya.start_room("Now", tickets=now))["room"]
    assert room["ticketed"]
    sale = (await sam.get(f"/api/rooms/{room['id']}/sale")).json()
    assert (sale["window"], sale["phase"], sale["on_sale"]) == ("live", "live", True)


async def test_the_last_seats_raced_for(paid: LiveServer, stripe: FakeStripe) -> None:
    """20 buyers at once for the last 5 seats: exactly 5 are sent to pay (their seats held
    while Checkout lives); the other 15 are told "sold out" and never charged."""
    host, *buyers = await clients(paid, "host", *(f"buyer{i}" for i in range(20)))
    await connected(host, stripe)
    _, sale = await paid_event(host, capacity=5, price=900, currency="usd")
    results = await asyncio.gather(*(b.post(buy(sale)) for b in buyers))
    codes = sorted(r.status_code for r in results)
    assert codes == [201] * 5 + [409] * 15, [r.text for r in results]
    assert {r.json()["error"]["code"] for r in results if r.status_code == 409} == {"sold_out"}
    assert len(stripe.of("/v1/checkout/sessions")) == 5  # the others were never charged
    for b, r in zip(buyers, results, strict=True):
        if r.status_code == 201:
            await pay(b, stripe, r.json()["url"])
    assert await tickets_in(paid, "paid") == 5
    left = (await host.get(f"/api/events/{sale['url'].split('/')[-1]}/sale")).json()
    # a sale is never reached by its own id (a counter): only through the event or room
    assert (await host.get(f"/api/sales/{sale['id']}")).status_code in (404, 405)
    assert left["seats_left"] == 0 and not left["on_sale"]


async def test_parallel_copies_of_one_request(paid: LiveServer, stripe: FakeStripe) -> None:
    maya, sam = await clients(paid, "maya", "sam")
    await connected(maya, stripe)
    _, sale = await paid_event(maya)
    results = await asyncio.gather(*(sam.post(buy(sale)) for _ in range(10)))
    assert sorted(r.status_code for r in results) == [201] + [409] * 9, [r.text for r in results]
    url = next(r.json()["url"] for r in results if r.status_code == 201)
    payload, signature = await pay(sam, stripe, url)
    # the same webhook ten times at once: one ticket
    got = await asyncio.gather(*(deliver(sam, payload, signature) for _ in range(10)))
    assert set(got) == {204}
    assert await tickets_in(paid, "paid") == 1
    ticket_id = (await sam.get("/api/me/tickets")).json()["tickets"][0]["ticket"]["id"]
    # ten refunds at once: one refund at Stripe
    got_refunds = await asyncio.gather(
        *(maya.post(f"/api/tickets/{ticket_id}/refund") for _ in range(10))
    )
    assert all(r.status_code in (200, 409) for r in got_refunds), [r.text for r in got_refunds]
    assert len({c.idempotency_key for c in stripe.of("/v1/refunds")}) == 1
    assert len(stripe.refunds) == 1
    assert (await sam.get(f"/api/tickets/{ticket_id}")).json()["state"] == "refunded"


async def test_no_ticket_no_audio(paid: LiveServer, stripe: FakeStripe) -> None:
    loopback_only()
    maya, sam, out, cohost, guest = await clients(paid, "maya", "sam", "out", "cohost", "")
    await connected(maya, stripe)
    ev, sale = await paid_event(maya, window="live")
    r = await maya.put(f"/api/events/{ev['id']}", {**_event_body(ev), "cohosts": ["cohost"]})
    assert r.status_code == 200, r.text
    cheaper = {**_event_body(ev), "tickets": {"price": 100, "currency": "eur"}}
    r = await maya.put(f"/api/events/{ev['id']}", cheaper)  # terms stay as sold
    assert (r.status_code, r.json()["error"]["code"]) == (400, "tickets_fixed")
    assert (
        await cohost.post(f"/api/events/{ev['id']}/cohost", {"accept": True})
    ).status_code == 200
    url = await checkout(sam, sale)
    await pay(sam, stripe, url)
    room_id = (await maya.post(f"/api/events/{ev['id']}/start")).json()["room"]["id"]
    async with maya.live(f"/api/rooms/{room_id}/live") as host_ws:
        await host_ws.recv()
        voice = await speak_in(maya, room_id, ToneTrack(440))
        # no ticket: refused at the snapshot, the page, the socket and the media offer
        r = await out.get(f"/api/rooms/{room_id}")
        assert (r.status_code, r.json()["error"]["code"]) == (403, "ticket_required")
        page = await out.get(f"/r/{room_id}")
        assert page.status_code == 402 and "Buy a ticket" in page.text
        assert "room.js" not in page.text  # no audio client on the ticket page
        async with out.live(f"/api/rooms/{room_id}/live") as ws:
            msg = await ws.recv()
            assert (msg["type"], msg["code"]) == ("error", "ticket_required")
        r = await out.post(f"/api/rooms/{room_id}/media", {"sdp": "v=0\r\n", "type": "offer"})
        assert (r.status_code, r.json()["error"]["code"]) == (403, "ticket_required")
        assert (await guest.get(f"/r/{room_id}")).status_code in (302, 303)
        # tickets still sell while it is live ("live" window); the co-host needs none
        assert (await out.get(f"/api/rooms/{room_id}/sale")).json()["on_sale"]
        async with cohost.live(f"/api/rooms/{room_id}/live") as ws:
            assert (await ws.recv())["type"] == "snapshot"
        # the buyer hears the room
        async with sam.live(f"/api/rooms/{room_id}/live") as ws:
            assert (await ws.recv())["type"] == "snapshot"
            peer = ClientPeer()
            await peer.join(via(sam, room_id))
            await asyncio.sleep(1.0)  # ICE and the first packets
            heard = (await record_all([peer], 1.5))[0]
            assert tone_power(heard, 440) > 0.05  # the host's voice, through the mix
            await peer.close()
            # refunded while in it: told, and out
            ticket_id = (await sam.get("/api/me/tickets")).json()["tickets"][0]["ticket"]["id"]
            assert (await maya.post(f"/api/tickets/{ticket_id}/refund")).status_code == 200
            async with asyncio.timeout(10):
                while True:
                    try:
                        m = await ws.recv()
                    except ConnectionClosed as closed:
                        assert closed.rcvd is not None and closed.rcvd.code == 4403
                        break
                    if m["type"] == "error":
                        assert m["code"] == "ticket_required"
        r = await sam.post(f"/api/rooms/{room_id}/media", {"sdp": "v=0\r\n", "type": "offer"})
        assert r.status_code == 403
        assert (await notice_of(sam, "ticket"))["text"].startswith("Your ticket for Masterclass")
        await voice.close()


async def notice_of(c: Client, kind: str) -> dict[str, Any]:
    for _ in range(40):
        found = [
            n for n in (await c.get("/api/me/notifications")).json()["notices"] if n["kind"] == kind
        ]
        if found:
            return found[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {kind} notice")


def _event_body(ev: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": ev["title"],
        "topic": ev["topic"],
        "starts_at": ev["starts_at"],
        "record": ev["record"],
    }


async def test_cancelling_refunds_every_ticket_once(
    paid: LiveServer, stripe: FakeStripe, inbox: Inbox
) -> None:
    maya, a, b, c, d, late = await clients(paid, "maya", "ann", "bob", "cat", "dan", "late")
    await confirm_address(a, inbox, "ann@example.org")
    acct = await connected(maya, stripe)
    ev, sale = await paid_event(maya)
    for buyer in (a, b, c):
        await pay(buyer, stripe, await checkout(buyer, sale))
    codes = (await maya.post(f"/api/sales/{sale['id']}/codes", {"count": 2})).json()["codes"]
    assert len(codes) == 2 and codes[0] != codes[1]
    r = await d.post("/api/tickets/redeem", {"code": codes[0].lower()})
    assert r.status_code == 200 and r.json()["state"] == "comp"
    r = await late.post("/api/tickets/redeem", {"code": codes[0]})  # used already
    assert (r.status_code, r.json()["error"]["code"]) == (404, "code_not_found")
    held_url = await checkout(late, sale)  # at Checkout when it is cancelled
    assert (await maya.post(f"/api/events/{ev['id']}/cancel")).status_code == 200
    async with asyncio.timeout(15):
        while await tickets_in(paid, "refunded") < 4:
            await asyncio.sleep(0.1)
    made = stripe.of("/v1/refunds")
    assert len(made) == 3  # once per paid ticket; the comp costs nothing to withdraw
    assert {r.account for r in made} == {acct}
    assert len({r.idempotency_key for r in made}) == 3
    assert all(r.params["refund_application_fee"] == "true" for r in made)
    assert stripe.sessions[held_url.rsplit("/", 1)[1]]["status"] == "expired"
    text = (await notice_of(a, "ticket"))["text"]
    assert text == "Masterclass was cancelled: your ticket (€15.00) was refunded"
    mail = next(m for m in await inbox.arrived(2) if "refunded" in m["Subject"])  # and by email
    assert mail["To"] == "ann@example.org" and mail["Subject"] == text
    assert "because you have a ticket for it" in text_of(mail)
    # nothing more to refund, nothing more sold
    r = await maya.post(f"/api/sales/{sale['id']}/refund")
    assert r.status_code == 200 and r.json()["refunded"] == 0
    assert len(stripe.of("/v1/refunds")) == 3
    r = await late.post(buy(sale))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "not_on_sale")
    # a payment that still completes for the cancelled event is refunded at once
    await pay(late, stripe, held_url)
    async with asyncio.timeout(10):
        while len(stripe.of("/v1/refunds")) < 4:
            await asyncio.sleep(0.1)
    # someone else's ticket: not theirs to refund
    other = (await a.get("/api/me/tickets")).json()["tickets"][0]["ticket"]["id"]
    r = await b.post(f"/api/tickets/{other}/refund")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_sale_host")


async def test_paid_replays_reach_buyers_feeds(paid: LiveServer, stripe: FakeStripe) -> None:
    loopback_only()
    maya, sam, out, guest = await clients(paid, "maya", "sam", "out", "")
    await connected(maya, stripe)
    tickets = {"price": 700, "currency": "gbp", "window": "replay"}
    room = await record_tone(maya, "Paid talk", tickets=tickets)
    sale = (await maya.get(f"/api/rooms/{room['id']}/sale")).json()
    assert sale["phase"] == "ended" and sale["on_sale"]  # the replay still sells
    ep = await _episode(maya, room["id"])
    audio = f"/episodes/{ep['id']}/audio.mp3"
    # out of the public show and feed, refused to people without a ticket
    assert (await guest.get("/api/shows/maya")).json()["episodes"] == []
    assert _items((await guest.get("/shows/maya/feed.xml")).content) == []
    assert (await out.get(audio)).status_code == 403
    assert (await guest.get(audio)).status_code == 401
    page = await out.get(f"/episodes/{ep['id']}")  # the ticket box: the replay sells
    assert page.status_code == 402 and "Buy a ticket · £7.00" in page.text
    assert audio not in page.text
    # bought after the room: the buyer's private feed lists it, files under the key
    await pay(sam, stripe, await checkout(sam, sale))
    assert (await sam.get(audio)).status_code == 200
    [t] = (await sam.get("/api/me/tickets")).json()["tickets"]
    assert t["episode_url"].endswith(f"/episodes/{ep['id']}")
    url = (await sam.post(f"/api/tickets/{t['ticket']['id']}/feed")).json()["url"]
    path = url.removeprefix(paid.url)
    r = await guest.get(path)  # a podcast app: no cookies
    assert r.status_code == 200 and b"<itunes:block>yes</itunes:block>" in r.content
    assert b"Paid talk" in r.content
    enclosure = f"{path.removesuffix('feed.xml')}episodes/{ep['id']}/audio.mp3"
    assert f"{paid.url}{enclosure}".encode() in r.content
    assert (await guest.get(enclosure)).status_code == 200
    # another's key, tampered or guessed: 403
    key = path.split("/")[2]
    kid, mac = key.split(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    for bad in (f"{kid}.{flipped}", f"{int(kid) + 1}.{mac}"):
        assert (await guest.get(f"/feeds/{bad}/feed.xml")).status_code == 403
    # the host revokes the feed: 403; the buyer may not make a new one
    tid = t["ticket"]["id"]
    assert (await sam.post(f"/api/tickets/{tid}/revoke-feed")).status_code == 403
    assert (await maya.post(f"/api/tickets/{tid}/revoke-feed")).status_code == 204
    assert (await guest.get(path)).status_code == 403
    assert (await guest.get(enclosure)).status_code == 403
    assert (await sam.post(f"/api/tickets/{tid}/feed")).json()["error"]["code"] == "feed_revoked"
    # a refunded ticket: no replay either
    assert (await maya.post(f"/api/tickets/{tid}/refund")).status_code == 200
    assert (await sam.get(audio)).status_code == 403


async def _episode(host: Client, room_id: str) -> dict[str, Any]:
    async with asyncio.timeout(60):
        while True:
            r = await host.get(f"/api/rooms/{room_id}/episode")
            if r.status_code == 200 and r.json()["status"] == "published":
                return r.json()  # type: ignore[no-any-return]
            await asyncio.sleep(0.25)


async def test_tips_to_speakers(paid: LiveServer, stripe: FakeStripe) -> None:
    loopback_only()
    maya, sam = await clients(paid, "maya", "sam")
    acct = await connected(maya, stripe)
    room = (await maya.start_room("Open mic"))["room"]
    async with (
        maya.live(f"/api/rooms/{room['id']}/live") as host_ws,
        sam.live(f"/api/rooms/{room['id']}/live") as ws,
    ):
        await host_ws.recv()
        await ws.recv()
        body = {"username": "maya", "amount": 500, "room_id": room["id"]}
        r = await sam.post("/api/tips", body)
        assert r.status_code == 201, r.text
        call = stripe.of("/v1/checkout/sessions")[-1]
        assert (
            call.account == acct and call.params["line_items[0][price_data][unit_amount]"] == "500"
        )
        assert call.params["payment_intent_data[application_fee_amount]"] == "50"
        for bad, code in (
            ({**body, "amount": 501}, "bad_tip_amount"),
            ({**body, "username": "sam"}, "own_tip"),
            ({"username": "maya", "amount": 500}, "bad_tip"),
        ):
            r = await sam.post("/api/tips", bad)
            assert r.json()["error"]["code"] == code, r.text
        await pay(sam, stripe, r_url := stripe.sessions[list(stripe.sessions)[-1]]["url"])
        async with asyncio.timeout(10):
            while True:
                m = await ws.recv()
                if m["type"] == "tip":
                    assert (m["giver"], m["speaker"]) == ("sam", "maya")
                    break
        assert r_url
    options = (await sam.get("/api/users/maya/tip-options")).json()
    assert options["presets"] == [200, 500, 1000, 2000] and options["currency"] == "usd"
    assert (await maya.get("/api/users/sam/tip-options")).json()["presets"] == []  # no account
    assert (await maya.get("/api/users/nobody_here/tip-options")).status_code == 404
    [t] = (await maya.get("/api/me/tips")).json()["tips"]
    assert (t["giver"]["username"], t["amount_text"], t["state"]) == ("sam", "$5.00", "paid")


async def test_webhooks_out_of_order_and_a_payment_for_a_seat_gone(
    paid: LiveServer, stripe: FakeStripe
) -> None:
    maya, ann, bob = await clients(paid, "maya", "ann", "bob")
    acct = await connected(maya, stripe)
    # an account.updated older than what we know loses; a newer one wins
    old = stripe.event(
        "account.updated",
        {**stripe.accounts[acct], "charges_enabled": False},
        acct,
        created=int(time.time()) - 3600,
    )
    assert await deliver(maya, old, sign(old)) == 204
    assert (await maya.get("/api/me/payments")).json()["charges_enabled"]
    _, sale = await paid_event(maya, capacity=1)
    # Ann holds the only seat, then takes longer than the hold
    ann_url = await checkout(ann, sale)
    r = await bob.post(buy(sale))
    assert r.json()["error"]["code"] == "sold_out"
    real = paid.ctx.clock
    paid.ctx.clock = lambda: real() + timedelta(minutes=40)
    try:
        bob_url = await checkout(bob, sale)  # the seat is free again: Bob holds it
        # Ann's payment still comes through: her seat is Bob's now, so she is refunded
        await pay(ann, stripe, ann_url)
        [refund] = await refunds(stripe, 1)
        assert refund.account == acct
        assert (
            refund.params["payment_intent"]
            == stripe.sessions[ann_url.rsplit("/", 1)[1]]["payment_intent"]
        )
        text = (await notice_of(ann, "ticket"))["text"]
        assert text == "Masterclass sold out before your payment came through: €15.00 refunded"
        # Bob pays: his ticket; an expiry delivered after the payment changes nothing
        await pay(bob, stripe, bob_url)
        session = stripe.sessions[bob_url.rsplit("/", 1)[1]]
        expired = stripe.event("checkout.session.expired", {**session, "status": "expired"}, acct)
        assert await deliver(bob, expired, sign(expired)) == 204
        [t] = (await bob.get("/api/me/tickets")).json()["tickets"]
        assert t["ticket"]["state"] == "paid"
        # a second payment for the same ticket (another Checkout) buys nothing: given back
        other = {**session, "id": "cs_test_other", "payment_intent": "pi_other"}
        stripe.sessions[other["id"]] = other
        again = stripe.event("checkout.session.completed", other, acct)
        assert await deliver(bob, again, sign(again)) == 204
        stray = (await refunds(stripe, 2))[-1]
        assert stray.params["payment_intent"] == "pi_other" and stray.account == acct
        [t] = (await bob.get("/api/me/tickets")).json()["tickets"]
        assert t["ticket"]["state"] == "paid"  # the ticket is untouched
        # refunded from Stripe's dashboard: the ticket stops working here too
        charge = {
            "id": "ch_1",
            "object": "charge",
            "refunded": True,
            "payment_intent": session["payment_intent"],
            "amount_refunded": 1500,
        }
        refunded = stripe.event("charge.refunded", charge, acct)
        assert await deliver(bob, refunded, sign(refunded)) == 204
        [t] = (await bob.get("/api/me/tickets")).json()["tickets"]
        assert t["ticket"]["state"] == "refunded"
        # a newer account.updated that disables charges: nothing more is sold
        off = stripe.event(
            "account.updated",
            {**stripe.accounts[acct], "charges_enabled": False},
            acct,
            created=int(time.time()) + 60,
        )
        assert await deliver(maya, off, sign(off)) == 204
        assert not (await maya.get("/api/me/payments")).json()["charges_enabled"]
        r = await ann.post(buy(sale))
        assert (r.status_code, r.json()["error"]["code"]) == (409, "seller_not_ready")
    finally:
        paid.ctx.clock = real


async def test_a_ticket_opens_no_door_a_ban_or_block_shuts(
    paid: LiveServer, stripe: FakeStripe
) -> None:
    maya, bob, cat, guest = await clients(paid, "maya", "bob", "cat", "")
    await connected(maya, stripe)
    _, sale = await paid_event(maya, window="live")
    await pay(bob, stripe, await checkout(bob, sale))
    # blocked by the host: the sale is not there for them, nothing to pay
    assert (await maya.post("/api/users/cat/block")).status_code == 200
    r = await cat.post(buy(sale))
    assert r.status_code in (403, 404) and r.json()["error"]["code"] != "sold_out"
    assert (await guest.post(buy(sale))).status_code == 401
    # banned in the room: the ticket does not bring them back
    room_id = (await maya.post(f"/api/events/{sale['url'].split('/')[-1]}/start")).json()
    room_id = room_id["room"]["id"]
    async with (
        maya.live(f"/api/rooms/{room_id}/live") as host_ws,
        bob.live(f"/api/rooms/{room_id}/live") as ws,
    ):
        await host_ws.recv()
        assert (await ws.recv())["type"] == "snapshot"
        r = await maya.post(
            f"/api/rooms/{room_id}/participants/u{bob.user_id}/remove", {"ban": True}
        )
        assert r.status_code == 200, r.text
    async with bob.live(f"/api/rooms/{room_id}/live") as ws:
        msg = await ws.recv()
        assert (msg["type"], msg["code"]) == ("error", "banned")
    r = await bob.post(f"/api/rooms/{room_id}/media", {"sdp": "v=0\r\n", "type": "offer"})
    assert (r.status_code, r.json()["error"]["code"]) == (403, "banned")
    r = await bob.post(buy(sale))  # nor buying again
    assert r.status_code == 403
