"""Ticketed rooms and events: sales, seats held for Checkout, tickets (issued by the
provider's confirmation only), comp codes, refunds (one, all, or every ticket of a cancelled
event, as a job), the host's figures, and buyers' private feeds of the replay
(domain/tickets.py holds the rules)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from roomcast.actions import feeds, notify, payments, standing
from roomcast.actions.context import Context
from roomcast.bus import room_channel
from roomcast.domain import money, notices, payouts
from roomcast.domain import rooms as room_rules
from roomcast.domain import tickets as rules
from roomcast.domain.identity import user_key
from roomcast.domain.jobs import REFUND, Job
from roomcast.domain.model import PublicUser, Room, RoomId, RoomState, User, UserId
from roomcast.domain.podcasts import Episode
from roomcast.domain.tickets import Phase, Sale, Terms, Ticket, TicketState
from roomcast.domain.updates import ParticipantLeft, TicketEnded
from roomcast.errors import BadRequest, Conflict, Forbidden, NotFound, Unavailable
from roomcast.media.commands import Drop
from roomcast.payments import (
    CheckoutRequest,
    PaymentError,
    PaymentEvent,
)
from roomcast.store import UnitOfWork

logger = logging.getLogger(__name__)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed by hand


# ---- sales ----


async def open_sale(
    ctx: Context,
    uow: UnitOfWork,
    host: User,
    terms: Terms,
    record: bool,
    *,
    event_id: str | None = None,
    room_id: str | None = None,
) -> Sale:
    """Tickets on sale for an event or a room, in the unit of work that makes it."""
    payments.provider(ctx)
    money.check_amount(terms.price, terms.currency)
    terms = rules.check_terms(terms, record, live=room_id is not None)
    payouts.check_ready(await uow.payout_accounts.get(host.id), "You")
    room = RoomId(room_id) if room_id is not None else None
    sale = await uow.sales.add(Sale(0, host.id, terms, ctx.clock(), event_id, room))
    logger.info("sale %s opened by user %s: %s %s", sale.id, host.id, terms.price, terms.currency)
    return sale


async def room_started(uow: UnitOfWork, event_id: str, room: Room) -> None:
    """The event became this room: its sale is the room's now."""
    sale = await uow.sales.of_event(event_id)
    if sale is not None:
        await uow.sales.save(replace(sale, room_id=room.id))


async def event_cancelled(ctx: Context, uow: UnitOfWork, event_id: str) -> None:
    """Every ticket of a cancelled event is refunded (a job: the provider may be slow or
    down, and refunds carry idempotency keys, so a retry never refunds twice)."""
    sale = await uow.sales.of_event(event_id)
    if sale is None or sale.cancelled_at is not None:
        return
    await uow.sales.save(replace(sale, cancelled_at=ctx.clock()))
    await queue_refund(ctx, uow, {"sale_id": sale.id, "why": "cancelled"})


async def queue_refund(ctx: Context, uow: UnitOfWork, what: dict[str, Any]) -> None:
    """A refund to make through the provider, as a durable job in this unit of work: it
    happens even if the provider is down now or the process dies (retried; each refund's
    idempotency key makes a retry the same refund). `what`: a sale's every ticket
    (`sale_id`), one ticket (`ticket_id`), or a stray payment (`payment_id`, `account`)."""
    now = ctx.clock()
    await uow.jobs.add(REFUND, None, now, now, what)
    wake = ctx.wake_notices

    async def poke() -> None:
        wake()

    uow.after_commit(poke)


async def _phase(uow: UnitOfWork, sale: Sale) -> Phase:
    if sale.room_id is not None:
        room = await uow.rooms.get(sale.room_id)
        if room is not None:
            return {RoomState.LIVE: Phase.LIVE, RoomState.ENDED: Phase.ENDED}.get(
                room.state, Phase.UPCOMING
            )
    if sale.event_id is not None:
        event = await uow.events.get(sale.event_id)
        if event is not None:
            return rules.phase_of_event(event.state.value)
    return Phase.CANCELLED


