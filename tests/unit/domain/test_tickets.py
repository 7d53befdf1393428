"""A ticket's life and a sale's rules: windows, seats held for Checkout, payments delivered
twice, late or for a seat gone, refunds, the host's figures."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from roomcast.domain import payouts
from roomcast.domain import tickets as t
from roomcast.domain.model import UserId
from roomcast.domain.payouts import PayoutAccount, Tip, TipState
from roomcast.domain.tickets import Phase, Sale, Terms, Ticket, TicketState, Window
from roomcast.errors import BadRequest, Conflict, Forbidden

T0 = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
HOST, BUYER = UserId(1), UserId(2)


def sale(window: Window = Window.BEFORE, capacity: int | None = 5) -> Sale:
    return Sale(7, HOST, Terms(1500, "eur", capacity, window), T0)


def held(at: datetime = T0, state: TicketState = TicketState.HELD) -> Ticket:
    return Ticket(3, 7, BUYER, state, 1500, 150, "eur", at, held_until=at + t.HOLD)


@pytest.mark.parametrize(
    ("window", "phase", "refusal"),
    [
        (Window.BEFORE, Phase.UPCOMING, None),
        (Window.BEFORE, Phase.LIVE, "sales_closed"),
        (Window.BEFORE, Phase.ENDED, "sales_closed"),
        (Window.LIVE, Phase.LIVE, None),
        (Window.LIVE, Phase.ENDED, "sales_closed"),
        (Window.REPLAY, Phase.ENDED, None),  # the replay sells
        (Window.REPLAY, Phase.CANCELLED, "not_on_sale"),
    ],
)
def test_sales_windows(window: Window, phase: Phase, refusal: str | None) -> None:
    if refusal is None:
        t.check_on_sale(sale(window), phase)
        return
    with pytest.raises(Conflict) as refused:
        t.check_on_sale(sale(window), phase)
    assert refused.value.code == refusal


def test_a_cancelled_sale_sells_nothing() -> None:
    with pytest.raises(Conflict):
        t.check_on_sale(replace(sale(Window.REPLAY), cancelled_at=T0), Phase.UPCOMING)


def test_terms() -> None:
    assert t.check_terms(Terms(100, "EUR"), record=False).currency == "eur"
    for bad in (Terms(100, "eur", 0), Terms(100, "eur", t.MAX_CAPACITY + 1)):
        with pytest.raises(BadRequest):
            t.check_terms(bad, record=True)
    with pytest.raises(BadRequest) as refused:
        t.check_terms(Terms(100, "eur", None, Window.REPLAY), record=False)
    assert refused.value.code == "replay_needs_recording"


def test_seats_are_held_for_checkout_then_given_back() -> None:
    ticket = held()
    assert ticket.holds_seat(T0 + t.HOLD - timedelta(seconds=1))
    assert not ticket.holds_seat(T0 + t.HOLD)  # lapsed: the seat is free again
    assert not ticket.valid
    t.check_seat(sale(capacity=5), 4)
    with pytest.raises(Conflict) as full:
        t.check_seat(sale(capacity=5), 5)
    assert full.value.code == "sold_out"
    t.check_seat(sale(capacity=None), 10**6)
    released = t.on_expired(ticket)
    assert released.state is TicketState.RELEASED and not released.holds_seat(T0)
    paid = replace(ticket, state=TicketState.PAID)
    assert t.on_expired(paid) is paid  # an expiry after the payment changes nothing


def test_who_may_buy() -> None:
    s = sale()
    t.check_may_buy(s, BUYER, None, T0)
    t.check_may_buy(s, BUYER, t.on_expired(held()), T0)  # released: may try again
    for mine, who, code in (
        (None, HOST, "own_sale"),
        (replace(held(), state=TicketState.PAID), BUYER, "already_have_ticket"),
        (replace(held(), state=TicketState.COMP), BUYER, "already_have_ticket"),
        (held(), BUYER, "checkout_open"),
    ):
        with pytest.raises(Conflict) as refused:
            t.check_may_buy(s, who, mine, T0)
        assert refused.value.code == code
    t.check_may_buy(s, BUYER, held(T0 - t.HOLD), T0)  # an old hold that lapsed


def test_payments_come_twice_late_or_for_a_seat_gone() -> None:
    now = T0 + timedelta(minutes=5)
    paid, refund = t.on_payment(held(), "pi_1", taken_by_others=4, capacity=5, now=now)
    assert paid.state is TicketState.PAID and paid.valid and paid.payment_id == "pi_1"
    assert not refund
    # delivered again: nothing changes
    again, refund = t.on_payment(paid, "pi_1", 5, 5, now)
    assert again is paid and not refund
    # the hold lapsed, but a seat is still free: it is theirs
    late = now + t.HOLD
    paid, refund = t.on_payment(held(), "pi_2", 3, 5, late)
    assert paid.valid and not refund
    # the hold lapsed and the seats went to others meanwhile: paid, and refunded at once
    paid, refund = t.on_payment(t.on_expired(held()), "pi_3", 5, 5, now)
    assert paid.state is TicketState.PAID and refund
    # no capacity: never refunded for lack of a seat
    _, refund = t.on_payment(t.on_expired(held()), "pi_4", 999, None, now)
    assert not refund
    # a refunded ticket stays refunded when a stale "paid" arrives
    gone = t.refunded(replace(held(), state=TicketState.PAID), now)
    assert t.on_payment(gone, "pi_1", 0, 5, now) == (gone, False)


def test_refunds() -> None:
    paid = replace(held(), state=TicketState.PAID)
    t.check_refundable(paid)
    done = t.refunded(paid, T0)
    assert done.state is TicketState.REFUNDED and not done.valid and done.refunded_at == T0
    assert t.refunded(done, T0 + timedelta(hours=1)) is done
    with pytest.raises(Conflict) as refused:
        t.check_refundable(done)
    assert refused.value.code == "already_refunded"
    with pytest.raises(Conflict):
        t.check_refundable(held())  # never paid
    t.check_host(sale(), HOST)
    with pytest.raises(Forbidden):
        t.check_host(sale(), BUYER)


def test_the_hosts_figures() -> None:
    paid = replace(held(), state=TicketState.PAID)
    rows = [
        paid,
        replace(paid, id=4, amount=1500, fee=150),
        replace(paid, id=5, state=TicketState.COMP, amount=0, fee=0),
        replace(paid, id=6, state=TicketState.REFUNDED),
        replace(held(), id=7),  # at Checkout now
        replace(held(T0 - t.HOLD), id=8),  # lapsed
        t.on_expired(replace(held(), id=9)),
    ]
    s = t.summary(rows, T0 + timedelta(minutes=1))
    assert (s.sold, s.comps, s.refunded, s.held) == (2, 1, 1, 1)
    assert (s.gross, s.fees, s.net) == (3000, 300, 2700)


def test_payout_accounts_keep_the_newest_status() -> None:
    old = PayoutAccount(HOST, "acct_1", charges_enabled=False, status_at=100)
    new = replace(old, charges_enabled=True, status_at=200)
    assert payouts.updated(old, new) is new
    assert payouts.updated(new, old) is new  # an older webhook, delivered late, loses
    assert payouts.check_ready(new) is new
    with pytest.raises(Conflict) as refused:
        payouts.check_ready(old)
    assert refused.value.code == "seller_not_ready"
    with pytest.raises(Conflict):
        payouts.check_ready(None)


def test_a_reported_payment_must_be_for_this_checkout_on_this_account() -> None:
    assert payouts.matches("cs_1", "acct_1", "cs_1", "acct_1")
    assert payouts.matches(None, "acct_1", "cs_1", "acct_1")  # the webhook came first
    assert not payouts.matches("cs_1", "acct_1", "cs_2", "acct_1")
    assert not payouts.matches("cs_1", "acct_1", "cs_1", "acct_2")
    assert not payouts.matches(None, "acct_1", "cs_9", "acct_2")


def test_tips_count_once() -> None:
    tip = Tip(1, BUYER, HOST, 500, 50, "usd", TipState.OPEN, T0)
    paid, changed = payouts.tip_paid(tip, "pi_9", T0)
    assert changed and paid.state is TipState.PAID and paid.payment_id == "pi_9"
    assert payouts.tip_paid(paid, "pi_9", T0) == (paid, False)
    with pytest.raises(Forbidden):
        payouts.check_tip(HOST, HOST)


def test_every_notice_kind_says_why_it_is_emailed() -> None:
    """An email names why it came; a kind without a reason would fail to send."""
    from roomcast.actions.notify import REASONS
    from roomcast.domain.notices import KINDS, Kind

    assert set(REASONS) == set(Kind) == set(KINDS)


def test_a_payment_that_buys_nothing_is_given_back() -> None:
    paid = replace(held(), state=TicketState.PAID, payment_id="pi_1")
    assert not t.stray(paid, "pi_1")  # the same payment, delivered again
    assert t.stray(paid, "pi_2")  # a second Checkout of a ticket paid already
    assert t.stray(replace(held(), state=TicketState.COMP), "pi_3")
    assert t.stray(t.refunded(paid, T0), "pi_4")
    assert not t.stray(t.refunded(paid, T0), "pi_1")  # its own refunded payment: no double
    assert not t.stray(held(), "pi_5")
    assert not t.stray(t.on_expired(held()), "pi_6")  # a late payment: on_payment decides
