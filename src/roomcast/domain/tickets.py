"""Ticketed rooms and events: what is on sale, when, how many seats, and a ticket's life.

A sale belongs to an event (and, once the event starts, to its room) or to a room started
at once. A ticket is one person's seat: they hold at most one per sale.

    held ──(payment confirmed by the provider's signed webhook)──> paid ──> refunded
      └──(Checkout expired or abandoned)──> released ──(a late payment)──> paid
    comp (a host's free code) ──> refunded (revoked)

Seats are held for the Checkout session's lifetime (HOLD), so the last seats cannot be
sold twice: a buyer who finds none free is told at once and is never sent to pay. A
payment that still arrives for a lapsed hold whose seat was taken meanwhile is refunded at
once (`on_payment`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from roomcast.domain.model import RoomId, UserId
from roomcast.errors import BadRequest, Conflict, Forbidden

# Seats are held as long as a Checkout session lives: Stripe's shortest is 30 minutes
# from its own clock, so a little more
HOLD = timedelta(minutes=32)
MAX_CAPACITY = 100_000
MAX_CODES = 200  # comp codes made at once


class Window(enum.StrEnum):
    """Until when tickets sell."""

    BEFORE = "before"  # until the room starts
    LIVE = "live"  # also while it is live
    REPLAY = "replay"  # also after it ended: the ticket is for the replay


class Phase(enum.StrEnum):
    """Where the thing sold is in its life."""

    UPCOMING = "upcoming"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"  # cancelled or expired: nothing more to sell


class TicketState(enum.StrEnum):
    HELD = "held"  # a seat kept while its buyer is at Checkout
    PAID = "paid"
    COMP = "comp"  # free, from a host's code
    RELEASED = "released"  # the hold lapsed unpaid
    REFUNDED = "refunded"  # refunded (or a comp revoked): no entry, no feed


@dataclass(frozen=True, slots=True)
class Terms:
    """What a host sets, validated for shape at the edge (money.check_amount for price)."""

    price: int
    currency: str
    capacity: int | None = None  # None: no limit
    window: Window = Window.BEFORE


@dataclass(frozen=True, slots=True)
class Sale:
    id: int
    host_id: UserId
    terms: Terms
    created_at: datetime
    event_id: str | None = None
    room_id: RoomId | None = None
    cancelled_at: datetime | None = None  # its event was cancelled: every ticket refunded


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    sale_id: int
    user_id: UserId
    state: TicketState
    amount: int  # what was charged, minor units (0 for a comp)
    fee: int  # the operator's application fee in it
    currency: str
    created_at: datetime
    held_until: datetime | None = None
    checkout_id: str | None = None
    payment_id: str | None = None  # the provider's payment (Stripe: PaymentIntent)
    account: str | None = None  # the seller's connected account charged
    paid_at: datetime | None = None
    refunded_at: datetime | None = None
    feed_revoked: bool = False  # the host revoked this buyer's private feed

    @property
    def valid(self) -> bool:
        """Opens the room and its replay."""
        return self.state in (TicketState.PAID, TicketState.COMP)

    def holds_seat(self, now: datetime) -> bool:
        if self.state is TicketState.HELD:
            return self.held_until is not None and now < self.held_until
        return self.valid


def check_terms(terms: Terms, record: bool, live: bool = False) -> Terms:
    """`live`: for a room started now, whose sales cannot close before it starts."""
    if terms.capacity is not None and not 1 <= terms.capacity <= MAX_CAPACITY:
        raise BadRequest(
            f"Capacity is 1 to {MAX_CAPACITY:,} seats, or none for no limit.",
            code="bad_capacity",
            field="capacity",
        )
    if live and terms.window is Window.BEFORE:
        raise BadRequest(
            "This room is live now: its tickets sell while it is (or for its replay too).",
            code="sales_closed",
            field="window",
        )
    if terms.window is Window.REPLAY and not record:
        raise BadRequest(
            "Selling the replay needs the room recorded: turn recording on.",
            code="replay_needs_recording",
            field="window",
        )
    return replace(terms, currency=terms.currency.lower())


def check_on_sale(sale: Sale, phase: Phase) -> None:
    """Whether tickets sell now, by the sale's window and where the room is."""
    if sale.cancelled_at is not None or phase is Phase.CANCELLED:
        raise Conflict("This was cancelled: tickets are no longer sold.", code="not_on_sale")
    window = sale.terms.window
    if phase is Phase.LIVE and window is Window.BEFORE:
        raise Conflict("Ticket sales closed when the room started.", code="sales_closed")
    if phase is Phase.ENDED and window is not Window.REPLAY:
        raise Conflict("This room has ended; tickets are no longer sold.", code="sales_closed")