@dataclass(frozen=True, slots=True)
class SaleView:
    """A sale as a would-be buyer sees it: the ticket page."""

    sale: Sale
    title: str
    host: PublicUser
    phase: Phase
    seats_left: int | None  # None: no limit
    mine: Ticket | None  # the viewer's ticket, if any
    refusal: str | None  # why tickets do not sell now (None: they do)
    url: str  # the event's or room's page
    starts_at: datetime | None = None

    @property
    def price_text(self) -> str:
        return money.format_amount(self.sale.terms.price, self.sale.terms.currency)


async def _sale_view(uow: UnitOfWork, ctx: Context, sale: Sale, viewer: User | None) -> SaleView:
    now = ctx.clock()
    phase = await _phase(uow, sale)
    title, url, starts = "", "", None
    if sale.event_id is not None:
        event = await uow.events.get(sale.event_id)
        if event is not None:
            title, url, starts = event.title, f"/e/{event.id}", event.starts_at
    if sale.room_id is not None:
        room = await uow.rooms.get(sale.room_id)
        if room is not None:
            title, url = room.title, f"/r/{room.id}"
    host = (await uow.users.public([sale.host_id]))[sale.host_id]
    mine = await uow.tickets.mine(sale.id, viewer.id) if viewer else None
    taken = await uow.tickets.taken(sale.id, now)
    left = None if sale.terms.capacity is None else max(0, sale.terms.capacity - taken)
    refusal = None
    try:
        rules.check_on_sale(sale, phase)
        if mine is None or not mine.holds_seat(now):
            rules.check_seat(sale, taken)
    except Conflict as e:
        refusal = e.message
    return SaleView(sale, title, host, phase, left, mine, refusal, url, starts)


async def sale(ctx: Context, sale_id: int, viewer: User | None) -> SaleView:
    async with ctx.transaction() as uow:
        found = await _load_sale(uow, sale_id)
        await _may_see(ctx, uow, found, viewer)
        return await _sale_view(uow, ctx, found, viewer)


async def sale_of(
    ctx: Context, viewer: User | None, *, event_id: str | None = None, room_id: str | None = None
) -> SaleView | None:
    """The ticket page's facts for an event or a room (None: it is free)."""
    async with ctx.transaction() as uow:
        found = (
            await uow.sales.of_event(event_id)
            if event_id is not None
            else await uow.sales.of_room(room_id or "")
        )
        return await _sale_view(uow, ctx, found, viewer) if found else None


async def sale_of_episode(ctx: Context, viewer: User | None, episode_id: str) -> SaleView | None:
    """The sale of the ticketed room a replay was (its ticket page)."""
    async with ctx.transaction() as uow:
        ep = await uow.episodes.get(episode_id)
        found = await uow.sales.get(ep.sale_id) if ep and ep.sale_id and ep.is_public else None
        return await _sale_view(uow, ctx, found, viewer) if found else None


async def _load_sale(uow: UnitOfWork, sale_id: int, *, for_update: bool = False) -> Sale:
    found = await uow.sales.get(sale_id, for_update=for_update)
    if found is None:
        raise NotFound("No such sale.", code="sale_not_found")
    return found


async def _may_see(ctx: Context, uow: UnitOfWork, sale: Sale, viewer: User | None) -> None:
    """A sale is seen (and bought) by whoever may see what it sells, a ticket aside:
    nobody banned, blocked or outside a members-only club."""
    if sale.room_id is not None:
        room = await uow.rooms.get(sale.room_id)
        if room is not None:
            who = await standing.visitor(ctx, uow, room, viewer, "")
            room_rules.may_view(replace(room, ticketed=False), who.actor, ctx.clock())
            return
    if sale.event_id is not None:
        from roomcast.actions import events  # here: events.py opens and closes our sales

        event = await uow.events.get(sale.event_id)
        if event is not None:
            await events.may_see(uow, event, viewer)
            if viewer is not None and await uow.bans.is_banned(event.host_id, [viewer.id], []):
                raise Forbidden("You were banned from this host's rooms.", code="banned")


