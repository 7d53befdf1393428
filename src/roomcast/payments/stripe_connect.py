"""Stripe Connect through the official `stripe` library: Standard accounts onboarded by an
account link, Checkout sessions as direct charges on the creator's account (header
`Stripe-Account`) with the operator's application fee, refunds, and webhooks from the
Connect endpoint verified by the library's signature check.

Every call that creates something carries our idempotency key, so a retry after a timeout
never charges or refunds twice.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import stripe

from roomcast.config import Settings
from roomcast.payments import (
    AccountStatus,
    BadSignature,
    Checkout,
    CheckoutRequest,
    EventKind,
    PaymentError,
    PaymentEvent,
)

logger = logging.getLogger(__name__)
TOLERANCE = 300  # seconds: an older signed payload is stale (a replay)
_PAID = ("checkout.session.completed", "checkout.session.async_payment_succeeded")


class StripePayments:
    name = "stripe"

    def __init__(self, settings: Settings) -> None:
        assert settings.stripe_secret_key and settings.stripe_webhook_secret
        self._webhook_secret = settings.stripe_webhook_secret.get_secret_value()
        base = settings.stripe_api_base
        self._http = stripe.HTTPXClient(timeout=20)
        self._client = stripe.StripeClient(
            settings.stripe_secret_key.get_secret_value(),
            http_client=self._http,
            base_addresses={"api": base, "connect": base} if base else None,
            max_network_retries=2,
        )

    async def create_account(self, email: str | None) -> str:
        params: dict[str, Any] = {"type": "standard"}
        if email:
            params["email"] = email
        account = await self._call(self._client.v1.accounts.create_async, params)
        return str(account.id)

    async def onboarding_link(self, account: str, refresh_url: str, return_url: str) -> str:
        link = await self._call(
            self._client.v1.account_links.create_async,
            {
                "account": account,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            },
        )
        return str(link.url)

    async def account_status(self, account: str) -> AccountStatus:
        try:
            found = await self._client.v1.accounts.retrieve_async(account)
        except stripe.StripeError as e:
            raise _error(e) from e
        return _status(found.to_dict(), int(time.time()))  # fresher than any webhook

    async def checkout(self, request: CheckoutRequest) -> Checkout:
        intent: dict[str, Any] = {"metadata": {"roomcast": request.reference}}
        if request.fee > 0:
            intent["application_fee_amount"] = request.fee
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency,
                        "unit_amount": request.amount,
                        "product_data": {"name": request.name[:250]},
                    },
                }
            ],
            "payment_intent_data": intent,
            "client_reference_id": request.reference,
            "metadata": {"roomcast": request.reference},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": int(request.expires_at.timestamp()),
        }
        if request.email:
            params["customer_email"] = request.email
        session = await self._call(
            self._client.v1.checkout.sessions.create_async,
            params,
            account=request.account,
            idempotency_key=request.idempotency_key,
        )
        return Checkout(str(session.id), str(session.url))

    async def expire_checkout(self, account: str, checkout_id: str) -> None:
        try:
            await self._client.v1.checkout.sessions.expire_async(
                checkout_id, options={"stripe_account": account}
            )
        except stripe.InvalidRequestError as e:  # paid or expired already: nothing to do
            logger.info("checkout %s not expired: %s", checkout_id, e.user_message)
        except stripe.StripeError as e:
            raise _error(e) from e

    async def refund(self, account: str, payment_id: str, idempotency_key: str) -> str:
        refund = await self._call(
            self._client.v1.refunds.create_async,
            {"payment_intent": payment_id, "refund_application_fee": True},
            account=account,
            idempotency_key=idempotency_key,
        )
        return str(refund.id)

    def parse_event(self, payload: bytes, signature: str | None) -> PaymentEvent | None:
        try:
            event = stripe.Webhook.construct_event(
                payload, signature or "", self._webhook_secret, TOLERANCE
            )
        except (stripe.SignatureVerificationError, ValueError) as e:
            raise BadSignature(str(e)) from e
        data = json.loads(payload)  # the verified payload, as plain dicts
        obj: dict[str, Any] = data.get("data", {}).get("object", {}) or {}
        kind, created = str(event.type), int(data.get("created", 0))
        account = data.get("account")
        base = {"id": str(event.id), "created": created, "account": account}
        if kind in _PAID:
            if obj.get("payment_status") not in ("paid", "no_payment_required"):
                return None  # a delayed method: async_payment_succeeded follows
            return PaymentEvent(
                kind=EventKind.PAID,
                checkout_id=obj.get("id"),
                payment_id=_id(obj.get("payment_intent")),
                reference=(obj.get("metadata") or {}).get("roomcast")
                or obj.get("client_reference_id"),
                **base,
            )
        if kind in ("checkout.session.expired", "checkout.session.async_payment_failed"):
            return PaymentEvent(kind=EventKind.EXPIRED, checkout_id=obj.get("id"), **base)
        if kind == "charge.refunded" and obj.get("refunded"):
            return PaymentEvent(
                kind=EventKind.REFUNDED, payment_id=_id(obj.get("payment_intent")), **base
            )
        if kind == "account.updated":
            return PaymentEvent(kind=EventKind.ACCOUNT, status=_status(obj, created), **base)
        return None

    async def _call(
        self,
        method: Any,
        params: dict[str, Any],
        *,
        account: str | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        options: dict[str, Any] = {}
        if account:
            options["stripe_account"] = account
        if idempotency_key:
            options["idempotency_key"] = idempotency_key
        try:
            return await method(params, options or None)
        except stripe.StripeError as e:
            raise _error(e) from e

    async def close(self) -> None:
        await self._http.close_async()  # type: ignore[no-untyped-call]


def _id(value: object) -> str | None:
    """An expandable field: an id, or the object with its id."""
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if value else None


def _status(account: dict[str, Any], at: int) -> AccountStatus:
    due = (account.get("requirements") or {}).get("currently_due") or []
    return AccountStatus(
        account=str(account.get("id")),
        charges_enabled=bool(account.get("charges_enabled")),
        payouts_enabled=bool(account.get("payouts_enabled")),
        details_submitted=bool(account.get("details_submitted")),
        requirements_due=tuple(str(r) for r in due)[:50],
        currency=str(account.get("default_currency") or "usd"),
        at=at,
    )


def _error(e: stripe.StripeError) -> PaymentError:
    logger.warning("stripe refused: %s (%s)", e.user_message or e, type(e).__name__)
    return PaymentError(e.user_message or "The payment provider could not be reached.")