def check_seat(sale: Sale, taken: int) -> None:
    """`taken`: seats held or sold to others."""
    if sale.terms.capacity is not None and taken >= sale.terms.capacity:
        raise Conflict("Sold out: every seat is taken.", code="sold_out")


def check_may_buy(sale: Sale, buyer: UserId, mine: Ticket | None, now: datetime) -> None:
    if buyer == sale.host_id:
        raise Conflict("You host this: you need no ticket.", code="own_sale")
    if mine is not None and mine.valid:
        raise Conflict("You already have a ticket.", code="already_have_ticket")
    if mine is not None and mine.state is TicketState.HELD and mine.holds_seat(now):
        raise Conflict(
            "You are paying for this ticket already: finish or cancel that Checkout first.",
            code="checkout_open",
        )


def hold(ticket: Ticket, checkout_id: str, held_until: datetime) -> Ticket:
    return replace(ticket, checkout_id=checkout_id, held_until=held_until)


def on_payment(
    ticket: Ticket, payment_id: str, taken_by_others: int, capacity: int | None, now: datetime
) -> tuple[Ticket, bool]:
    """The provider says the buyer paid. Returns the ticket and whether to refund: a hold
    that lapsed and whose seat went to someone else is refunded. Idempotent: a paid or
    refunded ticket stays as it is (webhooks come more than once, and out of order)."""
    if ticket.state in (TicketState.PAID, TicketState.REFUNDED, TicketState.COMP):
        return ticket, False
    paid = replace(
        ticket, state=TicketState.PAID, payment_id=payment_id, paid_at=now, held_until=None
    )
    lapsed = ticket.state is TicketState.RELEASED or not ticket.holds_seat(now)
    if lapsed and capacity is not None and taken_by_others >= capacity:
        return paid, True
    return paid, False


def stray(ticket: Ticket, payment_id: str) -> bool:
    """A payment this ticket cannot take: it is settled already (paid by another payment,
    free, or refunded) and this is not the payment it was settled by. Given back whole."""
    settled = ticket.state in (TicketState.PAID, TicketState.COMP, TicketState.REFUNDED)
    return settled and ticket.payment_id != payment_id


def on_expired(ticket: Ticket) -> Ticket:
    """The Checkout session expired unpaid: its seat is free again."""
    if ticket.state is TicketState.HELD:
        return replace(ticket, state=TicketState.RELEASED, held_until=None)
    return ticket


def refunded(ticket: Ticket, now: datetime) -> Ticket:
    if ticket.state is TicketState.REFUNDED:
        return ticket
    return replace(ticket, state=TicketState.REFUNDED, refunded_at=now)


def check_refundable(ticket: Ticket) -> None:
    if ticket.state is TicketState.REFUNDED:
        raise Conflict("This ticket was refunded already.", code="already_refunded")
    if not ticket.valid:
        raise Conflict("This ticket was never paid: there is nothing to refund.", code="not_paid")


def check_host(sale: Sale, user_id: UserId) -> None:
    if sale.host_id != user_id:
        raise Forbidden("Only the host sees and changes this sale.", code="not_sale_host")


@dataclass(frozen=True, slots=True)
class Summary:
    """A host's sales: paid tickets' money, comps and refunds counted apart."""

    sold: int
    comps: int
    refunded: int
    gross: int
    fees: int
    held: int

    @property
    def net(self) -> int:
        return self.gross - self.fees


def summary(tickets: Iterable[Ticket], now: datetime) -> Summary:
    sold = comps = refunds = gross = fees = held = 0
    for t in tickets:
        if t.state is TicketState.PAID:
            sold, gross, fees = sold + 1, gross + t.amount, fees + t.fee
        elif t.state is TicketState.COMP:
            comps += 1
        elif t.state is TicketState.REFUNDED:
            refunds += 1
        elif t.holds_seat(now):
            held += 1
    return Summary(sold, comps, refunds, gross, fees, held)


def phase_of_event(state: str) -> Phase:
    """An event's state (events.EventState values) as a sale's phase."""
    return {
        "scheduled": Phase.UPCOMING,
        "live": Phase.LIVE,
        "ended": Phase.ENDED,
    }.get(state, Phase.CANCELLED)