# ---- buying ----


async def buy(ctx: Context, buyer: User, sale_id: int) -> str:
    """Hold a seat and open a Checkout for it; returns the Checkout's URL. The ticket is
    issued when the provider confirms the payment (`handle`), never on the redirect back."""
    p = payments.provider(ctx)
    now = ctx.clock()
    async with ctx.transaction() as uow:
        found = await _load_sale(uow, sale_id, for_update=True)  # one buyer counts at a time
        await _may_see(ctx, uow, found, buyer)
        rules.check_on_sale(found, await _phase(uow, found))
        mine = await uow.tickets.mine(found.id, buyer.id)
        rules.check_may_buy(found, buyer.id, mine, now)
        rules.check_seat(found, await uow.tickets.taken(found.id, now, besides=buyer.id))
        seller = payouts.check_ready(await uow.payout_accounts.get(found.host_id))
        terms = found.terms
        held = Ticket(
            id=0,
            sale_id=found.id,
            user_id=buyer.id,
            state=TicketState.HELD,
            amount=terms.price,
            fee=payments.fee(ctx, terms.price),
            currency=terms.currency,
            created_at=now,
            held_until=now + rules.HOLD,
            account=seller.account,
        )
        ticket = await uow.tickets.open(held)
        view = await _sale_view(uow, ctx, found, buyer)
    base = ctx.settings.base_url
    assert ticket.held_until is not None
    request = CheckoutRequest(
        account=seller.account,
        amount=ticket.amount,
        currency=ticket.currency,
        fee=ticket.fee,
        name=f"Ticket: {view.title}"[:250],
        reference=f"ticket:{ticket.id}",
        success_url=f"{base}/tickets/{ticket.id}?checkout=done",
        cancel_url=f"{base}/tickets/{ticket.id}?checkout=cancelled",
        expires_at=ticket.held_until,
        idempotency_key=f"ticket-{ticket.id}-checkout-{int(now.timestamp())}",
    )
    try:
        checkout = await p.checkout(request)
    except PaymentError as e:
        async with ctx.transaction() as uow:  # the seat is free again at once
            current = await uow.tickets.get(ticket.id)
            if current is not None:
                await uow.tickets.save(rules.on_expired(current))
        raise Unavailable(str(e), code="payment_provider_unavailable") from e
    async with ctx.transaction() as uow:
        current = await uow.tickets.get(ticket.id)
        if current is not None and current.checkout_id is None:
            await uow.tickets.save(replace(current, checkout_id=checkout.id))
    logger.info("ticket %s held for user %s at checkout %s", ticket.id, buyer.id, checkout.id)
    return checkout.url


async def cancel_checkout(ctx: Context, buyer: User, ticket_id: int) -> Ticket:
    """The buyer came back without paying: their seat is given back now, not in 30 min."""
    async with ctx.transaction() as uow:
        t = await _my_ticket(uow, buyer, ticket_id)
    if t.state is TicketState.HELD and t.checkout_id and t.account and ctx.payments:
        try:
            await ctx.payments.expire_checkout(t.account, t.checkout_id)
        except PaymentError:
            return t  # it lapses by itself; a payment still arriving is handled then
        async with ctx.transaction() as uow:
            current = await _my_ticket(uow, buyer, ticket_id)
            t = rules.on_expired(current)
            await uow.tickets.save(t)
    return t


async def _my_ticket(uow: UnitOfWork, me: User, ticket_id: int) -> Ticket:
    t = await uow.tickets.get(ticket_id)
    if t is None or t.user_id != me.id:
        raise NotFound("No such ticket.", code="ticket_not_found")
    return t


async def my_ticket(ctx: Context, me: User, ticket_id: int) -> tuple[Ticket, SaleView]:
    async with ctx.transaction() as uow:
        t = await _my_ticket(uow, me, ticket_id)
        s = await _load_sale(uow, t.sale_id)
        return t, await _sale_view(uow, ctx, s, me)


