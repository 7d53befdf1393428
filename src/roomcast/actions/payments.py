"""Paid rooms' money path: the payment provider (Stripe Connect, or the local test
provider in dev mode), the operator's fee, and creators' payment accounts (onboarding by the
provider's link; their status kept up to date by its webhooks).

The provider is called outside any unit of work (a network call must not hold SQLite's
write lock), between two of them: the first decides and holds, the second records what the
provider said. Whatever the provider says arrives again through its webhook (webhooks.py),
handled once per event id and in any order.
"""

from __future__ import annotations

from roomcast.actions.context import Context
from roomcast.domain import money, payouts
from roomcast.domain.model import User, UserId
from roomcast.domain.payouts import PayoutAccount
from roomcast.errors import Conflict, NotFound, Unavailable
from roomcast.payments import (
    AccountStatus,
    PaymentError,
    PaymentProvider,
)
from roomcast.payments.local import LocalPayments


def provider(ctx: Context) -> PaymentProvider:
    if ctx.payments is None:
        raise Conflict("This server does not take payments.", code="payments_off")
    return ctx.payments


def fee(ctx: Context, amount: int) -> int:
    return money.fee_of(amount, money.fee_basis_points(ctx.settings.platform_fee_percent))


# ---- creators' payment accounts ----


async def account_of(ctx: Context, me: User) -> PayoutAccount | None:
    async with ctx.transaction() as uow:
        return await uow.payout_accounts.get(me.id)


async def connect(ctx: Context, me: User, email: str | None) -> str:
    """Where to send a creator to set up (or finish setting up) their account: the
    provider's onboarding (Stripe: an account link), returning to their settings."""
    p = provider(ctx)
    async with ctx.transaction() as uow:
        found = await uow.payout_accounts.get(me.id)
    try:
        if found is None:
            account = await p.create_account(email)
            async with ctx.transaction() as uow:
                if await uow.payout_accounts.get(me.id) is None:  # not made in parallel
                    await uow.payout_accounts.put(
                        PayoutAccount(me.id, account, status_at=0), ctx.clock()
                    )
                found = await uow.payout_accounts.get(me.id)
            assert found is not None
        base = ctx.settings.base_url
        return await p.onboarding_link(
            found.account,
            refresh_url=f"{base}/settings/payments?connect=again",
            return_url=f"{base}/settings/payments?connect=done",
        )
    except PaymentError as e:
        raise Unavailable(str(e), code="payment_provider_unavailable") from e


async def refresh_account(ctx: Context, me: User) -> PayoutAccount | None:
    """Ask the provider for the account's status now (back from onboarding)."""
    p = provider(ctx)
    found = await account_of(ctx, me)
    if found is None:
        return None
    try:
        status = await p.account_status(found.account)
    except PaymentError as e:
        raise Unavailable(str(e), code="payment_provider_unavailable") from e
    return await store_status(ctx, me.id, status)


def account_of_status(user_id: UserId, s: AccountStatus, currency: str = "usd") -> PayoutAccount:
    """The provider's word on an account as ours (a currency we do not sell in: `currency`)."""
    return PayoutAccount(
        user_id,
        s.account,
        s.charges_enabled,
        s.payouts_enabled,
        s.details_submitted,
        s.requirements_due,
        s.currency if s.currency in money.CURRENCIES else currency,
        s.at,
    )


async def store_status(ctx: Context, user_id: UserId, s: AccountStatus) -> PayoutAccount:
    new = account_of_status(user_id, s)
    async with ctx.transaction() as uow:
        current = await uow.payout_accounts.get(user_id)
        kept = payouts.updated(current, new) if current else new
        await uow.payout_accounts.put(kept, ctx.clock())
    return kept


def local(ctx: Context) -> LocalPayments:
    """The development provider, for its own checkout page."""
    if not isinstance(ctx.payments, LocalPayments):
        raise NotFound("No such page.", code="not_found")
    return ctx.payments
