"""Payment providers: the one interface actions/payments.py talks to, and its two
implementations. `stripe_connect.py` goes through Stripe Connect with direct charges (the creator's
own account is the merchant; the operator's application fee is the only cut); `local.py`
completes purchases on a page of ours, for development, and is refused outside dev mode.

Money never changes hands on a browser's say-so: tickets and tips count when the provider
confirms the payment (Stripe: its signed webhook), delivered as a `PaymentEvent`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from roomcast.config import Settings


class PaymentError(Exception):
    """The provider refused or could not be reached; the message is safe to show."""


class BadSignature(Exception):
    """A webhook whose signature does not verify (forged, altered or stale)."""


@dataclass(frozen=True, slots=True)
class AccountStatus:
    account: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements_due: tuple[str, ...]
    currency: str
    at: int  # the provider's time of this status (unix seconds)


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    account: str  # the seller's connected account: the charge is theirs
    amount: int  # minor units
    currency: str
    fee: int  # the operator's application fee, minor units (0: none)
    name: str  # what the buyer sees they pay for
    reference: str  # ours: "ticket:12", "tip:3"
    success_url: str
    cancel_url: str
    expires_at: datetime
    idempotency_key: str
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Checkout:
    id: str
    url: str


class EventKind(enum.StrEnum):
    PAID = "paid"  # a Checkout session was paid
    EXPIRED = "expired"  # a Checkout session expired unpaid
    REFUNDED = "refunded"  # a payment was refunded (from our side or the provider's)
    ACCOUNT = "account"  # a connected account's status changed


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    id: str  # the provider's event id: handled once
    kind: EventKind
    created: int
    account: str | None = None
    checkout_id: str | None = None
    payment_id: str | None = None
    reference: str | None = None
    status: AccountStatus | None = None


class PaymentProvider(Protocol):
    name: str

    async def create_account(self, email: str | None) -> str: ...

    async def onboarding_link(self, account: str, refresh_url: str, return_url: str) -> str: ...

    async def account_status(self, account: str) -> AccountStatus: ...

    async def checkout(self, request: CheckoutRequest) -> Checkout: ...

    async def expire_checkout(self, account: str, checkout_id: str) -> None: ...

    async def refund(self, account: str, payment_id: str, idempotency_key: str) -> str: ...

    def parse_event(self, payload: bytes, signature: str | None) -> PaymentEvent | None:
        """A verified webhook as our event; None for kinds we do not act on."""
        ...

    async def close(self) -> None: ...


def make_provider(settings: Settings) -> PaymentProvider | None:
    match settings.payment_provider:
        case "stripe":
            from roomcast.payments.stripe_connect import StripePayments

            return StripePayments(settings)
        case "local":
            from roomcast.payments.local import LocalPayments

            return LocalPayments(settings)
        case _:
            return None