@dataclass(frozen=True, slots=True)
class TicketView:
    ticket: Ticket
    sale: SaleView
    episode: Episode | None  # the replay, once published
    feed_url: str | None  # the buyer's private feed of it


async def my_tickets(ctx: Context, me: User) -> list[TicketView]:
    out: list[TicketView] = []
    async with ctx.transaction() as uow:
        for t in await uow.tickets.of_user(me.id):
            s = await uow.sales.get(t.sale_id)
            if s is None:
                continue
            episode = await uow.episodes.for_room(s.room_id) if s.room_id else None
            if episode is not None and not episode.is_public:
                episode = None
            key = await uow.tickets.key_of(me.id, s.id)
            url = None
            if key and t.valid and not t.feed_revoked:
                url = f"{ctx.settings.base_url}/feeds/{feeds.key_text(ctx, *key)}/feed.xml"
            out.append(TicketView(t, await _sale_view(uow, ctx, s, me), episode, url))
    return out


async def buyer_feed(ctx: Context, me: User, ticket_id: int) -> str:
    """The buyer's own feed URL of the replay (made on first asking)."""
    async with ctx.transaction() as uow:
        t = await _my_ticket(uow, me, ticket_id)
        if not t.valid:
            raise Forbidden("This ticket is not valid (refunded?).", code="ticket_not_valid")
        if t.feed_revoked:
            raise Forbidden("The host revoked your feed of this replay.", code="feed_revoked")
        await uow.tickets.feed_key(me.id, t.sale_id, secrets.token_hex(8), ctx.clock())
        key = await uow.tickets.key_of(me.id, t.sale_id)
    assert key is not None
    return f"{ctx.settings.base_url}/feeds/{feeds.key_text(ctx, *key)}/feed.xml"


async def replay_of(ctx: Context, sale: Sale) -> Episode | None:
    """The published replay a buyer's feed lists."""
    async with ctx.transaction() as uow:
        ep = await uow.episodes.for_room(sale.room_id) if sale.room_id else None
    return ep if ep is not None and ep.is_public and ep.sale_id == sale.id else None


# ---- comp codes ----


async def make_codes(ctx: Context, host: User, sale_id: int, count: int) -> list[str]:
    if not 1 <= count <= rules.MAX_CODES:
        raise BadRequest(f"Make 1 to {rules.MAX_CODES} codes at a time.", code="bad_count")
    codes = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(10)) for _ in range(count)]
    async with ctx.transaction() as uow:
        found = await _load_sale(uow, sale_id)
        rules.check_host(found, host.id)
        if found.cancelled_at is not None:
            raise Conflict("This sale was cancelled.", code="not_on_sale")
        await uow.tickets.add_codes(found.id, codes, ctx.clock())
    return codes


async def redeem(ctx: Context, me: User, code: str) -> Ticket:
    """A free code becomes the person's ticket (comps do not count against capacity: the
    host gave them). A used or unknown code: 404 either way."""
    code = code.strip().upper()
    now = ctx.clock()
    async with ctx.transaction() as uow:
        sale_id = await uow.tickets.redeem(code, me.id, now) if len(code) <= 16 else None
        if sale_id is None:
            raise NotFound("That code is unknown or was used already.", code="code_not_found")
        found = await _load_sale(uow, sale_id, for_update=True)
        await _may_see(ctx, uow, found, me)
        if found.cancelled_at is not None:
            raise Conflict("This was cancelled.", code="not_on_sale")
        # as for buying: not theirs to need, not twice, not while paying at a Checkout
        rules.check_may_buy(found, me.id, await uow.tickets.mine(found.id, me.id), now)
        comp = Ticket(0, found.id, me.id, TicketState.COMP, 0, 0, found.terms.currency, now)
        ticket = await uow.tickets.open(replace(comp, paid_at=now))
    logger.info("comp code redeemed for sale %s by user %s", sale_id, me.id)
    return ticket


