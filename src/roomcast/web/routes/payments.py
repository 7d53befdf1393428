"""Paid rooms over HTTP: creators' payment accounts, sales and tickets, Checkout, refunds,
comp codes, tips, the provider's webhook, and their pages (tickets, sales, the local test
provider's checkout)."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from roomcast.actions import accounts, payments, tickets, tips, webhooks
from roomcast.domain import money
from roomcast.domain.payouts import PayoutAccount
from roomcast.errors import BadRequest, NotFound, RoomcastError
from roomcast.payments import PaymentError
from roomcast.web.deps import Ctx, SignedIn, Viewer
from roomcast.web.payment_schemas import (
    CodesIn,
    CodesOut,
    MyTicketOut,
    MyTicketsOut,
    PayoutAccountOut,
    RedeemIn,
    RefundedOut,
    SaleOut,
    SalesReportOut,
    TicketOut,
    TipIn,
    TipOptionsOut,
    TipOut,
    TipsOut,
)
from roomcast.web.routes.pages import _render as render
from roomcast.web.routes.pages import render_message
from roomcast.web.schemas import LinkOut

router = APIRouter(tags=["payments"])
pages = APIRouter(include_in_schema=False)

SaleId = Annotated[int, Path(ge=1, le=2**31)]
TicketId = Annotated[int, Path(ge=1, le=2**31)]
IdPath = Annotated[str, Path(min_length=1, max_length=24, pattern=r"^[A-Za-z0-9_-]+$")]
UsernamePath = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$")]
SessionPath = Annotated[str, Path(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def _account_out(ctx: Ctx, account: PayoutAccount | None) -> PayoutAccountOut:
    return PayoutAccountOut.of(
        account, ctx.settings.payment_provider, ctx.settings.platform_fee_percent
    )


# ---- creators ----


@router.get("/api/me/payments", response_model=PayoutAccountOut, summary="Your payment account")
async def my_account(user: SignedIn, ctx: Ctx) -> PayoutAccountOut:
    return _account_out(ctx, await payments.account_of(ctx, user))


@router.post(
    "/api/me/payments/connect",
    response_model=LinkOut,
    summary="Set up (or finish) your payment account: go to the URL (Stripe's onboarding)",
)
async def connect(user: SignedIn, ctx: Ctx) -> LinkOut:
    contact = await accounts.contact(ctx, user)
    return LinkOut(url=await payments.connect(ctx, user, contact.email))


@router.post(
    "/api/me/payments/refresh",
    response_model=PayoutAccountOut,
    summary="Ask the provider for your account's status now",
)
async def refresh(user: SignedIn, ctx: Ctx) -> PayoutAccountOut:
    return _account_out(ctx, await payments.refresh_account(ctx, user))


@router.get(
    "/api/users/{username}/tip-options",
    response_model=TipOptionsOut,
    summary="What this person may be tipped (no presets: they take no tips)",
)
async def tip_options(username: UsernamePath, ctx: Ctx) -> TipOptionsOut:
    currency = await tips.tip_currency(ctx, username)
    if currency is None:
        return TipOptionsOut(currency=None, presets=[], presets_text=[])
    presets = list(money.tip_presets(currency))
    return TipOptionsOut(
        currency=currency,
        presets=presets,
        presets_text=[money.format_amount(a, currency) for a in presets],
    )


@router.get("/api/me/tips", response_model=TipsOut, summary="Tips you were given")
async def my_tips(user: SignedIn, ctx: Ctx) -> TipsOut:
    return TipsOut(tips=[TipOut.of(t, g) for t, g in await tips.tips_received(ctx, user)])


# ---- sales and tickets ----


# A sale is reached through its event's or room's id (random, like their links), never by
# its own id (a counter): a link-only room's sale must not be found by counting.


async def _sale_of(ctx: Ctx, viewer: Viewer, **where: str) -> tickets.SaleView:
    found = await tickets.sale_of(ctx, viewer, **where)
    if found is None:
        raise NotFound("This is free: no tickets.", code="not_ticketed")
    return await tickets.sale(ctx, found.sale.id, viewer)  # the door: may they see it?


@router.get("/api/events/{event_id}/sale", response_model=SaleOut, summary="An event's tickets")
async def event_sale(event_id: IdPath, viewer: Viewer, ctx: Ctx) -> SaleOut:
    return SaleOut.of(await _sale_of(ctx, viewer, event_id=event_id))


@router.get("/api/rooms/{room_id}/sale", response_model=SaleOut, summary="A room's tickets")
async def room_sale(room_id: IdPath, viewer: Viewer, ctx: Ctx) -> SaleOut:
    return SaleOut.of(await _sale_of(ctx, viewer, room_id=room_id))


@router.post(
    "/api/events/{event_id}/checkout",
    response_model=LinkOut,
    status_code=201,
    summary="Buy a ticket for an event: a seat is held while you pay at the URL (Checkout)",
)
async def event_checkout(event_id: IdPath, user: SignedIn, ctx: Ctx) -> LinkOut:
    found = await _sale_of(ctx, user, event_id=event_id)
    return LinkOut(url=await tickets.buy(ctx, user, found.sale.id))


@router.post(
    "/api/rooms/{room_id}/checkout",
    response_model=LinkOut,
    status_code=201,
    summary="Buy a ticket for a room (live, or its replay): pay at the URL (Checkout)",
)
async def room_checkout(room_id: IdPath, user: SignedIn, ctx: Ctx) -> LinkOut:
    found = await _sale_of(ctx, user, room_id=room_id)
    return LinkOut(url=await tickets.buy(ctx, user, found.sale.id))


@router.get("/api/me/tickets", response_model=MyTicketsOut, summary="Your tickets")
async def my_tickets(user: SignedIn, ctx: Ctx) -> MyTicketsOut:
    base = ctx.settings.base_url
    return MyTicketsOut(
        tickets=[MyTicketOut.of(v, base) for v in await tickets.my_tickets(ctx, user)]
    )


@router.get("/api/tickets/{ticket_id}", response_model=TicketOut, summary="Your ticket")
async def my_ticket(ticket_id: TicketId, user: SignedIn, ctx: Ctx) -> TicketOut:
    return TicketOut.of((await tickets.my_ticket(ctx, user, ticket_id))[0])


@router.post(
    "/api/tickets/{ticket_id}/release",
    response_model=TicketOut,
    summary="Give back the seat held for your unfinished Checkout",
)
async def release(ticket_id: TicketId, user: SignedIn, ctx: Ctx) -> TicketOut:
    return TicketOut.of(await tickets.cancel_checkout(ctx, user, ticket_id))


@router.post(
    "/api/tickets/{ticket_id}/feed",
    response_model=LinkOut,
    summary="Your private podcast feed of the replay (for podcast apps)",
)
async def buyer_feed(ticket_id: TicketId, user: SignedIn, ctx: Ctx) -> LinkOut:
    return LinkOut(url=await tickets.buyer_feed(ctx, user, ticket_id))


@router.post("/api/tickets/redeem", response_model=TicketOut, summary="Use a free ticket code")
async def redeem(body: RedeemIn, user: SignedIn, ctx: Ctx) -> TicketOut:
    return TicketOut.of(await tickets.redeem(ctx, user, body.code))


# ---- the host's side ----


@router.get(
    "/api/sales/{sale_id}/report",
    response_model=SalesReportOut,
    summary="Sales: count, gross, fees, net, buyers and codes (host)",
)
async def report(sale_id: SaleId, user: SignedIn, ctx: Ctx) -> SalesReportOut:
    return SalesReportOut.of(await tickets.report(ctx, user, sale_id))


@router.post(
    "/api/sales/{sale_id}/codes",
    response_model=CodesOut,
    status_code=201,
    summary="Make free ticket codes (host)",
)
async def make_codes(sale_id: SaleId, body: CodesIn, user: SignedIn, ctx: Ctx) -> CodesOut:
    return CodesOut(codes=await tickets.make_codes(ctx, user, sale_id, body.count))


@router.post(
    "/api/sales/{sale_id}/refund",
    response_model=RefundedOut,
    summary="Refund every ticket (host)",
)
async def refund_all(sale_id: SaleId, user: SignedIn, ctx: Ctx) -> RefundedOut:
    return RefundedOut(refunded=await tickets.refund_all(ctx, user, sale_id))


@router.post(
    "/api/tickets/{ticket_id}/refund", response_model=TicketOut, summary="Refund a ticket (host)"
)
async def refund(ticket_id: TicketId, user: SignedIn, ctx: Ctx) -> TicketOut:
    return TicketOut.of(await tickets.refund(ctx, user, ticket_id))


@router.post(
    "/api/tickets/{ticket_id}/revoke-feed",
    status_code=204,
    summary="Shut a buyer's private replay feed (host)",
)
async def revoke_feed(ticket_id: TicketId, user: SignedIn, ctx: Ctx) -> Response:
    await tickets.revoke_feed(ctx, user, ticket_id)
    return Response(status_code=204)


# ---- tips ----


@router.post(
    "/api/tips",
    response_model=LinkOut,
    status_code=201,
    summary="Tip a speaker in a live room or on an episode: pay at the URL",
)
async def tip(body: TipIn, user: SignedIn, ctx: Ctx) -> LinkOut:
    url = await tips.tip(
        ctx, user, body.username, body.amount, room_id=body.room_id, episode_id=body.episode_id
    )
    return LinkOut(url=url)


# ---- the provider's webhook ----


@router.post(
    "/api/payments/stripe/webhook",
    status_code=204,
    summary="Stripe's Connect webhook (signed; events on connected accounts)",
)
async def stripe_webhook(request: Request, ctx: Ctx) -> Response:
    body = await request.body()
    await webhooks.webhook(ctx, body, request.headers.get("stripe-signature"))
    return Response(status_code=204)


# ---- pages ----


@pages.get("/settings/payments", response_class=HTMLResponse)
async def payments_page(request: Request, user: Viewer, ctx: Ctx, connect: str = "") -> Response:
    """A creator's payment account and tips; Stripe's onboarding returns here."""
    if user is None:
        return await render_message(request, 401, "Payments", "Sign in to set up payments.")
    account = await payments.account_of(ctx, user)
    if connect == "done" and account is not None:
        # back from onboarding: the status now, rather than at the next webhook
        with suppress(RoomcastError):
            account = await payments.refresh_account(ctx, user)
    received = [TipOut.of(t, g) for t, g in await tips.tips_received(ctx, user)]
    return render(
        request,
        "payments_settings.html",
        user,
        title="Payments",
        account=_account_out(ctx, account),
        tips=received,
        connect=connect if connect in ("done", "again") else "",
    )


@pages.get("/tickets", response_class=HTMLResponse)
async def tickets_page(request: Request, user: Viewer, ctx: Ctx) -> Response:
    if user is None:
        return await render_message(request, 401, "Your tickets", "Sign in to see your tickets.")
    return render(
        request,
        "tickets.html",
        user,
        title="Your tickets",
        tickets=await tickets.my_tickets(ctx, user),
    )


@pages.get("/tickets/{ticket_id}", response_class=HTMLResponse)
async def ticket_page(request: Request, ticket_id: int, user: Viewer, ctx: Ctx) -> Response:
    """Where Checkout sends the buyer back: it waits for the provider's confirmation."""
    if user is None:
        return await render_message(request, 401, "Your ticket", "Sign in to see your ticket.")
    try:
        ticket, view = await tickets.my_ticket(ctx, user, ticket_id)
    except RoomcastError as e:
        return await render_message(request, e.http_status, "No such ticket", e.message)
    return render(request, "ticket.html", user, title=view.title, ticket=ticket, view=view)


