"""A payment provider for development: Checkout is a page of ours (/pay/local/ID) where the
buyer presses Pay or Cancel, and pressing Pay delivers the same `PaymentEvent` a Stripe
webhook would. No money moves, so it is refused outside dev mode (config.py). Sessions live
in this process: a restart forgets open ones (their seats are released when the hold
lapses, as for an abandoned Stripe Checkout).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from roomcast.config import Settings
from roomcast.payments import (
    AccountStatus,
    Checkout,
    CheckoutRequest,
    EventKind,
    PaymentError,
    PaymentEvent,
)


@dataclass
class LocalSession:
    request: CheckoutRequest
    id: str
    state: str = "open"  # open, paid, expired
    payment_id: str = field(default_factory=lambda: "pi_local_" + secrets.token_hex(8))


class LocalPayments:
    name = "local"

    def __init__(self, settings: Settings) -> None:
        self._base = settings.base_url
        self.sessions: dict[str, LocalSession] = {}
        self.refunds: dict[str, str] = {}  # idempotency key -> refund id

    async def create_account(self, email: str | None) -> str:
        return "acct_local_" + secrets.token_hex(6)

    async def onboarding_link(self, account: str, refresh_url: str, return_url: str) -> str:
        return return_url  # nothing to fill in: the account is ready at once

    async def account_status(self, account: str) -> AccountStatus:
        return AccountStatus(account, True, True, True, (), "usd", int(time.time()))

    async def checkout(self, request: CheckoutRequest) -> Checkout:
        for s in self.sessions.values():  # the same key: the same session, as Stripe does
            if s.request.idempotency_key == request.idempotency_key:
                return Checkout(s.id, self.url(s.id))
        session = LocalSession(request, "cs_local_" + secrets.token_urlsafe(12))
        self.sessions[session.id] = session
        return Checkout(session.id, self.url(session.id))

    def url(self, session_id: str) -> str:
        return f"{self._base}/pay/local/{session_id}"

    def open_session(self, session_id: str) -> LocalSession:
        s = self.sessions.get(session_id)
        if s is None or s.state != "open":
            raise PaymentError("This checkout is over.")
        if s.request.expires_at.timestamp() <= time.time():
            s.state = "expired"
            raise PaymentError("This checkout expired.")
        return s

    def pay(self, session_id: str) -> PaymentEvent:
        """The buyer pressed Pay: what Stripe's checkout.session.completed would say."""
        return self._end(session_id, paid=True)

    def cancel(self, session_id: str) -> PaymentEvent:
        """The buyer pressed Cancel: what checkout.session.expired would say."""
        return self._end(session_id, paid=False)

    def _end(self, session_id: str, *, paid: bool) -> PaymentEvent:
        s = self.open_session(session_id)
        s.state = "paid" if paid else "expired"
        return PaymentEvent(
            id="evt_local_" + secrets.token_hex(8),
            kind=EventKind.PAID if paid else EventKind.EXPIRED,
            created=int(time.time()),
            account=s.request.account,
            checkout_id=s.id,
            payment_id=s.payment_id if paid else None,
            reference=s.request.reference if paid else None,
        )

    async def expire_checkout(self, account: str, checkout_id: str) -> None:
        s = self.sessions.get(checkout_id)
        if s is not None and s.state == "open":
            s.state = "expired"

    async def refund(self, account: str, payment_id: str, idempotency_key: str) -> str:
        return self.refunds.setdefault(idempotency_key, "re_local_" + secrets.token_hex(8))

    def parse_event(self, payload: bytes, signature: str | None) -> PaymentEvent | None:
        raise PaymentError("The local provider takes no webhooks.")

    async def close(self) -> None:
        return None