async def ticket_paid(ctx: Context, uow: UnitOfWork, ticket_id: int, event: PaymentEvent) -> None:
    """The provider says a ticket was paid. Issued once; refunded at once (a queued job)
    when its seat went to someone else or its event was cancelled; a payment that buys
    nothing (another Checkout of a ticket settled since) is given back whole."""
    t = await uow.tickets.get(ticket_id)
    matched = t is not None and payouts.matches(
        t.checkout_id, t.account, event.checkout_id, event.account
    )
    if t is None or not matched or rules.stray(t, event.payment_id or ""):
        logger.warning("payment event %s buys nothing of ticket %s: refunded", event.id, ticket_id)
        if event.payment_id and event.account:
            stray = {"payment_id": event.payment_id, "account": event.account}
            await queue_refund(ctx, uow, stray)
        return
    found = await _load_sale(uow, t.sale_id, for_update=True)
    taken = await uow.tickets.taken(found.id, ctx.clock(), besides=t.user_id)
    paid, must_refund = rules.on_payment(
        t, event.payment_id or "", taken, found.terms.capacity, ctx.clock()
    )
    paid = replace(paid, checkout_id=event.checkout_id or t.checkout_id)
    await uow.tickets.save(paid)
    if found.cancelled_at is not None and paid.state is TicketState.PAID:
        must_refund = True
    logger.info("ticket %s paid (payment %s)", t.id, event.payment_id)
    if must_refund:
        await queue_refund(ctx, uow, {"ticket_id": t.id, "why": "sold_out"})


# ---- refunds ----


async def refund(ctx: Context, host: User, ticket_id: int) -> Ticket:
    """A host refunds one ticket of their sale (a comp is revoked)."""
    async with ctx.transaction() as uow:
        t = await uow.tickets.get(ticket_id)
        if t is None:
            raise NotFound("No such ticket.", code="ticket_not_found")
        rules.check_host(await _load_sale(uow, t.sale_id), host.id)
        rules.check_refundable(t)
    return await refund_now(ctx, ticket_id, "host")


async def refund_all(ctx: Context, host: User, sale_id: int) -> int:
    async with ctx.transaction() as uow:
        rules.check_host(await _load_sale(uow, sale_id), host.id)
        ids = [t.id for t, _ in await uow.tickets.of_sale(sale_id) if t.valid]
    for ticket_id in ids:
        await refund_now(ctx, ticket_id, "host")
    return len(ids)


async def refund_now(ctx: Context, ticket_id: int, why: str) -> Ticket:
    """Refund through the provider (its idempotency key is the ticket's and the payment's:
    two refunds of one ticket, in parallel or retried, are one refund), then record it."""
    async with ctx.transaction() as uow:
        t = await uow.tickets.get(ticket_id)
    if t is None:
        raise NotFound("No such ticket.", code="ticket_not_found")
    if t.state is TicketState.REFUNDED:
        return t
    if t.state is TicketState.PAID and t.amount > 0 and t.payment_id and t.account:
        try:
            await payments.provider(ctx).refund(
                t.account, t.payment_id, f"ticket-{t.id}-refund-{t.payment_id}"
            )
        except PaymentError as e:
            raise Unavailable(str(e), code="payment_provider_unavailable") from e
    async with ctx.transaction() as uow:
        current = await uow.tickets.get(ticket_id)
        assert current is not None
        if current.state is TicketState.REFUNDED:
            return current
        done = await refunded_now(ctx, uow, current)
        await _tell_refunded(ctx, uow, done, why)
    logger.info("ticket %s refunded (%s)", ticket_id, why)
    return done


async def refunded_now(ctx: Context, uow: UnitOfWork, t: Ticket) -> Ticket:
    """The ticket stops working: no room, no replay, no feed; out of the room if in it."""
    done = rules.refunded(t, ctx.clock())
    await uow.tickets.save(done)
    await uow.tickets.drop_feed_key(t.user_id, t.sale_id)
    found = await uow.sales.get(t.sale_id)
    if found is not None and found.room_id is not None:
        room = await uow.rooms.get(found.room_id)
        key = user_key(t.user_id)
        role = await uow.participants.present_role(found.room_id, key) if room else None
        if room is not None and room.is_live and role is not None:
            who = await standing.visitor(ctx, uow, room, await uow.users.get(t.user_id), "")
            if not room_rules.has_part(who.actor):
                await uow.participants.depart(room.id, key)
                uow.command(Drop(room.id, key))
                uow.publish(room_channel(room.id), TicketEnded(key))
                uow.publish(room_channel(room.id), ParticipantLeft(key))
    return done


