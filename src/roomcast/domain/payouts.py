"""Creators' side of the money: their connected payment account (Stripe Connect, Standard:
the creator is the merchant and Stripe pays them) and the tips they are given.

A tip is paid like a ticket (Checkout, a direct charge on the speaker's account) and counts
once the provider's signed webhook confirms it: open → paid (→ refunded, from the
provider's side).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from roomcast.domain.model import RoomId, UserId
from roomcast.errors import Conflict, Forbidden


@dataclass(frozen=True, slots=True)
class PayoutAccount:
    user_id: UserId
    account: str  # the provider's id (Stripe: acct_...)
    charges_enabled: bool = False
    payouts_enabled: bool = False
    details_submitted: bool = False
    requirements_due: tuple[str, ...] = ()  # what the provider still needs from them
    currency: str = "usd"  # the account's default currency: tips are in it
    status_at: int = 0  # provider time of the status (out-of-order updates lose to newer)

    @property
    def ready(self) -> bool:
        return self.charges_enabled


def updated(current: PayoutAccount, new: PayoutAccount) -> PayoutAccount:
    """The newer of two statuses: webhooks arrive out of order."""
    return new if new.status_at >= current.status_at else current


def check_ready(account: PayoutAccount | None, whose: str = "The host") -> PayoutAccount:
    if account is None or not account.ready:
        raise Conflict(
            f"{whose} cannot take payments yet (their payment account is not set up).",
            code="seller_not_ready",
        )
    return account


class TipState(enum.StrEnum):
    OPEN = "open"  # at Checkout
    PAID = "paid"
    REFUNDED = "refunded"


@dataclass(frozen=True, slots=True)
class Tip:
    id: int
    from_user: UserId
    to_user: UserId
    amount: int
    fee: int
    currency: str
    state: TipState
    created_at: datetime
    room_id: RoomId | None = None  # tipped during a live room...
    episode_id: str | None = None  # ...or on an episode
    checkout_id: str | None = None
    payment_id: str | None = None
    account: str | None = None
    paid_at: datetime | None = None


def matches(
    checkout: str | None, account: str | None, paid_checkout: str | None, paid_account: str | None
) -> bool:
    """A payment the provider reports is for this ticket or tip: the same Checkout (once we
    know its id) on the same connected account."""
    same_checkout = checkout is None or checkout == paid_checkout
    same_account = account is None or paid_account is None or account == paid_account
    return same_checkout and same_account


def check_tip(giver: UserId, speaker: UserId) -> None:
    if giver == speaker:
        raise Forbidden("You cannot tip yourself.", code="own_tip")


def tip_paid(tip: Tip, payment_id: str, now: datetime) -> tuple[Tip, bool]:
    """The tip and whether it changed (a webhook delivered again changes nothing)."""
    if tip.state is not TipState.OPEN:
        return tip, False
    return replace(tip, state=TipState.PAID, payment_id=payment_id, paid_at=now), True