@pages.get("/sales/{sale_id}", response_class=HTMLResponse)
async def sales_page(request: Request, sale_id: int, user: Viewer, ctx: Ctx) -> Response:
    if user is None:
        return await render_message(request, 401, "Sales", "Sign in to see your sales.")
    try:
        found = await tickets.report(ctx, user, sale_id)
    except RoomcastError as e:
        return await render_message(request, e.http_status, "Sales", e.message)
    return render(
        request,
        "sales.html",
        user,
        title=f"Sales: {found.view.title}",
        report=SalesReportOut.of(found).model_dump(mode="json"),
    )


@pages.get("/pay/local/{session_id}", response_class=HTMLResponse)
async def local_checkout(
    request: Request, session_id: SessionPath, user: Viewer, ctx: Ctx
) -> Response:
    """The local test provider's stand-in for Stripe's hosted Checkout (dev mode only)."""
    try:
        session = payments.local(ctx).open_session(session_id)
    except (RoomcastError, PaymentError) as e:
        return await render_message(request, 404, "Checkout", str(e))
    r = session.request
    return render(
        request,
        "pay_local.html",
        user,
        title="Test checkout",
        session_id=session_id,
        name=r.name,
        amount=money.format_amount(r.amount, r.currency),
        fee=money.format_amount(r.fee, r.currency),
    )


@router.post(
    "/api/pay/local/{session_id}/{outcome}", response_model=LinkOut, include_in_schema=False
)
async def local_outcome(session_id: SessionPath, outcome: str, ctx: Ctx) -> LinkOut:
    local = payments.local(ctx)
    if outcome not in ("pay", "cancel"):
        raise NotFound("Pay or cancel.", code="bad_outcome")
    try:
        session = local.open_session(session_id)
        event = local.pay(session_id) if outcome == "pay" else local.cancel(session_id)
    except PaymentError as e:
        raise BadRequest(str(e), code="checkout_over") from e
    await webhooks.handle(ctx, event)
    r = session.request
    return LinkOut(url=r.success_url if outcome == "pay" else r.cancel_url)