async def _tell_refunded(ctx: Context, uow: UnitOfWork, t: Ticket, why: str) -> None:
    view = await _sale_view(uow, ctx, await _load_sale(uow, t.sale_id), None)
    amount = money.format_amount(t.amount, t.currency)
    if why == "cancelled":
        text = f"{view.title} was cancelled: your ticket ({amount}) was refunded"
    elif why == "sold_out":
        text = f"{view.title} sold out before your payment came through: {amount} refunded"
    elif t.amount == 0:
        text = f"Your free ticket for {view.title} was withdrawn by its host"
    else:
        text = f"Your ticket for {view.title} ({amount}) was refunded by its host"
    draft = notices.refunded(t.id, text, view.url or "/tickets", view.sale.host_id)
    await notify.announce(ctx, uow, draft, [(notify.PEOPLE, [t.user_id])])


async def run_refunds(ctx: Context, job: Job) -> None:
    """The REFUND job (`queue_refund`): every valid ticket of a cancelled sale refunded
    and told, open Checkouts expired; or one ticket; or a stray payment. Retried until
    done (each refund is idempotent)."""
    p = job.payload
    why = str(p.get("why", "cancelled"))
    if "ticket_id" in p:
        await refund_now(ctx, int(p["ticket_id"]), why)
        return
    if "payment_id" in p:
        payment, account = str(p["payment_id"]), str(p["account"])
        await payments.provider(ctx).refund(account, payment, f"stray-{payment}-refund")
        logger.info("stray payment %s refunded", payment)
        return
    sale_id = int(p["sale_id"])
    async with ctx.transaction() as uow:
        tickets = [t for t, _ in await uow.tickets.of_sale(sale_id)]
    for t in tickets:
        if t.state is TicketState.HELD and t.checkout_id and t.account and ctx.payments:
            await ctx.payments.expire_checkout(t.account, t.checkout_id)
            async with ctx.transaction() as uow:
                current = await uow.tickets.get(t.id)
                if current is not None:
                    await uow.tickets.save(rules.on_expired(current))
        elif t.valid:
            await refund_now(ctx, t.id, why)


# ---- the host's side ----


@dataclass(frozen=True, slots=True)
class SalesReport:
    view: SaleView
    summary: rules.Summary
    buyers: list[tuple[Ticket, PublicUser]]
    codes: list[tuple[str, UserId | None]]


async def report(ctx: Context, host: User, sale_id: int) -> SalesReport:
    async with ctx.transaction() as uow:
        found = await _load_sale(uow, sale_id)
        rules.check_host(found, host.id)
        buyers = await uow.tickets.of_sale(sale_id)
        listed = [(t, u) for t, u in buyers if t.state is not TicketState.RELEASED]
        return SalesReport(
            await _sale_view(uow, ctx, found, host),
            rules.summary((t for t, _ in buyers), ctx.clock()),
            [(t, u) for t, u in listed if t.state is not TicketState.HELD],
            await uow.tickets.codes(sale_id),
        )


async def revoke_feed(ctx: Context, host: User, ticket_id: int) -> None:
    """The host shuts one buyer's replay feed (shared around, say); their ticket stays."""
    async with ctx.transaction() as uow:
        t = await uow.tickets.get(ticket_id)
        if t is None:
            raise NotFound("No such ticket.", code="ticket_not_found")
        rules.check_host(await _load_sale(uow, t.sale_id), host.id)
        await uow.tickets.save(replace(t, feed_revoked=True))
        await uow.tickets.drop_feed_key(t.user_id, t.sale_id)
    logger.info("feed of ticket %s revoked by its host", ticket_id)
